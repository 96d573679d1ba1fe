-- one row per township and target level: the level's rate of the township's denominator
-- (惠民保: the base; 全民参保: the registered population), rounded as configured
with coverage as (
    select * from int_township_coverage
),
levels as (
    select * from stg_target_levels
)
select
    c.township,
    c.position,
    l.level_key,
    l.level_position,
    round_target(c.denominator * l.level_rate, $rounding) as target
from coverage as c
cross join levels as l

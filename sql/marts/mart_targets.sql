-- one row per township and target level in base-table order, then the 合计 row of each
-- level: the 任务表
with targets as (
    select * from int_township_targets_computed
),
coverage as (
    select * from int_township_coverage
),
levels as (
    select * from stg_target_levels
),
township_rows as (
    select
        t.township,
        t.position,
        c.denominator as base,
        t.level_key,
        t.level_position,
        t.target
    from targets as t
    join coverage as c using (township)
),
sums as (
    select level_key, sum(target)::bigint as target from targets group by level_key
),
total_base as (
    select sum(denominator)::bigint as base from coverage
),
total_rows as (
    -- sum_of_townships: the total is the sum of the township targets (Qingliu's table);
    -- from_total_base: the total is the rate applied to the total base
    select
        '合计' as township,
        null::integer as position,
        b.base,
        l.level_key,
        l.level_position,
        case when $total_rule = 'sum_of_townships' then s.target
            else round_target(b.base * l.level_rate, $rounding)
        end as target
    from levels as l
    cross join total_base as b
    left join sums as s using (level_key)
),
with_total as (
    select * from township_rows
    union all
    select * from total_rows
)
select township, base, level_key, level_position, target
from with_total
order by position nulls last, level_position

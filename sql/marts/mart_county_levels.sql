-- one row per target level: the county's target as the 任务表 states it, gap and completion
with targets as (
    select * from mart_targets where township = '合计'
),
coverage as (
    select * from int_township_coverage
),
enrolled as (
    select sum(enrolled)::bigint as enrolled from coverage
)
select
    t.level_key,
    t.level_position,
    t.target,
    greatest(t.target - e.enrolled, 0) as gap,
    e.enrolled / nullif(t.target, 0)::double as completion
from targets as t
cross join enrolled as e
order by t.level_position

-- one row: the county on the as-of date, targets as the 任务表 states them
with coverage as (
    select * from mart_township_coverage
),
targets as (
    select * from mart_targets where township = '合计'
),
total as (
    select
        sum(c.base)::bigint as base,
        any_value(t.target_floor) as target_floor,
        any_value(t.target_stretch) as target_stretch,
        sum(c.enrolled)::bigint as enrolled
    from coverage as c
    cross join targets as t
)
select
    base,
    target_floor,
    target_stretch,
    enrolled,
    enrolled / base::double as rate,
    greatest(target_floor - enrolled, 0) as gap_floor,
    greatest(target_stretch - enrolled, 0) as gap_stretch,
    enrolled / target_floor::double as completion_floor,
    enrolled / target_stretch::double as completion_stretch
from total

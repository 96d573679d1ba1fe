-- one row per township and target level: target, gap (people still to enrol) and completion
with targets as (
    select * from int_township_targets_computed
),
coverage as (
    select * from int_township_coverage
)
select
    t.township,
    t.level_key,
    t.level_position,
    t.target,
    greatest(t.target - c.enrolled, 0) as gap,
    c.enrolled / nullif(t.target, 0)::double as completion
from targets as t
join coverage as c using (township)
order by c.position, t.level_position

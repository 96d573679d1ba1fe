-- one row per township on the as-of date: coverage, completion of the first target level
-- against time progress (时序进度), change since the previous run and the previous
-- circular, rank change
with coverage as (
    select * from mart_township_coverage
),
first_level as (
    select * from mart_township_levels where level_position = 1
),
earlier as (
    select * from stg_snapshots
),
earlier_circulars as (
    select * from stg_circulars
),
previous_run as (
    select * from earlier where as_of = (select max(as_of) from earlier)
),
previous_circular as (
    select * from earlier where as_of = (select max(as_of) from earlier_circulars)
),
pace as (
    select * from int_time_progress
)
select
    c.*,
    f.target as first_target,
    f.completion,
    p.time_progress,
    case
        when c.status = '未报送' then '未报送'
        when f.target is null then null
        when c.enrolled >= f.target then '已完成'
        when f.completion >= p.time_progress then '超时序'
        else '落后时序'
    end as progress_class,
    c.enrolled - r.enrolled as increase_since_previous,
    c.enrolled - pc.enrolled as increase_since_circular,
    r.rank as previous_rank,
    case
        when c.rank is null or r.rank is null or c.rank = r.rank then '—'
        when c.rank < r.rank then '↑' || (r.rank - c.rank)
        else '↓' || (c.rank - r.rank)
    end as rank_change
from coverage as c
cross join pace as p
left join first_level as f using (township)
left join previous_run as r using (township)
left join previous_circular as pc using (township)
order by c.rank_group <> '乡镇', c.rank_group, c.rank nulls last, c.position

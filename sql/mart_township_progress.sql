-- one row per township on the as-of date: coverage, change since the previous run and the
-- previous circular, rank change, and completion against time progress (时序进度)
with coverage as (
    select * from mart_township_coverage
),
earlier as (
    select * from snapshots where campaign = $campaign and as_of < $as_of
),
earlier_circulars as (
    select * from circulars where campaign = $campaign and as_of < $as_of
),
previous_run as (
    select * from earlier where as_of = (select max(as_of) from earlier)
),
previous_circular as (
    select * from earlier where as_of = (select max(as_of) from earlier_circulars)
),
pace as (
    -- days elapsed over the days of the campaign window, both counted inclusively
    select least(greatest(
        (date_diff('day', $window_start::date, $as_of::date) + 1)
        / (date_diff('day', $window_start::date, $deadline::date) + 1)::double,
        0), 1) as time_progress
)
select
    c.*,
    c.enrolled / nullif(c.target_floor, 0)::double as completion_floor,
    p.time_progress,
    case
        when c.status = '未报送' then '未报送'
        when c.enrolled >= c.target_floor then '已完成'
        when c.enrolled / nullif(c.target_floor, 0)::double >= p.time_progress then '超时序'
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
left join previous_run as r using (township)
left join previous_circular as pc using (township)
order by c.rank nulls last

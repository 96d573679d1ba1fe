-- one row per county of the province on the as-of date: base, enrolled, rate, target (the
-- sum of the county's first target level), completion and gap; the rank by exact rate in
-- the province and within its 设区市 (ties share a rank, then 市 and county in the province
-- file's order); a county without a completed run is listed as 未汇总, not ranked; change
-- since the previous province run and the previous province circular
with results as (
    select * from province_county_results
),
measured as (
    select
        *,
        enrolled / nullif(base, 0)::double as rate,
        enrolled / nullif(target, 0)::double as completion,
        greatest(target - enrolled, 0) as gap,
        time_progress($as_of, $window_start, $deadline) as time_progress
    from results
),
ranked as (
    select
        case when status <> '未汇总' then
            rank() over (partition by status = '未汇总' order by rate desc nulls last)
        end as rank,
        case when status <> '未汇总' then
            rank() over (partition by city, status = '未汇总' order by rate desc nulls last)
        end as city_rank,
        *
    from measured
),
earlier as (
    select * from province_snapshots where as_of < $as_of
),
previous_run as (
    select * from earlier where as_of = (select max(as_of) from earlier)
),
previous_circular as (
    select * from earlier
    where as_of = (select max(as_of) from province_circulars where as_of < $as_of)
)
select
    r.*,
    case
        when r.status = '未汇总' then '未汇总'
        when r.target is null then null
        when r.enrolled >= r.target then '已完成'
        when r.completion >= r.time_progress then '超时序'
        else '落后时序'
    end as progress_class,
    r.enrolled - p.enrolled as increase_since_previous,
    r.enrolled - pc.enrolled as increase_since_circular,
    p.rank as previous_rank,
    case
        when r.rank is null or p.rank is null or r.rank = p.rank then '—'
        when r.rank < p.rank then '↑' || (p.rank - r.rank)
        else '↓' || (r.rank - p.rank)
    end as rank_change
from ranked as r
left join previous_run as p using (campaign)
left join previous_circular as pc using (campaign)
order by r.rank nulls last, r.city_position, r.position

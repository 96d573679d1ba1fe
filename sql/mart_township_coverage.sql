-- one row per township on the as-of date: enrolled persons, rate, gaps, rank by exact rate
with targets as (
    select * from int_township_targets_computed
),
persons as (
    select * from int_persons_deduplicated
),
deliveries as (
    select * from deliveries
    where campaign = $campaign and status = 'loaded' and delivered_on <= $as_of
),
file_errors as (
    select * from run_file_errors
),
enrolled as (
    select township, count(*) as enrolled from persons group by township
),
reporting as (
    select distinct township from deliveries
),
coverage as (
    select
        t.township,
        t.position,
        t.base,
        t.target_floor,
        t.target_stretch,
        coalesce(e.enrolled, 0) as enrolled,
        coalesce(e.enrolled, 0) / t.base::double as rate,
        greatest(t.target_floor - coalesce(e.enrolled, 0), 0) as gap_floor,
        greatest(t.target_stretch - coalesce(e.enrolled, 0), 0) as gap_stretch,
        case
            when t.township in (select township from file_errors) then '文件错误'
            when r.township is null then '未报送'
            else '已报送'
        end as status
    from targets as t
    left join enrolled as e using (township)
    left join reporting as r using (township)
),
ranked as (
    select
        *,
        -- a township that sent nothing has no rank; ties share one on the exact rate
        case when status <> '未报送' then
            rank() over (partition by status = '未报送' order by rate desc)
        end as rank
    from coverage
)
select
    rank,
    township,
    base,
    target_floor,
    target_stretch,
    enrolled,
    rate,
    gap_floor,
    gap_stretch,
    status
from ranked
order by rank nulls last, position

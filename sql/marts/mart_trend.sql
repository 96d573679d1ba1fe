-- one row per township (and 合计) per snapshot date up to the as-of date: the trend of the
-- enrolled count against the first target level and time progress on that date
with earlier as (
    select * from stg_snapshots
),
progress as (
    select * from mart_township_progress
),
today as (
    select
        $as_of::date as as_of,
        township,
        rank,
        coalesce(denominator, 0) as denominator,
        first_target as target,
        enrolled,
        rate
    from progress
),
rows as (
    select as_of, township, rank, denominator, target, enrolled, rate from earlier
    union all
    select * from today
),
county as (
    select
        as_of,
        '合计' as township,
        null as rank,
        sum(denominator)::bigint as denominator,
        sum(target)::bigint as target,
        sum(enrolled)::bigint as enrolled,
        sum(enrolled) / nullif(sum(denominator), 0)::double as rate
    from rows
    group by as_of
)
select *, time_progress(as_of, $window_start, $deadline) as time_progress
from (select * from rows union all select * from county)
order by township, as_of

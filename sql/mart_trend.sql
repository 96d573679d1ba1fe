-- one row per township (and 合计) per snapshot date up to the as-of date: the trend
with earlier as (
    select * from snapshots where campaign = $campaign and as_of < $as_of
),
today as (
    select
        $as_of::date as as_of,
        township,
        rank,
        coalesce(base, 0) as denominator,
        target_floor as target,
        enrolled,
        rate
    from mart_township_coverage
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
select * from rows
union all
select * from county
order by township, as_of

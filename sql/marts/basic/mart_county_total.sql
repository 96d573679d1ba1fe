-- one row: the county on the as-of date (全民参保): registered, enrolled, lapsed, target
with coverage as (
    select * from int_township_coverage
),
total as (
    select
        sum(registered)::bigint as registered,
        sum(enrolled_local)::bigint as enrolled_local,
        sum(enrolled_elsewhere)::bigint as enrolled_elsewhere,
        sum(enrolled)::bigint as enrolled,
        sum(lapsed)::bigint as lapsed
    from coverage
)
select
    registered,
    registered as denominator,
    enrolled_local,
    enrolled_elsewhere,
    enrolled,
    enrolled / nullif(registered, 0)::double as rate,
    registered - enrolled as unenrolled,
    (registered - enrolled) / nullif(registered, 0)::double as unenrolled_rate,
    lapsed,
    registered - enrolled + lapsed as target
from total

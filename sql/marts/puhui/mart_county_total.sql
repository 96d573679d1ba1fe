-- one row: the county on the as-of date (惠民保): total base, enrolled, rate
with coverage as (
    select * from int_township_coverage
),
total as (
    select
        sum(base)::bigint as base,
        sum(enrolled)::bigint as enrolled
    from coverage
)
select
    base,
    base as denominator,
    enrolled,
    enrolled / nullif(base, 0)::double as rate
from total

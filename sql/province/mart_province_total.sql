-- the province on the as-of date: the totals of the counties whose run completed, how many
-- did, time progress, and the change since the previous province run and circular
with counties as (
    select * from mart_province_counties
),
done as (
    select * from counties where status <> '未汇总'
)
select
    (select count(*) from counties) as counties,
    (select count(*) from done) as counties_done,
    sum(base)::bigint as base,
    sum(target)::bigint as target,
    sum(enrolled)::bigint as enrolled,
    sum(enrolled) / nullif(sum(base), 0)::double as rate,
    sum(enrolled) / nullif(sum(target), 0)::double as completion,
    greatest(sum(target) - sum(enrolled), 0)::bigint as gap,
    time_progress($as_of, $window_start, $deadline) as time_progress,
    sum(increase_since_previous)::bigint as increase_since_previous,
    sum(increase_since_circular)::bigint as increase_since_circular
from done

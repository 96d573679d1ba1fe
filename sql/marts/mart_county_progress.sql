-- one row: the county against time and since the previous run and circular, classified as
-- mart_township_progress classifies townships
with progress as (
    select * from mart_township_progress
),
first_level as (
    select * from mart_county_levels where level_position = 1
),
pace as (
    select * from int_time_progress
),
increases as (
    select
        sum(increase_since_previous)::bigint as increase_since_previous,
        sum(increase_since_circular)::bigint as increase_since_circular
    from progress
)
select
    p.time_progress,
    f.completion,
    case
        when f.target is null then null
        when f.completion >= 1 then '已完成'
        when f.completion >= p.time_progress then '超时序'
        else '落后时序'
    end as progress_class,
    i.increase_since_previous,
    i.increase_since_circular
from pace as p
cross join increases as i
left join first_level as f on true

-- one row per 设区市: its counties (all, and those whose run completed), and the totals of
-- the completed ones, ranked by exact rate
with counties as (
    select * from mart_province_counties
),
totals as (
    select
        city,
        min(city_position) as city_position,
        count(*) as counties,
        count(*) filter (where status <> '未汇总') as counties_done,
        sum(base)::bigint as base,
        sum(target)::bigint as target,
        sum(enrolled)::bigint as enrolled
    from counties
    group by city
),
measured as (
    select
        *,
        enrolled / nullif(base, 0)::double as rate,
        enrolled / nullif(target, 0)::double as completion,
        greatest(target - enrolled, 0) as gap
    from totals
)
select
    case when counties_done > 0 then
        rank() over (partition by counties_done > 0 order by rate desc nulls last)
    end as rank,
    *
from measured
order by rank nulls last, city_position

-- one row per township (全民参保): registered population, enrolled here and elsewhere,
-- lapsed, the year's expansion target, delivery status
with villages as (
    select * from int_basic_villages_counted
),
townships as (
    select * from stg_bases
),
deliveries as (
    select * from stg_deliveries
),
file_errors as (
    select * from stg_file_errors
),
summed as (
    select
        township,
        sum(registered)::bigint as registered,
        sum(enrolled_local)::bigint as enrolled_local,
        sum(enrolled_elsewhere)::bigint as enrolled_elsewhere,
        sum(lapsed)::bigint as lapsed
    from villages
    group by township
),
coverage as (
    select
        t.township,
        t.position,
        t.unit_type,
        t.rank_group,
        coalesce(s.registered, 0) as registered,
        coalesce(s.enrolled_local, 0) as enrolled_local,
        coalesce(s.enrolled_elsewhere, 0) as enrolled_elsewhere,
        coalesce(s.enrolled_local + s.enrolled_elsewhere, 0) as enrolled,
        coalesce(s.lapsed, 0) as lapsed,
        case
            when t.township in (select township from file_errors) then '文件错误'
            -- a delivery of no known township (every row rejected) makes nobody 已报送
            when t.township not in (
                select township from deliveries where township is not null
            ) then '未报送'
            else '已报送'
        end as status
    from townships as t
    left join summed as s using (township)
)
select
    *,
    registered as denominator,
    registered - enrolled as unenrolled,
    (registered - enrolled) / nullif(registered, 0)::double as unenrolled_rate,
    -- the year's expansion target (扩面目标任务): not enrolled, plus lapsed
    registered - enrolled + lapsed as target
from coverage

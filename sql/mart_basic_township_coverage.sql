-- one row per township on the as-of date: registered, enrolled, rate, unenrolled, lapsed, rank
with villages as (
    select * from int_basic_villages_counted
),
townships as (
    select * from stg_bases
),
deliveries as (
    select * from deliveries
    where campaign = $campaign and status = 'loaded' and delivered_on <= $as_of
),
file_errors as (
    select * from run_file_errors
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
        coalesce(s.registered, 0) as registered,
        coalesce(s.enrolled_local, 0) as enrolled_local,
        coalesce(s.enrolled_elsewhere, 0) as enrolled_elsewhere,
        coalesce(s.enrolled_local + s.enrolled_elsewhere, 0) as enrolled,
        coalesce(s.lapsed, 0) as lapsed,
        case
            when t.township in (select township from file_errors) then '文件错误'
            when t.township not in (select township from deliveries) then '未报送'
            else '已报送'
        end as status
    from townships as t
    left join summed as s using (township)
),
measured as (
    select
        *,
        enrolled / nullif(registered, 0)::double as rate,
        registered - enrolled as unenrolled,
        (registered - enrolled) / nullif(registered, 0)::double as unenrolled_rate,
        -- the year's expansion target (扩面目标任务): not enrolled, plus lapsed
        registered - enrolled + lapsed as target
    from coverage
)
select
    case when status <> '未报送' then
        rank() over (partition by status = '未报送' order by rate desc nulls last)
    end as rank,
    township,
    registered,
    enrolled_local,
    enrolled_elsewhere,
    enrolled,
    rate,
    unenrolled,
    unenrolled_rate,
    lapsed,
    target,
    status
from measured
order by rank nulls last, position

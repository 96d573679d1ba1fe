-- one row per township (惠民保): base, people enrolled (each counted once), delivery status
with bases as (
    select * from stg_bases
),
persons as (
    select * from int_persons_deduplicated
),
deliveries as (
    select * from stg_deliveries
),
file_errors as (
    select * from stg_file_errors
),
enrolled as (
    select township, count(*) as enrolled from persons group by township
),
reporting as (
    select distinct township from deliveries
)
select
    b.township,
    b.position,
    b.unit_type,
    b.rank_group,
    b.base,
    b.base as denominator,
    coalesce(e.enrolled, 0) as enrolled,
    case
        when b.township in (select township from file_errors) then '文件错误'
        when r.township is null then '未报送'
        else '已报送'
    end as status
from bases as b
left join enrolled as e using (township)
left join reporting as r using (township)

-- one row per township: files and rows received by the as-of date, and their state
with bases as (
    select * from stg_bases
),
deliveries as (
    select * from stg_deliveries
),
file_errors as (
    select * from stg_file_errors
),
received as (
    select
        township,
        count(*) as files,
        sum(rows_read)::bigint as rows_read,
        sum(rows_loaded)::bigint as rows_loaded,
        sum(rows_rejected)::bigint as rows_rejected
    from deliveries
    group by township
)
select
    b.township,
    coalesce(r.files, 0) as files,
    coalesce(r.rows_read, 0) as rows_read,
    coalesce(r.rows_loaded, 0) as rows_loaded,
    coalesce(r.rows_rejected, 0) as rows_rejected,
    case
        when b.township in (select township from file_errors) then '文件错误'
        when r.township is null then '未报送'
        when r.rows_rejected > 0 then '有剔除行'
        else '正常'
    end as status
from bases as b
left join received as r using (township)
order by b.position

-- one row per rejected row and reason, for deliveries known on the as-of date
with rejects as (
    select * from stg_rejects
),
deliveries as (
    select * from stg_deliveries
)
select
    d.township,
    d.file_name,
    coalesce(r.sheet, d.sheet) as sheet,
    r.source_row,
    r.column_name,
    r.value,
    r.reason
from rejects as r
join deliveries as d using (file_sha256)
order by d.township, d.file_name, r.source_row, r.column_name

-- one row per rejected row and reason of the lists in force (units' staff, families, the
-- hardship list), in the order the lists are read
with rejects as (
    select * from stg_list_rejects
)
select
    case list_kind
        when 'staff' then '单位职工名册'
        when 'family' then '职工家属名册'
        else '救助对象名单'
    end as list,
    file_name,
    sheet,
    source_row,
    column_name,
    value,
    reason
from rejects
order by case list_kind when 'staff' then 1 when 'family' then 2 else 3 end, file_name,
    source_row, column_name

-- the staff of each unit not yet covered, for the unit's own follow-up (masked when printed)
with staff as (
    select * from int_unit_staff where not covered
),
units as (
    select * from mart_unit_coverage
)
select
    s.unit,
    u.unit_position,
    s.name,
    s.id_number,
    s.staff_type
from staff as s
join units as u using (unit)
order by u.unit_position, s.file_name, s.source_row

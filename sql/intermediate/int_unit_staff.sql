-- one row per staff member of a unit's roster in force: covered or not, and in how many
-- units' rosters the same person is listed (seconded staff count for every unit)
with staff as (
    select * from stg_unit_staff
),
covered as (
    select * from int_covered_people
)
select
    s.unit,
    s.id_number,
    s.name,
    s.staff_type,
    s.file_name,
    s.source_row,
    c.id_number is not null as covered,
    c.channel,
    c.township as covered_in,
    count(*) over (partition by s.id_number) as unit_count
from staff as s
left join covered as c using (id_number)

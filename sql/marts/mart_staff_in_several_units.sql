-- staff listed by two or more units: counted for each of them, and named so the units can
-- check (a secondment, or a roster copied from another unit)
with staff as (
    select * from int_unit_staff where unit_count > 1
)
select
    id_number,
    min(name) as name,
    count(*) as unit_count,
    string_agg(unit, '、' order by unit) as units,
    bool_or(covered) as covered
from staff
group by id_number
order by units, id_number

-- one row per family member a unit's staff declared: covered or not
with family as (
    select * from stg_unit_family
),
covered as (
    select * from int_covered_people
)
select
    f.unit,
    f.staff_id,
    f.id_number,
    f.name,
    f.relation,
    c.id_number is not null as covered
from family as f
left join covered as c using (id_number)

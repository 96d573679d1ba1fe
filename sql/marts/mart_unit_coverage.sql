-- one row per unit ([staff] units, then any other unit a roster names): staff, covered, rate,
-- the unit target (at least $staff_target of its staff), the gap, declared family members
-- covered, and the rank by exact rate among the units that sent a roster
with staff as (
    select * from int_unit_staff
),
family as (
    select * from int_unit_family
),
declared as (
    select * from run_staff_units
),
units as (
    select unit, unit_position from declared
    union all
    select unit, 1000 + row_number() over (order by unit) as unit_position
    from (select distinct unit from staff) as named
    where unit not in (select unit from declared)
),
counted as (
    select
        unit,
        count(*) as staff,
        count(*) filter (where covered) as covered,
        count(*) filter (where unit_count > 1) as staff_in_several_units
    from staff
    group by unit
),
family_counted as (
    select
        unit,
        count(*) as family_declared,
        count(*) filter (where covered) as family_covered
    from family
    group by unit
),
measured as (
    select
        u.unit,
        u.unit_position,
        coalesce(c.staff, 0) as staff,
        coalesce(c.covered, 0) as covered,
        c.covered / nullif(c.staff, 0)::double as rate,
        -- at least the target's share: 80% of 7 staff is 6 people (5.6 rounded up)
        cast(ceil(c.staff * cast($staff_target as decimal(9, 4))) as bigint) as target,
        coalesce(c.staff_in_several_units, 0) as staff_in_several_units,
        coalesce(f.family_declared, 0) as family_declared,
        coalesce(f.family_covered, 0) as family_covered,
        f.family_covered / nullif(f.family_declared, 0)::double as family_rate
    from units as u
    left join counted as c using (unit)
    left join family_counted as f using (unit)
)
select
    case when staff > 0 then
        rank() over (partition by staff > 0 order by rate desc nulls last)
    end as rank,
    *,
    greatest(target - covered, 0) as gap,
    rate / cast($staff_target as double) as completion,
    case
        when staff = 0 then '未报送'
        when covered >= target then '已达标'
        else '未达标'
    end as status,
    family_rate >= cast($family_target as double) as family_reached
from measured
order by staff = 0, rank, unit_position

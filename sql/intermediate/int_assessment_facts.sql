-- what the 考核 scorecard computes its items from, one row per township (in the base table's
-- order) and per unit of [staff] (after them): completion of the target, the rate, the
-- hardship list's fully-funded people and how many the government channel covers (null when
-- no list is in force), the declared family members and their rate (units)
with townships as (
    select * from mart_township_progress
),
units as (
    select * from mart_unit_coverage
),
hardship as (
    select * from int_hardship_people where fully_funded
),
list_in_force as (
    select count(*) > 0 as delivered from stg_hardship_people
),
hardship_counted as (
    select township, count(*) as people, count(*) filter (where funded) as funded
    from hardship
    group by township
)
select
    t.township as entity,
    '乡镇' as entity_type,
    t.position,
    t.completion,
    t.rate,
    case when l.delivered then coalesce(h.people, 0) end as hardship_people,
    case when l.delivered then coalesce(h.funded, 0) end as hardship_funded,
    cast(null as bigint) as family_declared,
    cast(null as bigint) as family_covered,
    cast(null as double) as family_rate
from townships as t
cross join list_in_force as l
left join hardship_counted as h using (township)
union all
select
    unit,
    '单位',
    100000 + unit_position,
    completion,
    rate,
    null,
    null,
    family_declared,
    family_covered,
    family_rate
from units
order by position

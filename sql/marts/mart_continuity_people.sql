-- one row per registered person: their standing in Fujian's long-term mechanism
-- (int_person_continuity), townships in the base table's order, then village and number;
-- the rows continuity_phrases (flows/continuity.py) words for the follow-up lists
with people as (
    select * from int_person_continuity
),
townships as (
    select * from stg_bases
)
select p.*
from people as p
left join townships as t using (township)
order by t.position nulls last, p.township, p.village, p.id_number

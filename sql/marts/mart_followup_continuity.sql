-- the people of the follow-up lists (mart_followup) with their standing in Fujian's
-- long-term mechanism: what the phrase under each of them is worded from
-- (flows/continuity.continuity_phrases); the whole register's is mart_continuity_people
with people as (
    select * from int_person_continuity
),
visits as (
    select * from mart_followup
)
select p.*
from people as p
semi join visits as v using (id_number)

-- per township and category of the hardship list: listed, covered, covered through the
-- government-funded channel, not covered, covered through another named channel (a gap where
-- the category is to be paid for in full; a covered person of no named channel is neither)
with people as (
    select * from int_hardship_people
)
select
    township,
    position,
    category,
    category_position,
    fully_funded,
    count(*) as listed,
    count(*) filter (where covered) as covered,
    count(*) filter (where funded) as funded,
    count(*) filter (where not covered) as uncovered,
    count(*) filter (where paid_otherwise) as covered_otherwise
from people
group by township, position, category, category_position, fully_funded
order by position, category_position

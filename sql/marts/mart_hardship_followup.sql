-- who on the hardship list the civil-affairs office must still see to: not covered at all,
-- or (a category paid for in full) covered another way than the government-funded channel
with people as (
    select * from int_hardship_people
)
select
    township,
    position,
    village,
    name,
    id_number,
    category,
    case when not covered then '未参保' else '已参保，非财政资助（' || channel || '）' end
        as status
from people
where not covered or (fully_funded and paid_otherwise)
order by position, category_position, village nulls last, source_row

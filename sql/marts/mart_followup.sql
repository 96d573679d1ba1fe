-- one row per person to visit: not enrolled on the as-of date, lapsed ones first in each village;
-- delivered_on is the date of the township's register the row comes from (what the list is
-- as of: a township that sends nothing new keeps the same list, and the same date)
with persons as (
    select * from int_register_persons_deduplicated
),
townships as (
    select * from stg_bases
),
registers as (
    select * from stg_latest_deliveries
)
select
    p.township,
    p.village,
    p.id_number,
    p.name,
    case when p.paid_last_year then '断缴' else '未参保' end as status,
    case when p.paid_last_year then '已缴费' else '未缴费' end as last_year,
    r.delivered_on
from persons as p
join townships as t using (township)
join registers as r using (township)
where p.place is null
order by t.position, p.village, p.paid_last_year desc, p.id_number

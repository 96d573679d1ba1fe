-- one row per person to visit: not enrolled on the as-of date, lapsed ones first in each village
with persons as (
    select * from int_register_persons_deduplicated
),
townships as (
    select * from stg_bases
)
select
    p.township,
    p.village,
    p.id_number,
    p.name,
    case when p.paid_last_year then '断缴' else '未参保' end as status,
    case when p.paid_last_year then '已缴费' else '未缴费' end as last_year
from persons as p
join townships as t using (township)
where p.place is null
order by t.position, p.village, p.paid_last_year desc, p.id_number

-- one row per township and village on the as-of date
with villages as (
    select * from int_basic_villages_counted
),
townships as (
    select * from stg_bases
)
select
    v.township,
    v.village,
    v.registered,
    v.enrolled_local,
    v.enrolled_elsewhere,
    v.enrolled_local + v.enrolled_elsewhere as enrolled,
    (v.enrolled_local + v.enrolled_elsewhere) / nullif(v.registered, 0)::double as rate,
    v.registered - v.enrolled_local - v.enrolled_elsewhere as unenrolled,
    v.lapsed
from villages as v
join townships as t using (township)
order by t.position, v.position

-- one row per township and village on the as-of date, ranked within the township by exact rate
with villages as (
    select * from int_basic_villages_counted
),
townships as (
    select * from stg_bases
),
measured as (
    select
        v.township,
        v.village,
        t.position as township_position,
        v.position,
        v.registered,
        v.enrolled_local,
        v.enrolled_elsewhere,
        v.enrolled_local + v.enrolled_elsewhere as enrolled,
        (v.enrolled_local + v.enrolled_elsewhere) / nullif(v.registered, 0)::double as rate,
        v.registered - v.enrolled_local - v.enrolled_elsewhere as unenrolled,
        v.lapsed
    from villages as v
    join townships as t using (township)
)
select
    township,
    village,
    rank() over (partition by township order by rate desc nulls last) as rank_in_township,
    registered,
    enrolled_local,
    enrolled_elsewhere,
    enrolled,
    rate,
    unenrolled,
    unenrolled / nullif(registered, 0)::double as unenrolled_rate,
    lapsed,
    unenrolled + lapsed as target
from measured
order by township_position, position

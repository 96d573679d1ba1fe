-- one row per township and village: registered, enrolled here and elsewhere, lapsed
with counts as (
    select * from stg_basic_village_counts
),
persons as (
    select * from int_register_persons_deduplicated
),
from_counts as (
    select
        township,
        village,
        min(source_row) as position,
        sum(registered)::bigint as registered,
        sum(enrolled_local)::bigint as enrolled_local,
        sum(enrolled_elsewhere)::bigint as enrolled_elsewhere,
        sum(lapsed)::bigint as lapsed
    from counts
    group by township, village
),
from_persons as (
    select
        township,
        village,
        null as position,
        count(*) as registered,
        count(*) filter (where place = '本地') as enrolled_local,
        count(*) filter (where place = '异地') as enrolled_elsewhere,
        -- lapsed (断缴): paid last year, not (yet) this year
        count(*) filter (where place is null and paid_last_year) as lapsed
    from persons
    group by township, village
),
villages as (
    select * from from_counts
    union all
    select * from from_persons
)
select
    township,
    village,
    row_number() over (partition by township order by position nulls last, village) as position,
    registered,
    enrolled_local,
    enrolled_elsewhere,
    lapsed
from villages

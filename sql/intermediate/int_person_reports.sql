-- one row per person-row of the deliveries known on the as-of date, whatever their kind
-- (roster or register), with the township each person is counted in: what a conflict
-- between townships is made of
with roster_rows as (
    select id_number, name, township, bought_on as dated_on, file_name from stg_enrollments
),
register_rows as (
    select id_number, name, township, paid_on as dated_on, file_name from stg_basic_persons
),
roster_counted as (
    select id_number, township, reported_by_several_townships from int_persons_deduplicated
),
register_counted as (
    select id_number, township, reported_by_several_townships
    from int_register_persons_deduplicated
),
rows as (
    select * from roster_rows
    union all
    select * from register_rows
),
counted as (
    select * from roster_counted
    union all
    select * from register_counted
)
select
    r.id_number,
    r.name,
    r.township,
    r.dated_on,
    r.file_name,
    c.township as counted_in,
    c.reported_by_several_townships
from rows as r
join counted as c using (id_number)

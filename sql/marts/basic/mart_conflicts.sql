-- one row per person and listing township, for people in more than one township's register
with rows as (
    select * from stg_basic_persons
),
persons as (
    select * from int_register_persons_deduplicated where reported_by_several_townships
),
reports as (
    select
        r.id_number,
        r.name,
        r.township,
        min(r.paid_on) as bought_on,
        min(r.file_name) as file_name
    from rows as r
    semi join persons as p using (id_number)
    group by r.id_number, r.name, r.township
)
select
    reports.id_number,
    reports.name,
    reports.township,
    reports.bought_on,
    reports.file_name,
    persons.township as counted_in
from reports
join persons using (id_number)
order by reports.id_number, reports.township

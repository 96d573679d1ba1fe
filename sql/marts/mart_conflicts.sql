-- one row per person and reporting township, for people reported by more than one township
with rows as (
    select * from stg_enrollments
),
persons as (
    select * from int_persons_deduplicated where reported_by_several_townships
),
reports as (
    select
        r.id_number,
        r.name,
        r.township,
        min(r.bought_on) as bought_on,
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
order by reports.id_number, reports.bought_on, reports.township

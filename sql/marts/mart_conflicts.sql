-- one row per person and reporting township, for people reported by more than one township
-- (in rosters or in registers): counted once, in counted_in, and listed for every township
with reports as (
    select * from int_person_reports where reported_by_several_townships
),
by_township as (
    select
        id_number,
        name,
        township,
        min(dated_on) as bought_on,
        min(file_name) as file_name,
        any_value(counted_in) as counted_in
    from reports
    group by id_number, name, township
)
select id_number, name, township, bought_on, file_name, counted_in
from by_township
order by id_number, bought_on, township

-- one row per registered person: a person in two townships' registers (or twice in one) is
-- counted once, in the register that listed them first (earliest delivery, then file name
-- and row), as rosters count a person once
with rows as (
    select * from stg_basic_persons
),
ordered as (
    select
        *,
        row_number() over (
            partition by id_number order by delivered_on, file_name, source_row
        ) as listing_order,
        count(distinct township) over (partition by id_number) as township_count
    from rows
)
select
    id_number,
    name,
    township,
    village,
    scheme,
    place,
    paid_on,
    paid_last_year,
    township_count > 1 as reported_by_several_townships
from ordered
where listing_order = 1

-- one row per person: the first purchase counts, in the township that reported it
with rows as (
    select * from stg_enrollments
),
ordered as (
    select
        *,
        row_number() over (
            partition by id_number
            order by bought_on, delivered_on, file_name, source_row
        ) as purchase_order,
        count(distinct township) over (partition by id_number) as township_count
    from rows
)
select
    id_number,
    name,
    township,
    village,
    bought_on,
    channel,
    township_count > 1 as reported_by_several_townships
from ordered
where purchase_order = 1

-- one row per item of the campaign file's 考核 rubric ([[assessment.items]]), in its order
with items as (
    select * from run_assessment_items
)
select
    cast(item_key as varchar) as item_key,
    cast(item_label as varchar) as item_label,
    cast(part as varchar) as part,
    cast(points as double) as points,
    cast(source as varchar) as source,
    cast(applies_township as boolean) as applies_township,
    cast(applies_unit as boolean) as applies_unit,
    cast(rule as varchar) as rule,
    cast(above as double) as above,
    cast(per_point as double) as per_point,
    cast(threshold as double) as threshold,
    cast(item_position as integer) as item_position
from items

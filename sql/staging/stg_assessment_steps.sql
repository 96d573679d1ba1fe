-- one row per step of a completion item scored in steps: completion at least this, these points
with steps as (
    select * from run_assessment_steps
)
select
    cast(item_key as varchar) as item_key,
    cast(at_least as double) as at_least,
    cast(points as double) as points
from steps

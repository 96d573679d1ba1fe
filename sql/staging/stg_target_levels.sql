-- one row per target level of the campaign file (目标任务 20%, 力争任务 30%, ...), in order
with levels as (
    select * from run_target_levels
)
select
    level_key,
    level_label,
    cast(level_rate as decimal(9, 4)) as level_rate,
    cast(level_position as integer) as level_position
from levels

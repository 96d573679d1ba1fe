-- one row: the campaign file's [continuity] (Fujian's long-term mechanism) for the campaign
-- year, its central window and extension as dates
with rules as (
    select * from run_continuity
)
select
    cast(start_year as integer) as start_year,
    cast(history_from as integer) as history_from,
    cast(window_opens_on as date) as window_opens_on,
    cast(window_closes_on as date) as window_closes_on,
    cast(extension_closes_on as date) as extension_closes_on,
    cast(extension_keeps_variable as boolean) as extension_keeps_variable,
    cast(fixed_months as integer) as fixed_months,
    cast(variable_months as integer) as variable_months,
    break_counting,
    cast(repair_months as integer) as repair_months,
    cast(floor_after_years as integer) as floor_after_years,
    cast(floor_months as integer) as floor_months,
    repair_price,
    cast(reward_after_years as integer) as reward_after_years,
    cast(continuity_reward as decimal(12, 2)) as continuity_reward,
    cast(zero_claim_reward as decimal(12, 2)) as zero_claim_reward,
    cast(ceiling as decimal(12, 2)) as ceiling,
    cast(employee_years_bridge as boolean) as employee_years_bridge,
    cast(employee_years_count as boolean) as employee_years_count
from rules

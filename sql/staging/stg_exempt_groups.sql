-- one row per special group the campaign file exempts from the waiting period, in its order
with groups as (
    select * from run_exempt_groups
)
select
    exemption,
    cast(exemption_position as integer) as exemption_position
from groups

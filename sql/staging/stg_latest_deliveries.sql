-- one row per township: its newest loaded delivery by the as-of date
-- (village counts and registers are snapshots: the newest one replaces the older ones)
with deliveries as (
    select * from stg_deliveries
)
select township, file_sha256, delivered_on
from deliveries
qualify row_number() over (partition by township order by delivered_on desc, file_name desc) = 1

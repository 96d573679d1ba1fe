-- one row per village: the latest village-counts delivery of each township by the as-of date
with counts as (
    select * from basic_village_counts where campaign = $campaign
),
latest as (
    select * from stg_latest_deliveries
)
select
    c.township,
    c.village,
    c.source_row,
    c.registered,
    c.enrolled_local,
    c.enrolled_elsewhere,
    c.lapsed
from counts as c
semi join latest using (file_sha256)

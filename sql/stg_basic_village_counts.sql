-- one row per village: the latest village-counts delivery of each township by the as-of date
with counts as (
    select * from basic_village_counts where campaign = $campaign
),
deliveries as (
    select * from deliveries
    where campaign = $campaign and status = 'loaded' and delivered_on <= $as_of
),
latest as (
    -- a daily summary is a snapshot: the newest one of a township replaces the older ones
    select file_sha256
    from deliveries
    qualify row_number() over (
        partition by township order by delivered_on desc, file_name desc
    ) = 1
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

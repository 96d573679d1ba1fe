-- one row per township per earlier as-of date: what earlier runs found
with snapshots as (
    select * from snapshots where campaign = $campaign and as_of < $as_of
)
select * from snapshots

-- one row per circular issued before the as-of date
with circulars as (
    select * from circulars where campaign = $campaign and as_of < $as_of
)
select * from circulars

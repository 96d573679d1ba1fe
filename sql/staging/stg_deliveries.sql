-- one row per file loaded for the campaign and delivered by the as-of date (not replaced)
with deliveries as (
    select * from deliveries
    where campaign = $campaign and status = 'loaded' and delivered_on <= $as_of
)
select * from deliveries

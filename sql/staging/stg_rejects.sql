-- one row per rejected row and reason of the campaign's deliveries (any date)
with rejects as (
    select * from rejects where campaign = $campaign
)
select * from rejects

-- one row per valid roster row known on the as-of date (bought and delivered by then)
with enrollments as (
    select * from enrollments where campaign = $campaign
),
deliveries as (
    select * from stg_deliveries
),
known_by_as_of as (
    select
        e.id_number,
        e.name,
        e.township,
        e.village,
        e.bought_on,
        e.channel,
        d.delivered_on,
        d.file_name,
        e.source_row
    from enrollments as e
    join deliveries as d using (file_sha256)
    where e.bought_on <= $as_of
)
select * from known_by_as_of

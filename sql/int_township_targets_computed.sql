-- one row per township: floor and stretch targets from the base, rounded as configured
with bases as (
    select * from stg_bases
),
targets as (
    select
        township,
        position,
        base,
        round_target(base * cast($floor_rate as decimal(9, 4)), $rounding) as target_floor,
        round_target(base * cast($stretch_rate as decimal(9, 4)), $rounding) as target_stretch
    from bases
)
select * from targets

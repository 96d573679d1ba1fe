-- one row per township in base-table order, then the 合计 row: the 任务表
with targets as (
    select * from int_township_targets_computed
),
sums as (
    select
        sum(base)::bigint as base,
        sum(target_floor)::bigint as target_floor,
        sum(target_stretch)::bigint as target_stretch
    from targets
),
total as (
    -- sum_of_townships: the total is the sum of the township targets (Qingliu's table);
    -- from_total_base: the total is the rate applied to the total base
    select
        '合计' as township,
        base,
        case when $total_rule = 'sum_of_townships' then target_floor
            else round_target(base * cast($floor_rate as decimal(9, 4)), $rounding)
        end as target_floor,
        case when $total_rule = 'sum_of_townships' then target_stretch
            else round_target(base * cast($stretch_rate as decimal(9, 4)), $rounding)
        end as target_stretch
    from sums
),
with_total as (
    select township, position, base, target_floor, target_stretch from targets
    union all
    select township, null as position, base, target_floor, target_stretch from total
)
select township, base, target_floor, target_stretch
from with_total
order by position nulls last

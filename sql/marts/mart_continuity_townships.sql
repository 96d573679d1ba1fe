-- one row per township (the base table's order): of its registered people not yet insured
-- this year, those who would face a waiting period (待遇等待期) if they paid now, or in the
-- extension (延长缴费期), and those whose continuity reward (连续参保激励) is at risk
with people as (
    select * from int_person_continuity
),
townships as (
    select * from stg_bases
)
select
    t.township,
    t.position,
    count(p.id_number) filter (where p.payment in ('missing', 'exempt')) as not_insured,
    count(p.id_number) filter (where p.waiting_if_paid_now > 0) as waiting_if_paid_now,
    count(p.id_number) filter (where p.waiting_in_extension > 0) as waiting_in_extension,
    count(p.id_number) filter (where p.reward_at_risk) as rewards_at_risk,
    coalesce(sum(p.reward_at_risk_yuan) filter (where p.reward_at_risk), 0)
        as rewards_at_risk_yuan
from townships as t
left join people as p using (township)
group by t.township, t.position
order by t.position

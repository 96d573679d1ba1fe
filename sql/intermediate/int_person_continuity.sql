-- one row per registered person (int_register_persons_deduplicated): where they stand in
-- Fujian's long-term mechanism (闽政办〔2025〕3号 一(一), 二(一)-(四)) as of $as_of, for cover
-- in $campaign_year: their consecutive years and the rewards those and their years without a
-- claim earned, how they paid this year, and the waiting period they face if they pay now,
-- by the end of the central window, in the extension or only next year, and what paying
-- back 1, 2 or 3 missed years would remove from it and cost
with persons as (
    select * from int_register_persons_deduplicated
),
history as (
    select * from stg_person_years
),
exemptions as (
    select * from stg_person_exemptions
),
exempt_groups as (
    select * from stg_exempt_groups
),
contributions as (
    select * from stg_contributions
),
rules as (
    select * from stg_continuity_rules
),
-- one row per person and year insured before the campaign year, from the first year counted;
-- resident: in 居民医保 that year (a year may hold both schemes); claimed: a claim on the
-- resident fund, read as one that used the rewards (null: not known, neither earns nor clears)
insured_years as (
    select
        h.id_number,
        h.year,
        coalesce(bool_or(h.scheme = '居民'), false) as resident,
        bool_or(h.claimed) filter (where h.scheme = '居民') as claimed
    from history as h
    cross join rules as r
    where h.year < $campaign_year and h.year >= r.history_from
    group by h.id_number, h.year
),
-- the years that carry a streak: resident years, and 职工医保 years where they bridge
-- (“可认定为连续参保”); a streak is a run of such years without a gap
streak_years as (
    select
        y.*,
        y.resident or r.employee_years_count as counted,
        y.year - row_number() over (partition by y.id_number order by y.year) as streak
    from insured_years as y
    cross join rules as r
    where y.resident or r.employee_years_bridge
),
positioned as (
    select
        s.*,
        -- the year's place in its streak (“连续参保年数”): 职工医保 years only bridge it
        cast(sum(s.counted::integer) over (
            partition by s.id_number, s.streak order by s.year
        ) as integer) as position,
        max(s.year) over (partition by s.id_number, s.streak) as streak_last_year,
        bool_or(not s.resident) over (partition by s.id_number, s.streak) as streak_bridged
    from streak_years as s
),
streaks as (
    select
        p.id_number,
        coalesce(max(p.position) filter (where p.streak_last_year = $campaign_year - 1), 0)
            as consecutive_years,
        coalesce(
            bool_or(p.streak_bridged) filter (where p.streak_last_year = $campaign_year - 1), false
        ) as bridged_by_employee,
        -- every resident year past the first reward_after_years of a streak, from start_year,
        -- raised the cap; a break restarts the count, what was earned is kept
        count(*) filter (
            where p.resident and p.year >= r.start_year and p.position > r.reward_after_years
        ) as continuity_years
    from positioned as p
    cross join rules as r
    group by p.id_number
),
-- each resident year without a claim raised next year's cap; a claim clears what was earned
claims as (
    select
        y.*,
        max(case when y.resident and y.claimed then y.year end)
            over (partition by y.id_number) as last_claim_year
    from insured_years as y
),
zero_claims as (
    select
        c.id_number,
        count(*) filter (
            where c.resident and c.claimed = false and c.year >= r.start_year
            and c.year > coalesce(c.last_claim_year, 0)
        ) as zero_claim_years,
        max(c.year) as last_insured_year
    from claims as c
    cross join rules as r
    group by c.id_number
),
exempt as (
    select e.id_number, arg_min(e.exemption, g.exemption_position) as exemption
    from exemptions as e
    join exempt_groups as g using (exemption)
    group by e.id_number
),
standing as (
    select
        p.id_number,
        p.name,
        p.township,
        p.village,
        p.place,
        p.paid_on,
        x.exemption,
        coalesce(s.consecutive_years, 0) as consecutive_years,
        coalesce(s.bridged_by_employee, false) as bridged_by_employee,
        coalesce(s.continuity_years, 0) * r.continuity_reward as continuity_earned,
        coalesce(z.zero_claim_years, 0) * r.zero_claim_reward as zero_claim_earned,
        -- consecutive years without cover before the campaign year (断保年数)
        cast(greatest(
            $campaign_year - 1 - coalesce(z.last_insured_year, r.history_from - 1), 0
        ) as integer) as break_years,
        case
            when p.place is not null and p.scheme = '职工医保' then 'employee'
            when p.place is not null and p.paid_on <= r.window_closes_on then 'window'
            when p.place is not null and p.paid_on <= r.extension_closes_on then 'extension'
            when p.place is not null then 'late'
            when x.exemption is not null then 'exempt'
            else 'missing'
        end as payment,
        -- when someone who pays today pays
        case
            when $as_of <= r.window_closes_on then 'window'
            when $as_of <= r.extension_closes_on then 'extension'
            else 'late'
        end as period_now,
        r as rules  -- the rules as one value, for waiting_months()
    from persons as p
    cross join rules as r
    left join streaks as s using (id_number)
    left join zero_claims as z using (id_number)
    left join exempt as x using (id_number)
),
rewarded as (
    select
        s.*,
        least(s.continuity_earned + s.zero_claim_earned, s.rules.ceiling) as rewards_earned
    from standing as s
),
waiting as (
    select
        w.*,
        w.payment in ('missing', 'exempt') as unpaid,
        -- what paying in the central window adds this year: one more consecutive year past
        -- the first reward_after_years, within what the ceiling leaves
        case
            when w.consecutive_years + 1 > w.rules.reward_after_years
                then greatest(
                    least(w.rules.continuity_reward, w.rules.ceiling - w.rewards_earned), 0
                )
            else 0
        end as reward_due,
        case
            when w.payment in ('employee', 'exempt') or w.exemption is not null then 0
            when w.payment in ('window', 'extension', 'late')
                then waiting_months(w.break_years, w.payment, 0, w.rules)
        end as waiting_months,
        case
            when w.exemption is not null then 0
            else waiting_months(w.break_years, w.period_now, 0, w.rules)
        end as waiting_now,
        w.payment = 'missing' as repairable,
        waiting_months(w.break_years, w.period_now, 1, w.rules) as waiting_repaid_1,
        waiting_months(w.break_years, w.period_now, 2, w.rules) as waiting_repaid_2,
        waiting_months(w.break_years, w.period_now, 3, w.rules) as waiting_repaid_3
    from rewarded as w
),
-- a year paid back costs this campaign year's 个人缴费标准 (repair_year: “按修复当年参保地个人
-- 缴费标准执行”), or the standard of the year it pays for, the latest missed years first
repair_prices as (
    select
        k.repaid,
        case
            when r.repair_price = 'repair_year' then k.repaid * (
                select c.amount from contributions as c where c.year = $campaign_year
            )
            else (
                select case when count(*) = k.repaid then sum(c.amount) end
                from contributions as c
                where c.year between $campaign_year - k.repaid and $campaign_year - 1
            )
        end as cost
    from (values (1), (2), (3)) as k (repaid)
    cross join rules as r
),
repair_costs as (
    select
        max(cost) filter (where repaid = 1) as repair_1_cost,
        max(cost) filter (where repaid = 2) as repair_2_cost,
        max(cost) filter (where repaid = 3) as repair_3_cost
    from repair_prices
)
select
    w.id_number,
    w.name,
    w.township,
    w.village,
    w.exemption,
    w.payment,
    w.paid_on,
    w.consecutive_years,
    w.bridged_by_employee,
    w.continuity_earned,
    w.zero_claim_earned,
    w.rewards_earned,
    w.rules.ceiling as rewards_ceiling,
    -- this year's continuity reward: earned by paying in the central window; at risk while
    -- the window is open and they have not paid (the extension gives none)
    case when w.payment = 'window' then w.reward_due else 0 end as reward_this_year,
    w.unpaid and w.period_now = 'window' and w.reward_due > 0 as reward_at_risk,
    case when w.unpaid and w.period_now = 'window' then w.reward_due else 0 end
        as reward_at_risk_yuan,
    w.break_years,
    w.waiting_months,
    case
        when w.payment = 'window'
            then make_date($campaign_year, 1, 1) + to_months(w.waiting_months)
        when w.payment in ('extension', 'late') then w.paid_on + to_months(w.waiting_months)
    end::date as benefits_from,
    w.period_now,
    case when w.unpaid then w.waiting_now end as waiting_if_paid_now,
    case when w.unpaid and w.period_now = 'window' then w.waiting_now end as waiting_in_window,
    case
        when w.unpaid and w.period_now in ('window', 'extension')
            and w.rules.extension_closes_on is not null
            then case
                when w.exemption is not null then 0
                else waiting_months(w.break_years, 'extension', 0, w.rules)
            end
    end as waiting_in_extension,
    -- not paying this year: one more year of break, paid in next year's central window
    -- (this year's special groups are not assumed to be exempt next year)
    case
        when w.unpaid then waiting_months(w.break_years + 1, 'window', 0, w.rules)
    end as waiting_next_year,
    -- paying back 1, 2 or 3 of the missed years when paying now: the months it removes
    -- (none for special groups: they have no waiting period) and what it costs
    case when w.repairable and w.break_years >= 1 then w.waiting_now - w.waiting_repaid_1 end
        as repair_1_months,
    case when w.repairable and w.break_years >= 1 then k.repair_1_cost end as repair_1_cost,
    case when w.repairable and w.break_years >= 2 then w.waiting_now - w.waiting_repaid_2 end
        as repair_2_months,
    case when w.repairable and w.break_years >= 2 then k.repair_2_cost end as repair_2_cost,
    case when w.repairable and w.break_years >= 3 then w.waiting_now - w.waiting_repaid_3 end
        as repair_3_months,
    case when w.repairable and w.break_years >= 3 then k.repair_3_cost end as repair_3_cost,
    w.rules.window_closes_on,
    w.rules.extension_closes_on
from waiting as w
cross join repair_costs as k

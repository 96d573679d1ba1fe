-- The waiting period (待遇等待期, months) of a resident who pays in `period` ('window': the
-- central window, 'extension', or 'late': after both) after `break_years` consecutive years
-- without cover, `repaid` of them paid back; `rules` is the row of stg_continuity_rules.
-- 闽政办〔2025〕3号 二(三)(四): a fixed period for those who pay outside the central window
-- or after a break, none in the extension; a variable month per year of break, the first
-- one not counted when break_counting = 'beyond_first'; a month less per year paid back,
-- the variable part never below 0; after floor_after_years of break, never below floor_months.
-- Exempt groups (新生儿 ...) have no waiting period: the caller leaves them out.
create or replace temp macro waiting_months(break_years, period, repaid, rules) as
    greatest(
        case
            when period = 'late' or (period = 'window' and break_years > 0)
                then rules.fixed_months
            else 0
        end
        + case
            when period = 'extension' and not rules.extension_keeps_variable then 0
            else greatest(
                greatest(
                    break_years - case rules.break_counting when 'beyond_first' then 1 else 0 end,
                    0
                ) * rules.variable_months
                - repaid * rules.repair_months,
                0
            )
        end,
        case when break_years >= rules.floor_after_years then rules.floor_months else 0 end
    );

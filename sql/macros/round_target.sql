-- Shared rules, defined once per connection.

-- A target from base × rate, rounded by the campaign's rule: ceil | half_up | floor.
-- The product is DECIMAL, so 5000 × 0.20 is exactly 1000 and never rounds up to 1001.
create or replace temp macro round_target(amount, rule) as
    cast(
        case rule
            when 'ceil' then ceil(amount)
            when 'floor' then floor(amount)
            when 'half_up' then round(amount)
        end as bigint
    );

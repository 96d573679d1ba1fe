-- A fraction as a short text with one decimal, half up as officials round by hand:
-- 0.935 -> '93.5%', 1 -> '100.0%' (through DECIMAL: 0.9345 shows 93.5%, never 93.4%).
create or replace temp macro percent_text(fraction) as
    cast(round(cast(fraction * 100 as decimal(18, 6)), 1) as decimal(18, 1))::varchar || '%';

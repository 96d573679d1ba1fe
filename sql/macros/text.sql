-- Township text as the checks see it: every whitespace character Python's \s knows removed,
-- full-width digits made ASCII, dates in the forms townships write them. The guards in front
-- (already clean? leave it) keep a million clean rows off the slower regular expressions.
create or replace temp macro without_spaces(text) as
    case
        when regexp_matches(text, '[\s\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]')
        then regexp_replace(text, '[\s\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]', '', 'g')
        else text
    end;

-- An identity number as typed: full-width to ASCII, spaces and dashes removed, x upper-cased;
-- nothing left is null (GB 11643-1999 numbers, schemas/identity.py).
create or replace temp macro id_normalized(text) as nullif(
    case
        when regexp_full_match(text, '[0-9X]{18}') then text
        else upper(without_spaces(replace(
            translate(text, '０１２３４５６７８９Ｘｘ', '0123456789XX'), '-', '')))
    end, '');

-- The MOD 11-2 check character of a number's first 17 digits, given as one integer
-- (arithmetic on it is three times faster than taking the string apart; pass a column, not an
-- expression: a macro repeats its argument at each use).
create or replace temp macro id_weighted_sum(n) as
        (n // 10000000000000000) % 10 * 7
        + (n // 1000000000000000) % 10 * 9
        + (n // 100000000000000) % 10 * 10
        + (n // 10000000000000) % 10 * 5
        + (n // 1000000000000) % 10 * 8
        + (n // 100000000000) % 10 * 4
        + (n // 10000000000) % 10 * 2
        + (n // 1000000000) % 10 * 1
        + (n // 100000000) % 10 * 6
        + (n // 10000000) % 10 * 3
        + (n // 1000000) % 10 * 7
        + (n // 100000) % 10 * 9
        + (n // 10000) % 10 * 10
        + (n // 1000) % 10 * 5
        + (n // 100) % 10 * 8
        + (n // 10) % 10 * 4
        + (n // 1) % 10 * 2;
create or replace temp macro id_check_char(first17) as
    substr('10X98765432', 1 + (id_weighted_sum(first17) % 11)::int, 1);


-- An old 15-digit number as 18 characters: century 19 inserted, check character added.
create or replace temp macro id_upgraded(id) as
    case
        when regexp_full_match(id, '[0-9]{15}')
        then substr(id, 1, 6) || '19' || substr(id, 7, 9)
            || id_check_char(cast(substr(id, 1, 6) || '19' || substr(id, 7, 9) as bigint))
        else id
    end;

-- 2024-10-16, 2024/10/16, 2024.10.16, 2024年10月16日, 20241016, an Excel serial (45581),
-- with or without a time after it; anything else is null.
create or replace temp macro date_text(text) as
    regexp_replace(replace(regexp_replace(text, '[年月./]', '-', 'g'), '日', ''), '[ T].*$', '');
create or replace temp macro parsed_date(text) as
    case
        when regexp_full_match(text, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
            then try_cast(text as date)  -- as try_strptime(text, '%Y-%m-%d'), in half the time
        when regexp_full_match(date_text(text), '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}')
            then try_strptime(date_text(text), '%Y-%m-%d')::date
        when regexp_full_match(date_text(text), '[0-9]{8}')
            then try_strptime(date_text(text), '%Y%m%d')::date
        when regexp_full_match(date_text(text), '[0-9]{5}')
            then date '1899-12-30' + cast(date_text(text) as integer)
    end;

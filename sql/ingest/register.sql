-- A person register's rows typed for checking (schemas/basic.py holds the checks): each typed
-- column beside the text it came from; pos is the row's place in the file's data rows.
create or replace temp table incoming as
select
    t.pos,
    t.sheet,
    t.source_row,
    t.id as id_number,
    -- an 18-character number's facts, null where it is not shaped like one
    id_check_char(t.first17) as id_check_char,
    case when t.first17 is not null
        then try_strptime(substr(t.id, 7, 8), '%Y%m%d')::date end as id_birth,
    coalesce(regexp_full_match(t.normalized, '[0-9]{15}'), false) as id_upgraded,
    nullif(without_spaces(t.name), '') as name,
    a.township,
    without_spaces(t.township) as township_raw,
    nullif(t.village, '') as village,
    nullif(t.scheme, '') as scheme,
    nullif(t.place, '') as place,
    parsed_date(t.paid_on) as paid_on,
    t.paid_on as paid_on_raw,
    y.paid as paid_last_year,
    t.paid_last_year as paid_last_year_raw
from (
    select *,
        case when regexp_full_match(id, '[0-9]{17}[0-9X]')
            then cast(substr(id, 1, 17) as bigint) end as first17
    from (
        select *, id_upgraded(normalized) as id
        from (select *, id_normalized(id_number) as normalized from incoming_text)
    )
) t
left join incoming_aliases a on a.alias = without_spaces(t.township)
left join incoming_answers y on y.answer = t.paid_last_year  -- 是/否 and their other forms
;

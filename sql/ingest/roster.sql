-- A 惠民保 roster's rows typed for checking (schemas/roster.py holds the checks): each typed
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
    t.village,
    parsed_date(t.bought_on) as bought_on,
    t.bought_on as bought_on_raw,
    t.channel
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
;

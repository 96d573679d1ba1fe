-- What every person-level file shares, typed beside the text it came from: the identity
-- number (normalised, 15 digits upgraded, its check character and birth date where it has the
-- shape of one), the name, the township. roster.sql and register.sql add their own columns;
-- pos is the row's place among the file's data rows.
-- A number written as it should be (17 digits, then a digit or X: nearly every row) is its
-- own normalised form and needs no upgrade: one regular expression for it instead of four.
create or replace temp view incoming_persons as
select
    t.* exclude (id_number, name, township, shaped, normalized, id, first17),
    t.id as id_number,
    id_check_char(t.first17) as id_check_char,
    case when t.first17 is not null
        then try_strptime(substr(t.id, 7, 8), '%Y%m%d')::date end as id_birth,
    case when t.shaped then false
        else coalesce(regexp_full_match(t.normalized, '[0-9]{15}'), false) end as id_upgraded,
    nullif(without_spaces(t.name), '') as name,
    a.township
from (
    select *,
        case
            when shaped then cast(substr(id, 1, 17) as bigint)
            when regexp_full_match(id, '[0-9]{17}[0-9X]') then cast(substr(id, 1, 17) as bigint)
        end as first17
    from (
        select *, case when shaped then id_number else id_upgraded(normalized) end as id
        from (
            select *,
                case when shaped then id_number else id_normalized(id_number) end as normalized,
                without_spaces(township) as township_raw
            from (
                select *, regexp_full_match(id_number, '[0-9]{17}[0-9X]') as shaped
                from incoming_text
            )
        )
    )
) t
left join incoming_aliases a on a.alias = t.township_raw;

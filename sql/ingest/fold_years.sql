-- A register delivered one row per person and year (a 年度 column): folded into one row per
-- person, their row of the campaign year, with the earlier years beside it as history_<year>
-- text (the year's 险种, or 未参保 where it names none; two different ones in a year are kept
-- both, for history.sql to reject) and `fold_rows`, the file rows it stands for. Rows that
-- cannot be folded stay rows of their own with `fold_reason`: a year after the campaign's,
-- or earlier years of a person with no row of the campaign year.
create or replace temp table fold_rows as
select
    *,
    id_normalized(id_number) as fold_key,
    try_cast(regexp_extract(record_year, '(19|20)[0-9]{2}') as integer) as fold_year
from fold_text;

create or replace temp table fold_current as
select *, row_number() over (partition by fold_key order by fold_pos) as nth
from fold_rows
where fold_year is null or fold_year = $year;

create or replace temp table fold_history as
select
    h.fold_key,
    h.fold_year,
    string_agg(distinct coalesce(nullif(trim(h.scheme), ''), '未参保'), '、'
        order by coalesce(nullif(trim(h.scheme), ''), '未参保')) as history,
    count(*) as rows_folded
from fold_rows as h
where h.fold_year < $year and h.fold_key in (select fold_key from fold_current)
group by h.fold_key, h.fold_year;

create or replace temp table fold_problems as
select
    r.*,
    case
        when r.fold_year > $year then
            r.fold_year || '年度晚于本活动年度（' || $year || '年），请核对年度'
        else '只有往年参保记录，缺少本年度（' || $year || '年）的记录，无法确定本年参保情况'
    end as fold_reason
from fold_rows as r
where r.fold_year > $year
    or (r.fold_year < $year and r.fold_key not in (select fold_key from fold_current));

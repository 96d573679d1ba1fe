-- A register's earlier years, one row per person and year written (schemas/persons.py): the
-- scheme as named (居民 | 职工; 未参保 is a year without insurance) and whether they claimed
-- on the fund that year (是 / 否, when the register says), or why not: a spelling not known,
-- both schemes in one year (a contradiction to check, not to guess), or a year that is not
-- before the campaign's own.
insert into incoming_history
select
    t.pos,
    t.year,
    a.value as scheme,
    c.paid as claimed,
    t.raw,
    case
        when t.year >= $year then
            t.year || '年不早于本活动年度（' || $year || '年），不应列在历年参保情况中；请核对表头年份'
        when t.raw like '%居民%' and t.raw like '%职工%' then
            '同一年度既有职工医保又有居民医保参保记录，请核实该年度实际参保险种'
        when a.spelling is null then
            t.year || '年参保情况无法识别（应为 居民、职工 或 未参保）'
        when t.claims_raw is not null and c.answer is null then
            t.year || '年是否报销无法识别（应为 是 或 否）：' || t.claims_raw
    end as reason
from (
    select pos, year, nullif(trim(raw), '') as raw, nullif(trim(claims_raw), '') as claims_raw
    from incoming_history_text
) as t
left join incoming_history_answers as a on a.spelling = t.raw
left join incoming_answers as c on c.answer = t.claims_raw  -- 是 / 否 and their other forms
where t.raw is not null

-- A person register's rows typed for checking (schemas/basic.py holds the checks).
create or replace temp table incoming as
select
    p.pos, p.sheet, p.source_row,
    p.id_number, p.id_check_char, p.id_birth, p.id_upgraded, p.name, p.township, p.township_raw,
    nullif(p.village, '') as village,
    nullif(p.scheme, '') as scheme,
    nullif(p.place, '') as place,
    parsed_date(p.paid_on) as paid_on,
    p.paid_on as paid_on_raw,
    y.paid as paid_last_year,
    p.paid_last_year as paid_last_year_raw,
    nullif(e.value, '') as exemption,                  -- 新生儿 | 医疗救助对象 | 退役军人
    case when e.value = '' then null else nullif(p.exemption, '') end as exemption_raw
from incoming_persons p
left join incoming_answers y on y.answer = p.paid_last_year  -- 是/否 and their other forms
left join incoming_exemptions e on e.spelling = nullif(p.exemption, '');

-- A 惠民保 roster's rows typed for checking (schemas/roster.py holds the checks).
create or replace temp table incoming as
select
    pos, sheet, source_row,
    id_number, id_check_char, id_birth, id_upgraded, name, township, township_raw,
    village,
    parsed_date(bought_on) as bought_on,
    bought_on as bought_on_raw,
    channel
from incoming_persons;

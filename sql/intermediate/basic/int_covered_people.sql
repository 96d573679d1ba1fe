-- one row per person covered on the as-of date (全民参保: enrolled here or elsewhere, from
-- the registers); registers carry no funding channel
with people as (
    select * from int_register_persons_deduplicated
)
select
    id_number,
    township,
    cast(null as varchar) as channel_raw,
    '未注明' as channel
from people
where place is not null

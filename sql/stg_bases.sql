-- one row per township: the campaign's base (e.g. 2025年基本医保参保人数)
with bases as (
    select * from bases where campaign = $campaign
)
select
    township,
    position,
    cast(base as bigint) as base
from bases

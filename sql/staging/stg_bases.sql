-- one row per township (or other unit) of the campaign: its base (e.g. 2024年基本医保参保人数),
-- what kind of unit it is and the ranking group it is ranked in
with bases as (
    select * from bases where campaign = $campaign
)
select
    township,
    position,
    cast(base as bigint) as base,
    coalesce(unit_type, '乡镇') as unit_type,
    coalesce(rank_group, '乡镇') as rank_group
from bases

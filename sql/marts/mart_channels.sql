-- people covered per township and funding channel, every channel of the campaign file (then
-- 未注明 and 其他 where anyone is there), in the base table's order
with people as (
    select * from int_covered_people
),
townships as (
    select * from stg_bases
),
named as (
    select channel, min(channel_position) as channel_position
    from run_channel_aliases
    group by channel
),
counted as (
    select township, channel, count(*) as people from people group by township, channel
),
channels as (
    select channel, channel_position from named
    union all
    select channel, case channel when '未注明' then 1000 else 1001 end
    from (select distinct channel from counted) as seen
    where channel not in (select channel from named)
)
select
    t.township,
    t.position,
    ch.channel,
    ch.channel_position,
    coalesce(c.people, 0) as people
from townships as t
cross join channels as ch
left join counted as c on c.township = t.township and c.channel = ch.channel
order by t.position, ch.channel_position

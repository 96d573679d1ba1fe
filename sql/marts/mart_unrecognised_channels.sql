-- channel spellings the campaign file does not know, with how many people: a name to add
-- to [channels.aliases]
with people as (
    select * from int_covered_people where channel = '其他'
)
select channel_raw, count(*) as people
from people
group by channel_raw
order by people desc, channel_raw

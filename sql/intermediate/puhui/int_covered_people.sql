-- one row per person covered on the as-of date (惠民保: bought it), with the funding channel
-- as written and as named in the campaign file (未注明 when blank, 其他 when not recognised)
with people as (
    select * from int_persons_deduplicated
),
spellings as (
    select * from run_channel_aliases
)
select
    p.id_number,
    p.township,
    nullif(trim(p.channel), '') as channel_raw,
    coalesce(
        s.channel,
        case when nullif(trim(p.channel), '') is null then '未注明' else '其他' end
    ) as channel
from people as p
left join spellings as s on s.spelling = trim(p.channel)

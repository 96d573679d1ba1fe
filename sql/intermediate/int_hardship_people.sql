-- one row per person of the hardship list in force: covered or not, through which channel
-- (where the delivery names one: registers do not), and whether the category is one the
-- government pays for in full
with listed as (
    select * from stg_hardship_people
),
covered as (
    select * from int_covered_people
),
categories as (
    select * from run_hardship_categories
)
select
    h.township,
    b.position,
    h.village,
    h.name,
    h.id_number,
    h.category,
    k.category_position,
    k.fully_funded,
    c.id_number is not null as covered,
    c.channel,
    c.id_number is not null and c.channel = $funded_channel as funded,
    -- covered another way: only said where the channel is known
    c.id_number is not null and c.channel not in ($funded_channel, '未注明') as paid_otherwise,
    h.file_name,
    h.source_row
from listed as h
join categories as k using (category)
left join stg_bases as b on b.township = h.township
left join covered as c using (id_number)

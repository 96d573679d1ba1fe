-- one row per registered person and special group they belong to this campaign year (新生儿,
-- 医疗救助对象, 当年退出现役的军人 ...), as the latest register of each township says
with exemptions as (
    select * from person_exemptions where campaign = $campaign
),
latest as (
    select * from stg_latest_deliveries
)
select
    id_number,
    trim(exemption) as exemption
from exemptions
semi join latest using (file_sha256)

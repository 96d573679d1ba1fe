-- one row per registered person and year before the campaign year in which they were insured
-- (居民医保 or 职工医保), as the latest register of each township by the as-of date says;
-- claimed: whether they claimed on the fund that year (null: not known)
with years as (
    select * from person_years where campaign = $campaign
),
latest as (
    select * from stg_latest_deliveries
)
select
    id_number,
    cast(year as integer) as year,
    -- 居民 | 职工 (the register's own spellings, 居民医保 and 职工医保, read alike)
    case
        when scheme in ('居民', '居民医保') then '居民'
        when scheme in ('职工', '职工医保') then '职工'
    end as scheme,
    claimed
from years
semi join latest using (file_sha256)

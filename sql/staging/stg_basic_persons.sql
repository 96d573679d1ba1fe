-- one row per person-row of the latest register of each township by the as-of date
with persons as (
    select * from basic_persons where campaign = $campaign
),
latest as (
    select * from stg_latest_deliveries
),
deliveries as (
    select * from stg_deliveries
)
select
    p.id_number,
    p.name,
    p.township,
    coalesce(p.village, '（未填村居）') as village,
    p.scheme,
    -- enrolled this year: paid by the as-of date, locally or elsewhere
    case when p.paid_on <= $as_of then p.place end as place,
    case when p.paid_on <= $as_of then p.paid_on end as paid_on,
    p.paid_last_year,
    d.delivered_on,
    d.file_name,
    p.source_row
from persons as p
semi join latest using (file_sha256)
join deliveries as d using (file_sha256)

-- one row per year of the campaign file's 居民医保个人缴费标准 (yuan per person): the price of
-- a year paid back to repair a waiting period
with contributions as (
    select * from run_contributions
)
select
    cast(year as integer) as year,
    cast(amount as decimal(12, 2)) as amount
from contributions

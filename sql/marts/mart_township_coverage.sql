-- one row per township on the as-of date: the kind's coverage, the rate, the rank by exact
-- rate within the township's ranking group (乡镇 together; a unit type may rank on its own)
with coverage as (
    select * from int_township_coverage
),
measured as (
    select *, enrolled / nullif(denominator, 0)::double as rate from coverage
),
ranked as (
    select
        -- a township that sent nothing has no rank; ties share one on the exact rate
        case when status <> '未报送' then
            rank() over (partition by rank_group, status = '未报送' order by rate desc nulls last)
        end as rank,
        *
    from measured
)
select *
from ranked
order by rank_group <> '乡镇', rank_group, rank nulls last, position

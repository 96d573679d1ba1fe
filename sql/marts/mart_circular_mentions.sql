-- one row per township a circular (通报) names, and why: the rules of who is named, in the
-- ranking order. mention is one of
--   top              the first $top_count in the ranking
--   reached_first    ranked and the first target level reached
--   below_first      the first target level not reached (townships that sent nothing too)
--   behind_time      completion of the first level below time progress (落后时序)
--   ahead_time       not yet at the first level, but ahead of time progress (超时序)
--   rank_up          rank rose since the previous run
--   rank_down        rank fell since the previous run
--   below_county     ranked with a rate below the county's
--   lowest           the last in the ranking
--   most_unenrolled  the $top_unenrolled with most people not yet enrolled
--   not_reported     sent nothing (未报送)
--   file_error       sent a file that could not be read (文件错误)
with progress as (
    select * from mart_township_progress
),
county as (
    select * from mart_county_total
),
ordered as (
    select
        *,
        row_number() over (
            order by rank_group <> '乡镇', rank_group, rank nulls last, position
        ) as shown_order,
        rank is not null as ranked,
        denominator - enrolled as not_enrolled,
        first_target - enrolled as first_gap
    from progress
),
ranked_order as (
    select
        *,
        row_number() over (order by shown_order) as ranked_order,
        row_number() over (order by not_enrolled desc, shown_order) as by_not_enrolled,
        count(*) over () as ranked_count
    from ordered
    where ranked
),
mentions as (
    select 'top' as mention, township, shown_order from ranked_order
    where ranked_order <= $top_count
    union all
    select 'reached_first', township, shown_order from ordered
    where ranked and first_gap <= 0
    union all
    select 'below_first', township, shown_order from ordered
    where first_gap > 0
    union all
    select 'behind_time', township, shown_order from ordered
    where progress_class = '落后时序'
    union all
    select 'ahead_time', township, shown_order from ordered
    where ranked and progress_class = '超时序' and first_gap > 0
    union all
    select 'rank_up', township, shown_order from ordered
    where ranked and rank_change like '↑%'
    union all
    select 'rank_down', township, shown_order from ordered
    where ranked and rank_change like '↓%'
    union all
    select 'below_county', township, shown_order from ordered
    where ranked and rate < (select rate from county)
    union all
    select 'lowest', township, shown_order from ranked_order
    where ranked_order = ranked_count
    union all
    select 'most_unenrolled', township, by_not_enrolled from ranked_order
    where by_not_enrolled <= $top_unenrolled
    union all
    select 'not_reported', township, shown_order from ordered
    where status = '未报送'
    union all
    select 'file_error', township, shown_order from ordered
    where status = '文件错误'
)
select mention, township, row_number() over (partition by mention order by shown_order) as position
from mentions
order by mention, position

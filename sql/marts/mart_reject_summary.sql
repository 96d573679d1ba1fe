-- one row per township, column and kind of reason: how many cells of the deliveries known
-- on the as-of date were set aside for it (数据质量.pdf prints these counts, then the
-- first rows of each township; 数据质量.xlsx holds every row)
with rejects as (
    select * from mart_rejects
),
kinds as (
    select
        township,
        column_name,
        -- the reason without what it quotes of its own row (the value, the township it
        -- suggests, the row first seen), so that one kind of fault is counted once
        regexp_replace(
            regexp_replace(
                replace(reason, '“' || coalesce(value, '') || '”', ''),
                '，是否为“[^”]*”？',
                ''
            ),
            '（首次出现在第[0-9]+行）',
            ''
        ) as reason
    from rejects
),
counted as (
    select
        township,
        column_name,
        reason,
        count(*) as rejects
    from kinds
    group by township, column_name, reason
)
select
    township,
    column_name,
    reason,
    rejects,
    sum(rejects) over (partition by township)::bigint as township_rejects
from counted
order by township, rejects desc, column_name, reason

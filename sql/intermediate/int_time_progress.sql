-- one row: time progress (时序进度) on the as-of date
select time_progress($as_of, $window_start, $deadline) as time_progress

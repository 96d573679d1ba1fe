-- Time progress (时序进度) on a day: the days of the campaign window elapsed by that day over
-- all its days, both counted inclusively, kept between 0 and 1.
create or replace temp macro time_progress(day, window_start, deadline) as
    least(greatest(
        (date_diff('day', window_start::date, day::date) + 1)
        / (date_diff('day', window_start::date, deadline::date) + 1)::double,
        0), 1);

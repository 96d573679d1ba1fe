-- one row per file of this run that could not be read, with the township it came from
with file_errors as (
    select * from run_file_errors
)
select township, file_name from file_errors

-- the province's own tables, in <store>/province.duckdb: each run's county ranking (for
-- change since the previous run and circular) and the circulars issued, by as-of date
create table if not exists province_snapshots (
    as_of date not null,
    campaign varchar not null,
    enrolled bigint,
    rank integer,
    primary key (as_of, campaign)
);

create table if not exists province_circulars (
    as_of date primary key,
    number integer not null
);

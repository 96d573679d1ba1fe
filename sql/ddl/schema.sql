-- canbao's persistent tables. Created if missing; every statement is idempotent.

-- one row per file received for a campaign (kept when replaced: the archive of what came in)
create table if not exists deliveries (
    campaign      varchar not null,
    file_sha256   varchar not null,
    file_name     varchar not null,
    archived_as   varchar not null,
    township      varchar,
    delivered_on  date not null,
    sheet         varchar,
    encoding      varchar,
    rows_read     integer not null,
    rows_loaded   integer not null,
    rows_rejected integer not null,
    rows_summary  integer not null,      -- 合计/备注 lines, not data
    warnings      varchar,               -- e.g. a 合计 row that disagrees with its rows
    status        varchar not null,      -- loaded | replaced
    replaced_by   varchar,
    primary key (campaign, file_sha256)
);

-- one row per valid person-row of a loaded delivery
create table if not exists enrollments (
    campaign     varchar not null,
    file_sha256  varchar not null,
    source_row   integer not null,
    id_number    varchar not null,
    id_upgraded  boolean not null,
    name         varchar,
    township     varchar not null,
    village      varchar,
    bought_on    date not null,
    channel      varchar
);

-- one row per rejected row and reason of a loaded delivery
create table if not exists rejects (
    campaign     varchar not null,
    file_sha256  varchar not null,
    source_row   integer not null,
    column_name  varchar not null,
    value        varchar,
    reason       varchar not null
);

-- one row per township of a campaign's base table (replaced on every run)
create table if not exists bases (
    campaign  varchar not null,
    township  varchar not null,
    position  integer not null,         -- row order of the base table, kept in every table
    base      integer,                  -- null where the campaign has no base (全民参保)
    primary key (campaign, township)
);

-- basic insurance: one row per village of a loaded village-counts delivery
create table if not exists basic_village_counts (
    campaign            varchar not null,
    file_sha256         varchar not null,
    source_row          integer not null,
    township            varchar not null,
    village             varchar not null,
    registered          integer not null,
    enrolled_local      integer not null,
    enrolled_elsewhere  integer not null,
    lapsed              integer not null
);

-- basic insurance: one row per registered person of a loaded register delivery
create table if not exists basic_persons (
    campaign        varchar not null,
    file_sha256     varchar not null,
    source_row      integer not null,
    id_number       varchar not null,
    id_upgraded     boolean not null,
    name            varchar,
    township        varchar not null,
    village         varchar,
    scheme          varchar,
    place           varchar,              -- 本地 | 异地 | null (not enrolled this year)
    paid_on         date,
    paid_last_year  boolean not null
);

-- one row per township per as-of date per campaign: what each run found (never summed)
create table if not exists snapshots (
    campaign     varchar not null,
    as_of        date not null,
    township     varchar not null,
    rank         integer,
    denominator  bigint,                 -- base (惠民保) or registered population (全民参保)
    target       bigint,                 -- target of the first level (目标任务), if the campaign sets one
    enrolled     bigint not null,
    rate         double,
    status       varchar not null,
    primary key (campaign, as_of, township)
);

-- one row per circular issued: its as-of date and document number, kept per campaign
create table if not exists circulars (
    campaign    varchar not null,
    as_of       date not null,
    number      integer not null,
    doc_number  varchar not null,
    primary key (campaign, as_of)
);

-- added with non-township units (街道, 管委会, 县直单位): what each row of the base table is,
-- and the ranking it takes part in (乡镇 rank together; a type may be ranked on its own)
alter table bases add column if not exists unit_type varchar;
alter table bases add column if not exists rank_group varchar;

-- added when every visible sheet of a workbook is read: the sheet each row came from
-- (null for CSV; rows loaded before this hold the delivery's sheet in deliveries.sheet)
alter table enrollments add column if not exists sheet varchar;
alter table basic_village_counts add column if not exists sheet varchar;
alter table basic_persons add column if not exists sheet varchar;
alter table rejects add column if not exists sheet varchar;

-- lists kept beside the rosters (flows/lists.py), re-read whole on every run like the base
-- table: a unit's staff (单位职工名册), their declared families (职工家属名册), and civil
-- affairs' hardship list (救助对象名单); rows of a file a later one replaced are not here
create table if not exists unit_staff (
    campaign    varchar not null,
    file_name   varchar not null,
    sheet       varchar,
    source_row  integer not null,
    unit        varchar not null,
    id_number   varchar not null,
    name        varchar,
    staff_type  varchar                 -- 在编在岗 | 临聘 | 退休 | null (not given)
);

create table if not exists unit_family (
    campaign    varchar not null,
    file_name   varchar not null,
    sheet       varchar,
    source_row  integer not null,
    unit        varchar not null,
    staff_id    varchar not null,       -- the staff member who declared them
    id_number   varchar not null,
    name        varchar,
    relation    varchar
);

create table if not exists hardship_people (
    campaign    varchar not null,
    file_name   varchar not null,
    sheet       varchar,
    source_row  integer not null,
    township    varchar not null,
    village     varchar,
    id_number   varchar not null,
    name        varchar,
    category    varchar not null
);

-- one row per rejected row and reason of those lists (values as written)
create table if not exists list_rejects (
    campaign     varchar not null,
    list_kind    varchar not null,      -- staff | family | hardship
    file_name    varchar not null,
    sheet        varchar,
    source_row   integer not null,
    column_name  varchar not null,
    value        varchar,
    reason       varchar not null
);

-- a register's 特殊群体 (新生儿, 医疗救助对象, 退役军人): spared the waiting period
alter table basic_persons add column if not exists exemption varchar;

-- Fujian's long-term mechanism (参保长效机制): what a register delivery (its file_sha256) says
-- of each person beyond this year. person_years: one row per year before the campaign year
-- in which the person was insured (a year without a row: not insured that year), its scheme
-- and whether they claimed on the fund; person_exemptions: the special groups a person
-- belongs to this year, who have no waiting period (新生儿, 医疗救助对象, 当年退出现役的军人)
create table if not exists person_years (
    campaign     varchar not null,
    file_sha256  varchar not null,
    id_number    varchar not null,
    year         integer not null,
    scheme       varchar not null,      -- 居民 | 职工
    claimed      boolean                -- a claim on the fund that year; null: not delivered
);

create table if not exists person_exemptions (
    campaign     varchar not null,
    file_sha256  varchar not null,
    id_number    varchar not null,
    exemption    varchar not null       -- 新生儿 | 医疗救助对象 | 当年退出现役的军人
);

"""Township files with every fault the checks know, and what ingesting them gives.

`write_messy_files` writes deterministic rosters and registers (CSV in UTF-8 and GB18030,
workbooks with two sheets) holding each kind of bad value; `ingest_outcome` loads a drop zone
and returns every delivery, reject and loaded row as sorted text, so that two versions of the
ingest can be compared row for row (tests/data/reject_contract.csv).
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import xlsxwriter

from schemas import identity

ROSTER_TOWNSHIPS = ["龙津镇", "嵩溪镇", "温郊乡", "嵩口镇"]
REGISTER_TOWNSHIPS = ["桃城镇", "五里街镇", "湖洋镇"]


def _id(rng: random.Random, region: str = "350423") -> str:
    birth = date(1940, 1, 1) + timedelta(days=rng.randrange(30000))
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return identity.with_check_char(pd.Series([first17])).iloc[0]


def _bad_id(rng: random.Random, kind: int, good: str) -> str:
    """One way of writing an identity number wrongly (or oddly but rightly)."""
    variants = [
        good.lower(),  # x in lower case: fine
        " " + good[:6] + " " + good[6:] + " ",  # spaces: fine
        good.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")),  # full width
        f"{int(good[:17]):.5E}".replace(".", "."),  # Excel's number form
        good[:15] + "000",  # cut by Excel
        good[:17] + ("0" if good[17] != "0" else "1"),  # wrong check character
        good[:6] + "20990101" + good[14:],  # born after the campaign
        "99" + good[2:],  # no such province
        good[:6] + good[8:17],  # 15-digit old number
        good[:10],  # too short
        "",  # missing
        good[:6] + "-" + good[6:],  # a dash
    ]
    return variants[kind % len(variants)]


def _dates(rng: random.Random, start: date, kind: int) -> str:
    day = start + timedelta(days=rng.randrange(40))
    forms = [
        day.isoformat(),
        f"{day:%Y/%m/%d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y%m%d}",
        str((day - date(1899, 12, 30)).days),  # an Excel serial
        f"{day:%Y.%m.%d}",
        f"{day.isoformat()} 10:20:00",
        "2023-01-05",  # outside the window
        "十月十六日",  # unreadable
        "",  # missing
        f"{day.year}-{day.month}-{day.day}",
    ]
    return forms[kind % len(forms)]


def roster_rows(seed: int, rows: int) -> list[list[str]]:
    rng = random.Random(seed)
    names = ["张三", "李 四", "王五", "赵六六", "", "陈　七", "林八"]
    townships = [*ROSTER_TOWNSHIPS, "龙津", "龙律镇", "", "外县镇", " 嵩溪镇 "]
    villages = ["城关社区", "东门村", "", "西门村"]
    out, seen = [], []
    for number in range(rows):
        good = _id(rng)
        id_text = _bad_id(rng, rng.randrange(40), good) if rng.random() < 0.3 else good
        if seen and rng.random() < 0.06:
            id_text = rng.choice(seen)  # the same person again
        seen.append(id_text)
        name = names[rng.randrange(len(names))] if rng.random() < 0.3 else "张三丰"
        if rng.random() < 0.02:
            name = "李四" + _id(rng)  # rows run together
        village = rng.choice(villages)
        if rng.random() < 0.01:
            village = "东门村" + _id(rng)
        township = rng.choice(townships) if rng.random() < 0.3 else ROSTER_TOWNSHIPS[0]
        day = _dates(rng, date(2024, 10, 15), rng.randrange(30) if rng.random() < 0.4 else 0)
        channel = rng.choice(["个人缴费", "单位代缴", ""])
        out.append([str(number + 1), id_text, name, township, village, day, channel])
        if rng.random() < 0.02:
            out.append([""] * 7)  # a blank line
    out.append(["合计", "", "", "", "", "", ""])
    out.append(["备注：本表由村委会填报", "", "", "", "", "", ""])
    return out


ROSTER_HEADER = ["序号", "身份证号", "姓名", "乡镇", "村(居)", "投保日期", "缴费方式"]
REGISTER_HEADER = [
    "序号", "公民身份号码", "姓名", "乡镇", "村(居)", "险种", "参保地", "缴费日期", "上年是否缴费",
]  # fmt: skip


def register_rows(seed: int, rows: int, township: str) -> list[list[str]]:
    rng = random.Random(seed)
    out, seen = [], []
    for number in range(rows):
        good = _id(rng, "350525")
        id_text = _bad_id(rng, rng.randrange(40), good) if rng.random() < 0.25 else good
        if seen and rng.random() < 0.05:
            id_text = rng.choice(seen)
        seen.append(id_text)
        name = rng.choice(["雷红", "孙 雪涵", "", "郑一"]) if rng.random() < 0.2 else "陈晓"
        where = rng.choice(["", "五里街镇", "桃城", "不存在镇"]) if rng.random() < 0.2 else township
        paid = rng.random() < 0.7
        scheme = rng.choice(["职工医保", "居民医保", "新农合", ""]) if paid else ""
        place = rng.choice(["本地", "异地", "外地"]) if paid else rng.choice(["", "", "本地"])
        day = _dates(rng, date(2022, 9, 1), rng.randrange(12)) if paid else ""
        last = rng.choice(["是", "否", "已缴", "未缴", "Y", "0", "不知道", ""])
        village = rng.choice(["桃东社区", "桃西社区", "大羽村"])
        if rng.random() < 0.01:
            village += "1" * 15
        out.append([str(number + 1), id_text, name, where, village, scheme, place, day, last])
    out.append(["小计", "", "", "", "", "", "", "", ""])
    return out


def _csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    def cell(text: str) -> str:
        return f'"{text}"' if ("," in text or '"' in text) else text

    lines = [",".join(cell(c) for c in [*header]), *(",".join(cell(c) for c in r) for r in rows)]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _xlsx(path: Path, header: list[str], sheets: dict[str, list[list[str]]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, "某某镇参保人员名单")
        for col, label in enumerate(header):
            sheet.write_string(1, col, label)
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row):
                if value and c == 0 and value.isdigit():
                    sheet.write_number(r, c, int(value))
                elif value:
                    sheet.write_string(r, c, value)
    book.close()
    return path


def write_messy_files(raw_roster: Path, raw_register: Path) -> None:
    """Rosters for Qingliu (惠民保) and registers for Yongchun, with every fault."""
    raw_roster.mkdir(parents=True, exist_ok=True)
    raw_register.mkdir(parents=True, exist_ok=True)
    _csv(raw_roster / "龙津镇_2024-10-20.csv", ROSTER_HEADER, roster_rows(1, 600), "utf-8")
    _csv(raw_roster / "嵩溪镇_2024-10-21.csv", ROSTER_HEADER, roster_rows(2, 400), "gb18030")
    quoted = roster_rows(3, 50)
    quoted[10][2] = '张"三\n丰'  # a quote spanning lines
    _csv(raw_roster / "温郊乡_2024-10-22.csv", ROSTER_HEADER, quoted, "utf-8-sig")
    _xlsx(
        raw_roster / "嵩口镇_2024-10-23.xlsx",
        ROSTER_HEADER,
        {"第一批": roster_rows(4, 120), "第二批": roster_rows(4, 60) + roster_rows(5, 40)},
    )
    _csv(
        raw_register / "桃城镇_2023-06-03_花名册.csv",
        REGISTER_HEADER,
        register_rows(6, 500, "桃城镇"),
        "gb18030",
    )
    _xlsx(
        raw_register / "湖洋镇_2023-06-03_花名册.xlsx",
        REGISTER_HEADER,
        {"一组": register_rows(7, 80, "湖洋镇"), "二组": register_rows(7, 30, "湖洋镇")},
    )
    _csv(
        raw_register / "永春县_2023-06-02_花名册.csv",
        REGISTER_HEADER,
        register_rows(8, 200, "五里街镇"),
        "utf-8",
    )


# columns loaded rows gained after tests/data/reject_contract.csv was recorded (a register's
# exemption, 特殊群体): the messy files have none, and the recorded digests leave them out
ADDED_AFTER_CONTRACT = ("exemption",)


def ingest_outcome(con, campaign, paths: list[Path], archive: Path) -> pd.DataFrame:
    """Every delivery's counts, every reject and every loaded row of ``paths``, as text."""
    from flows.ingest import ingest_file
    from schemas.kinds import KINDS

    for path in paths:
        ingest_file(con, campaign, path, archive, {}, today=date(2025, 1, 1))
    table = KINDS[campaign.input_kind].table
    columns = [c for (c,) in con.execute(f"select column_name from (describe {table})").fetchall()]
    shown = [c for c in columns if c not in ("campaign", "file_sha256", *ADDED_AFTER_CONTRACT)]
    loaded = " || '|' || ".join(f"coalesce(cast(t.{c} as varchar), '∅')" for c in shown)
    query = f"""
        select d.file_name, 'delivery' as what, '' as sheet, 0 as source_row,
               concat_ws('|', d.township, d.delivered_on, d.rows_read, d.rows_loaded,
                         d.rows_rejected, d.rows_summary, d.warnings) as detail
        from deliveries d where campaign = $campaign
        union all
        select d.file_name, 'reject', coalesce(r.sheet, ''), r.source_row,
               concat_ws('|', r.column_name, coalesce(r.value, '∅'), r.reason)
        from rejects r join deliveries d using (campaign, file_sha256)
        where campaign = $campaign
        union all
        select d.file_name, 'loaded', coalesce(t.sheet, ''), t.source_row, {loaded}
        from {table} t join deliveries d using (campaign, file_sha256)
        where campaign = $campaign
        order by all
    """
    frame = con.execute(query, {"campaign": campaign.name}).df()
    # loaded rows: one digest per file (the rejects and deliveries stay readable)
    loaded = frame["what"].eq("loaded")
    digests = (
        frame[loaded]
        .groupby("file_name", sort=True)
        .agg(rows=("detail", "size"), text=("detail", lambda d: "\n".join(d)))
        .reset_index()
    )
    digests = pd.DataFrame(
        {
            "file_name": digests["file_name"],
            "what": "loaded",
            "sheet": "",
            "source_row": digests["rows"],
            "detail": [hashlib.sha256(t.encode()).hexdigest() for t in digests["text"]],
        }
    )
    return pd.concat([frame[~loaded], digests], ignore_index=True)

"""No personal data leaves the bureau through a rejected cell: identity numbers in every
spelling and full names, in whatever column they were typed, and quoted in the reason, are
masked in rejects.csv, 数据质量.pdf/.xlsx, 排名表.xlsx and manifest.json."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.outputs import (
    write_manifest,
    write_quality_workbook,
    write_ranking_workbook,
    write_rejects_csv,
)
from flows.render import QUALITY_TEMPLATE
from flows.render.pdf import get_renderer, write_pdf
from flows.render.quality_report import quality_context
from flows.settings import get_settings
from schemas.headers import CANONICAL_LABELS
from schemas.identity import with_check_char
from tests.pdf import pdf_text
from tests.report.puhui_data import AS_OF
from tests.report.rejects_data import TOWNSHIPS, results_with_rejects

FULLWIDTH = str.maketrans({str(i): chr(0xFF10 + i) for i in range(10)} | {"X": "Ｘ"})
TO_ASCII = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"Ｘ": "X", "ｘ": "X"})
SURNAMES = "林陈黄张李王吴刘郑欧阳"
GIVEN = "涛芳娜婷瑶萱琪薇煜轩昊"


@st.composite
def identity_numbers(draw) -> tuple[str, str]:
    """(as typed, the digits that must not come back): 18 or 15 digits, X, full-width,
    spaces inside, or Excel's 3.50423196007278E+17."""
    region = draw(st.sampled_from(["350423", "350525", "110105", "440304"]))
    born = draw(st.dates(min_value=pd.Timestamp("1930-01-01").date(), max_value=AS_OF))
    serial = draw(st.integers(0, 999))
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    full = with_check_char(pd.Series([first17])).iloc[0]
    form = draw(st.sampled_from(["18", "x", "15", "fullwidth", "spaced", "excel"]))
    if form == "15":
        short = f"{region}{born:%y%m%d}{serial:03d}"
        return short, short
    if form == "excel":
        typed = f"{int(first17 + '0'):.14E}"
        return typed, typed.split("E")[0].replace(".", "")
    if form == "x":
        full = first17 + "X"
        return full.lower(), full
    if form == "fullwidth":
        return full.translate(FULLWIDTH), full
    if form == "spaced":
        return f"{full[:6]} {full[6:14]} {full[14:]}", full
    return full, full


@st.composite
def names(draw) -> tuple[str, str]:
    surname = draw(st.sampled_from(["林", "陈", "黄", "张", "欧阳", "司马"]))
    given_name = draw(st.text(GIVEN, min_size=1, max_size=2))
    name = surname + given_name
    return name, name


COLUMNS = sorted(set(CANONICAL_LABELS) - {"base"})


@st.composite
def rejected_cells(draw) -> dict:
    typed, secret = draw(st.one_of(identity_numbers(), names()))
    column = draw(st.sampled_from(COLUMNS))
    label = CANONICAL_LABELS[column]
    reason = draw(
        st.sampled_from(
            [
                f"{label}“{typed}”不在本县乡镇名录中",
                f"{label}“{typed}”无效，是否为“龙津镇”？",
                f"{label}应为“是”或“否”",
                f"{label}为空",
            ]
        )
    )
    return {
        "township": draw(st.sampled_from(TOWNSHIPS)),
        "column_name": column,
        "value": typed,
        "reason": reason,
        "secret": secret,
    }


def normalized(text: str) -> str:
    return re.sub(r"\s", "", text.translate(TO_ASCII)).upper()


def xlsx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as book:
        return "".join(book.read(name).decode("utf-8") for name in book.namelist())


def write_outputs(results, out_dir: Path) -> dict[str, str]:
    """Every file a rejected cell reaches, as text."""
    campaign = results.campaign
    renderer = get_renderer(Path(get_settings().templates_dir), Path(get_settings().fonts_dir))
    pdf = write_pdf(
        renderer,
        QUALITY_TEMPLATE,
        quality_context(campaign, AS_OF, results),
        out_dir / "数据质量.pdf",
    )
    csv = write_rejects_csv(campaign, results, out_dir, AS_OF)
    quality = write_quality_workbook(campaign, results, out_dir, AS_OF)
    ranking = write_ranking_workbook(campaign, results, out_dir, AS_OF)
    manifest = write_manifest(
        out_dir,
        campaign=campaign.name,
        as_of=AS_OF,
        status="complete",
        inputs=[],
        outputs=[csv],
        step_seconds={},
        warnings=[f"文件 a.csv：{note}" for note in results.notes]
        + [
            f"文件 b.csv：第2行的内容“{row}”无法识别"
            for row in results.marts["mart_rejects"]["value"]
        ],
    )
    return {
        "数据质量.pdf": pdf_text(pdf),
        "rejects.csv": csv.read_text(encoding="utf-8-sig"),
        "数据质量.xlsx": xlsx_text(quality),
        "排名表.xlsx": xlsx_text(ranking),
        "manifest.json": json.dumps(json.loads(manifest.read_text("utf-8")), ensure_ascii=False),
    }


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cells=st.lists(rejected_cells(), min_size=1, max_size=6))
def test_no_rejected_cell_leaves_unmasked(cells, tmp_path_factory):
    frame = pd.DataFrame(cells)
    frame["source_row"] = range(2, 2 + len(frame))
    warnings = "\n".join(
        f"文件 x.csv：第{r}行“{v}”"
        for r, v in zip(frame["source_row"], frame["value"], strict=True)
    )
    results = results_with_rejects(frame, warnings=warnings)
    outputs = write_outputs(results, tmp_path_factory.mktemp("out"))
    for file, text in outputs.items():
        flat = normalized(text)
        for cell in cells:
            assert normalized(cell["secret"]) not in flat, (file, cell)


@pytest.mark.parametrize(
    ("column", "typed", "reason"),
    [
        ("township", "350423196007278106", "乡镇“350423196007278106”不在本县乡镇名录中"),
        ("township", "林涛芳", "乡镇“林涛芳”不在本县乡镇名录中"),
        ("paid_last_year", "350423196007278106", "上年是否缴费应为“是”或“否”"),
    ],
)
def test_the_adversarial_cases_are_masked_in_every_file(column, typed, reason, tmp_path):
    frame = pd.DataFrame(
        {
            "township": ["龙津镇"],
            "source_row": [2],
            "column_name": [column],
            "value": [typed],
            "reason": [reason],
        }
    )
    outputs = write_outputs(results_with_rejects(frame), tmp_path)
    for file, text in outputs.items():
        assert typed not in normalized(text), file
    assert "林**" in normalized(outputs["rejects.csv"]) or typed != "林涛芳"

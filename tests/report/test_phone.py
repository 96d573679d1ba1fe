"""Pictures for phones: 排名表.png (the ranking on a page 90 mm wide, one long picture 1080
px wide) and 通报.png (the circular's first page). What the picture shows is read back from
the PDF it is rasterised from; the picture itself by its size, its colours and its bytes."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from flows.render import render_documents
from flows.render.lists_context import lists_context
from flows.render.pdf import get_renderer, html_of, pdf_of
from flows.render.phone import (
    PHONE_WIDTH_PX,
    basic_phone_ranking_context,
    long_png,
    phone_ranking_context,
)
from flows.settings import get_settings
from tests.pdf import pdf_text, squeeze
from tests.report import basic_data
from tests.report.puhui_data import AS_OF, NOT_REPORTING, build_results, qingliu

MM = 72 / 25.4
LAGGING_FILL = (0xFD, 0xE9, 0xE7)  # --below-fill: the rows of lagging townships
OFFICE_RED = (0xE6, 0x00, 0x12)  # --red: the issuing office's mark and the red rule


@pytest.fixture(scope="module")
def campaign():
    return qingliu()


@pytest.fixture(scope="module")
def results(campaign):
    return build_results(campaign)


@pytest.fixture(scope="module")
def rendered(campaign, results, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("phone")
    render_documents(campaign, AS_OF, results, out, get_settings())
    return out


def phone_pdf(tmp_path: Path, template: str, context: dict) -> tuple[Path, bytes]:
    settings = get_settings()
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    pdf = pdf_of(renderer, html_of(renderer, template, context), context["as_of"])
    path = tmp_path / "phone.pdf"
    path.write_bytes(pdf)
    return path, pdf


def colour_count(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 6) -> int:
    """Pixels within ``tolerance`` of ``colour`` on every channel."""
    bands = [
        band.point(lambda v, c=c: 255 if abs(v - c) <= tolerance else 0)
        for band, c in zip(image.convert("RGB").split(), colour, strict=True)
    ]
    mask = Image.eval(bands[0], lambda v: v)
    for band in bands[1:]:
        mask = Image.composite(band, Image.new("L", mask.size, 0), mask)
    return mask.histogram()[255]


def test_the_ranking_is_one_portrait_picture_1080_px_wide(rendered):
    image = Image.open(rendered / "排名表.png")
    assert image.format == "PNG" and image.mode == "RGB"
    assert image.width == PHONE_WIDTH_PX
    assert 2 * image.width < image.height < 8 * image.width  # long, not a page of blank
    assert not image.info  # no time, no text chunk: same pixels, same bytes
    # the last rows are not blank space: the picture ends under the issuing office
    bottom = image.crop((0, image.height - 120, image.width, image.height)).convert("L")
    assert bottom.getextrema()[0] < 128
    assert colour_count(image, LAGGING_FILL) > 10_000  # the lagging rows are tinted


def test_the_phone_page_shows_every_township_its_rank_rate_completion_and_change(
    campaign, results, tmp_path
):
    context = {
        **phone_ranking_context(campaign, AS_OF, results),
        **lists_context(campaign, results),
    }
    path, _ = phone_pdf(tmp_path, "ranking_phone.html", context)
    page = PdfReader(path).pages[0]
    assert float(page.mediabox.width) == pytest.approx(90 * MM, abs=0.5)
    text = squeeze(pdf_text(path))
    assert "2025年清流县“三明普惠医联保”参保进度排名表" in text
    assert "截至2024年11月13日" in text and "时序进度38.46%" in text
    # laid out in columns: a row's line holds its rank, rate and completion; the rank change
    # is on the line above, the increase on the line under it, the lagging mark too
    lines = [squeeze(line) for line in pdf_text(path, layout=True).splitlines()]
    lines = [line for line in lines if line]
    for row in context["rows"]:
        township = row["township"]
        assert township in text
        if not row["reported"]:
            assert f"—{township}未报送" in lines
            continue
        numbers = f"{row['rate'] * 100:.2f}%{row['completion_floor'] * 100:.2f}%"
        at = next(
            i
            for i, line in enumerate(lines)
            if line.startswith(str(row["rank"])) and line.endswith(numbers)
        )
        above, line, under = lines[at - 1 : at + 2]
        assert township in above + line
        assert above.endswith(row["rank_change"])
        increase = row["increase_since_previous"]
        assert under.endswith(f"+{increase}人" if increase else "0人"), under
        assert ("落后时序" in under) == (row["progress_class"] == "落后时序"), township
    # those behind time progress are marked, and only they
    lagging = [row["township"] for row in context["rows"] if row["lagging"]]
    assert lagging == ["林畲镇", "李家乡", "温郊乡"]
    assert text.count("落后时序") == len(lagging) + 1  # and once in the note
    assert NOT_REPORTING in text
    # the bar chart: its title, the level lines and a bar label per reporting township
    assert "各乡（镇）参保率" in text
    assert "目标任务20%" in text and "力争任务30%" in text
    assert text.count("31.84%") == 2  # table and bar of 余朋乡


def test_a_rerun_of_the_date_writes_the_same_pictures_byte_for_byte(
    campaign, results, rendered, tmp_path
):
    render_documents(campaign, AS_OF, results, tmp_path, get_settings())
    for name in ("排名表.png", "通报.png"):
        assert (tmp_path / name).read_bytes() == (rendered / name).read_bytes(), name


def test_the_circulars_first_page_as_a_picture(rendered):
    image = Image.open(rendered / "通报.png")
    assert image.width == PHONE_WIDTH_PX
    assert image.height == pytest.approx(PHONE_WIDTH_PX * 297 / 210, abs=2)  # A4, portrait
    # the office's red mark and the red rule, in the top half only
    top = image.crop((0, 0, image.width, image.height // 2))
    assert colour_count(top, OFFICE_RED, tolerance=40) > 2000
    assert colour_count(image, OFFICE_RED, tolerance=40) == colour_count(
        top, OFFICE_RED, tolerance=40
    )


def test_a_day_without_a_circular_has_no_circular_picture(campaign, results, tmp_path):
    render_documents(
        campaign, AS_OF, dataclasses.replace(results, doc_number=None), tmp_path, get_settings()
    )
    assert (tmp_path / "排名表.png").is_file()
    assert not (tmp_path / "通报.png").exists()


def test_a_basic_campaigns_picture_marks_townships_below_the_county_rate(tmp_path):
    campaign = basic_data.yongchun()
    results = basic_data.build_results(campaign)
    context = {
        **basic_phone_ranking_context(campaign, basic_data.AS_OF, results),
        **lists_context(campaign, results),
    }
    path, pdf = phone_pdf(tmp_path, "basic_ranking_phone.html", context)
    text = squeeze(pdf_text(path))
    for township in results.coverage["township"]:
        assert township in text
    below = [row["township"] for row in context["rows"] if row["lagging"]]
    assert below == [row["township"] for row in context["named"]["below_county"]]
    assert len(below) == 11
    assert text.count("低于全县") >= len(below)
    assert "未参保人数" in text and "全县户籍人口569519人" in text
    image = Image.open(io.BytesIO(long_png(pdf)))
    assert image.width == PHONE_WIDTH_PX and image.height > 3 * image.width

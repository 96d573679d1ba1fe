"""Pictures for phones: the 排名表 as one long PNG about 1080 px wide (排名表.png), read in a
work chat without zooming, and the first page of the 通报 (通报.png).

The ranking is laid out by WeasyPrint like every document, on a page 90 mm wide
(ranking_phone.html, css/phone.css), and rasterised by pypdfium2, which ships PDFium in its
wheel: no browser, nothing fetched at run time. A picture is a function of the PDF's bytes
(fixed by the as-of date) and of PDFium's version, so a rerun of a date gives the same PNG;
the render cache keeps it like a PDF.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import io
from pathlib import Path

import pypdfium2
from PIL import Image, ImageOps

from flows.config import Campaign
from flows.render.basic_ranking_report import basic_ranking_context
from flows.render.cache import RenderCache
from flows.render.charts import phone_chart
from flows.render.circular import title_parts
from flows.render.pdf import Rendered, Renderer, render_cached, write_through
from flows.render.ranking_report import ranking_context
from flows.results import Results

PHONE_WIDTH_PX = 1080  # what work chats show full width on a phone without scaling down
MARGIN_BELOW_PX = 48  # white kept under the last line when a long page is cut to its content
LAGGING = "落后时序"
RANKING_TITLE_END = "进度排名表"  # mart_township_progress.progress_class of a township behind time


def phone_ranking_context(campaign: Campaign, as_of: datetime.date, results: Results) -> dict:
    """排名表.png of a campaign with target levels: completion of the first level; townships
    behind time progress (落后时序) marked; a bar chart with a line per level."""
    context = ranking_context(campaign, as_of, results)
    floor = context["floor"]
    for row in context["all_rows"]:
        row["lagging"] = row["reported"] and row["progress_class"] == LAGGING
    return phone_context(
        context,
        measure={"heading": f"{floor['label']}<br>完成率", "column": f"completion_{floor['key']}"},
        lagging_label=LAGGING,
        lines=context["levels"],
        unit_name="乡（镇）",
    )


def basic_phone_ranking_context(campaign: Campaign, as_of: datetime.date, results: Results) -> dict:
    """排名表.png of a 全民参保 campaign: the unenrolled; townships below the county rate
    (mart_circular_mentions.below_county) marked; a bar chart against the county rate."""
    context = basic_ranking_context(campaign, as_of, results)
    for row in context["all_rows"]:
        row["lagging"] = row["reported"] and row["below"]
    return phone_context(
        context,
        measure={"heading": "未参保<br>人数", "column": "unenrolled", "percent": False},
        lagging_label="低于全县",
        lines=context["county_line"],
        unit_name="乡镇",
    )


def phone_context(
    context: dict, *, measure: dict, lagging_label: str, lines: list[dict], unit_name: str
) -> dict:
    context.update(
        title_parts=phone_title_parts(context["title"]),
        measure={"percent": True, **measure},
        lagging_label=lagging_label,
        chart=phone_chart(context["chart"]),
        chart_lines=lines,
        unit_name=unit_name,
    )
    return context


def phone_title_parts(title: str) -> list[str]:
    """A title broken between phrases on a narrow page: after its quoted programme name, else
    before 进度排名表."""
    parts = title_parts(title)
    cut = title.rfind(RANKING_TITLE_END)
    if len(parts) == 1 and cut > 0:
        return [title[:cut], title[cut:]]
    return parts


# --- Rasterising ----------------------------------------------------------------------------


def page_images(pdf: bytes, pages: range | None = None, width_px: int = PHONE_WIDTH_PX):
    """The pages of ``pdf`` (all, or ``pages``) as RGB images ``width_px`` wide."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        images = []
        for index in pages if pages is not None else range(len(document)):
            page = document[index]
            bitmap = page.render(scale=width_px / page.get_width(), fill_color=(255, 255, 255, 255))
            images.append(bitmap.to_pil().convert("RGB"))
            page.close()
        return images
    finally:
        document.close()


def trimmed(image: Image.Image) -> Image.Image:
    """``image`` cut below its last non-white row (plus a margin): a long page's blank end."""
    box = ImageOps.invert(image.convert("L")).getbbox()
    bottom = image.height if box is None else min(image.height, box[3] + MARGIN_BELOW_PX)
    return image.crop((0, 0, image.width, bottom))


def png_bytes(image: Image.Image) -> bytes:
    """PNG without a time or any text chunk: the same pixels, the same bytes."""
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=9)
    return out.getvalue()


def long_png(pdf: bytes) -> bytes:
    """Every page of ``pdf``, its blank end cut off, stacked into one picture."""
    images = [trimmed(image) for image in page_images(pdf)]
    stacked = Image.new("RGB", (images[0].width, sum(image.height for image in images)), "white")
    top = 0
    for image in images:
        stacked.paste(image, (0, top))
        top += image.height
    return png_bytes(stacked)


def first_page_png(pdf: bytes) -> bytes:
    return png_bytes(page_images(pdf, range(1))[0])


# --- Writing, through the render cache ------------------------------------------------------


def render_png(
    renderer: Renderer,
    template: str,
    context: dict,
    target: Path,
    cache: RenderCache | None = None,
) -> Rendered:
    """Lay ``template`` out as PDF and write it as one long PNG at ``target``, or take the same
    picture from ``cache`` (keyed like a PDF; pypdfium2's version is in every key)."""
    return render_cached(
        renderer, template, context, target, cache, convert=long_png, suffix=".png"
    )


def render_first_page(pdf_path: Path, target: Path, cache: RenderCache | None = None) -> Rendered:
    """The first page of the PDF at ``pdf_path`` as a PNG at ``target``, from ``cache`` when
    that PDF was rasterised before (keyed by its bytes and the rasteriser's version)."""
    pdf = Path(pdf_path).read_bytes()
    digest = hashlib.sha256(f"first-page {PHONE_WIDTH_PX} {rasteriser()}\0".encode())
    digest.update(pdf)
    return write_through(cache, digest.hexdigest(), target, lambda: first_page_png(pdf), ".png")


def rasteriser() -> str:
    return ";".join(
        f"{name}={importlib.metadata.version(name)}" for name in ("pypdfium2", "pillow")
    )

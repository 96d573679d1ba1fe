"""From a template and its context to a PDF file: the Jinja environment with the fonts and
stylesheets (built once per folder pair), and the writer, which takes a PDF from the render
cache (flows/render/cache.py) when one is given and holds the same document.

Output is deterministic: PDF dates come from ``as_of``, never from the clock.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import weasyprint
from weasyprint.text.fonts import FontConfiguration

from flows.render.cache import RenderCache
from flows.render.filters import FILTERS

# --- Environment: templates, fonts, stylesheets (built once per folder pair) ----------------


@dataclass(frozen=True)
class Renderer:
    env: jinja2.Environment
    font_config: FontConfiguration
    fonts_css: weasyprint.CSS
    base_url: str


@lru_cache(maxsize=4)
def get_renderer(templates_dir: Path, fonts_dir: Path) -> Renderer:
    """Jinja environment plus a FontConfiguration with the @font-face rules loaded once."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    font_config = FontConfiguration()
    # fonts.css is a template: the generated TrueType faces sit in settings.fonts_dir,
    # which deployments may move (CANBAO_FONTS), so their URL is filled in here.
    fonts_css_text = env.get_template("css/fonts.css").render(
        fonts_url=Path(fonts_dir).resolve().as_uri()
    )
    fonts_css = weasyprint.CSS(
        string=fonts_css_text, base_url=str(templates_dir) + "/", font_config=font_config
    )
    return Renderer(env, font_config, fonts_css, str(templates_dir) + "/")


# --- Rendering ------------------------------------------------------------------------------


@contextmanager
def source_date_epoch(day: datetime.date) -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH to ``day`` while rendering.

    fontTools stamps every font subset it saves (head.modified) with the current time
    unless SOURCE_DATE_EPOCH is set; without this, each render's PDF bytes would differ.
    """
    stamp = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(stamp.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


@dataclass(frozen=True)
class Rendered:
    """A PDF written: where, and whether its bytes came from the render cache."""

    path: Path
    reused: bool = False


def html_of(renderer: Renderer, template: str, context: dict) -> str:
    return renderer.env.get_template(template).render(**context)


def pdf_of(renderer: Renderer, html: str, stamped: datetime.date) -> bytes:
    """Lay out ``html`` and write it as PDF bytes, every date in them ``stamped``."""
    with source_date_epoch(stamped):
        return weasyprint.HTML(string=html, base_url=renderer.base_url).write_pdf(
            stylesheets=[renderer.fonts_css], font_config=renderer.font_config
        )


def write_bytes(pdf: bytes, target: Path) -> Path:
    """Rewrite ``target`` only when its bytes change, through a temporary name (a new file:
    one left by a killed run may be a link to a file in the render cache)."""
    if not (target.exists() and target.read_bytes() == pdf):
        partial = target.with_name(target.name + ".part")
        partial.unlink(missing_ok=True)
        partial.write_bytes(pdf)
        partial.replace(target)
    return target


def render_html(
    renderer: Renderer,
    template: str,
    html: str,
    stamped: datetime.date,
    target: Path,
    cache: RenderCache | None = None,
    key: str | None = None,
) -> Path:
    """Render HTML already made from ``template`` to ``target``; keep it in ``cache`` under
    ``key`` (computed when not given)."""
    pdf = pdf_of(renderer, html, stamped)
    write_bytes(pdf, target)
    if cache is not None:
        cache.store(key or cache.key(template, html, stamped), pdf)
    return target


def write_through(
    cache: RenderCache | None,
    key: str | None,
    target: Path,
    make: Callable[[], bytes],
    suffix: str = ".pdf",
) -> Rendered:
    """The file kept in ``cache`` under ``key`` copied to ``target``; or, when there is none,
    what ``make`` makes, written there and kept."""
    if cache is not None and cache.fetch(key, target, suffix=suffix):
        return Rendered(target, reused=True)
    data = make()
    write_bytes(data, target)
    if cache is not None:
        cache.store(key, data, suffix=suffix)
    return Rendered(target)


def render_cached(
    renderer: Renderer,
    template: str,
    context: dict,
    target: Path,
    cache: RenderCache | None = None,
    *,
    convert: Callable[[bytes], bytes] = bytes,
    suffix: str = ".pdf",
) -> Rendered:
    """Render one template to ``target``, or take the same file from ``cache``: the PDF
    stamped with ``context["as_of"]`` whose HTML, template and environment are the same, or
    what ``convert`` makes of it (a picture), kept under its own ``suffix``."""
    html = html_of(renderer, template, context)
    stamped = context["as_of"]
    key = cache.key(template, html, stamped) if cache is not None else None
    return write_through(
        cache, key, target, lambda: convert(pdf_of(renderer, html, stamped)), suffix
    )


def render_pdf(
    renderer: Renderer,
    template: str,
    context: dict,
    target: Path,
    cache: RenderCache | None = None,
) -> Rendered:
    """Render one template to ``target`` as PDF, through ``cache`` (render_cached)."""
    return render_cached(renderer, template, context, target, cache)


def write_pdf(renderer: Renderer, template: str, context: dict, target: Path) -> Path:
    """Render one template to ``target``; rewrite the file only when its bytes change."""
    return render_pdf(renderer, template, context, target).path

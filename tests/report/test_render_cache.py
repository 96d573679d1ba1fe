"""The render cache: a document whose content has not changed is copied, byte for byte, from
the PDF rendered before; anything it shows, its date, its templates changed: rendered anew.

Real PDFs rendered by WeasyPrint and read back with pypdf; the parallel path spawns real
worker processes.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from flows.render import (
    FOLLOWUP_TEMPLATE,
    render_documents,
    render_followup_list,
    render_followup_lists,
)
from flows.render.cache import RenderCache
from flows.render.pdf import get_renderer, render_pdf
from flows.settings import get_settings
from tests.pdf import pdf_text, squeeze
from tests.report.basic_data import AS_OF, build_results, yongchun

REGISTER_DAY = date(2023, 6, 1)  # the township's register, two days before the run


def people(count: int, villages: tuple[str, ...] = ("桂洋村", "陈坂村")) -> pd.DataFrame:
    """``count`` made-up masked people to visit, sorted by village."""
    return pd.DataFrame(
        {
            "village": [villages[k * len(villages) // count] for k in range(count)],
            "id_masked": [f"350525********{k:04d}" for k in range(count)],
            "name_masked": ["陈*", "林**"] * (count // 2) + ["黄*"] * (count % 2),
            "status": ["未参保", "断缴"] * (count // 2) + ["未参保"] * (count % 2),
            "last_year": ["未缴费", "已缴费"] * (count // 2) + ["未缴费"] * (count % 2),
        }
    )


@pytest.fixture(scope="module")
def campaign():
    return yongchun()


def open_cache(directory: Path, settings=None) -> RenderCache:
    settings = settings or get_settings()
    return RenderCache.open(directory, settings.templates_dir, settings.fonts_dir)


def test_a_hit_is_byte_identical_to_rendering_afresh_and_a_change_misses(campaign, tmp_path):
    settings = get_settings()
    fresh = render_followup_list(
        campaign, REGISTER_DAY, "桂洋镇", people(40), tmp_path / "fresh", settings
    )
    cache = open_cache(tmp_path / "cache")
    renderer = get_renderer(settings.templates_dir, settings.fonts_dir)

    def render(context_people: pd.DataFrame, day: date, folder: str):
        from flows.render.followup_list import followup_context

        context = followup_context(campaign, day, "桂洋镇", context_people)
        target = tmp_path / folder / "随访名单_桂洋镇.pdf"
        target.parent.mkdir(exist_ok=True)
        return render_pdf(renderer, FOLLOWUP_TEMPLATE, context, target, cache)

    first = render(people(40), REGISTER_DAY, "first")
    assert not first.reused
    assert first.path.read_bytes() == fresh.read_bytes()
    assert len(list(cache.directory.glob("*.pdf"))) == 1

    again = render(people(40), REGISTER_DAY, "again")
    assert again.reused
    assert again.path.read_bytes() == fresh.read_bytes()
    # a copy: an output annotated in place leaves the stored file as it was
    stored = next(cache.directory.glob("*.pdf"))
    assert not os.path.samefile(again.path, stored)
    with open(again.path, "ab") as annotated:
        annotated.write(b"% annotated by an official\n")
    assert stored.read_bytes() == fresh.read_bytes()

    changed = people(40)
    changed.loc[3, "status"] = "未参保"  # one person shown differently
    assert not render(changed, REGISTER_DAY, "changed").reused
    later = render(people(40), date(2023, 6, 2), "later")  # same people, a later register
    assert not later.reused
    assert later.path.read_bytes() != fresh.read_bytes()
    assert len(list(cache.directory.glob("*.pdf"))) == 3


def test_a_hit_leaves_a_target_that_already_holds_the_bytes_alone(campaign, tmp_path):
    settings = get_settings()
    cache = open_cache(tmp_path / "cache")
    path = render_followup_list(
        campaign, REGISTER_DAY, "桂洋镇", people(10), tmp_path / "out", settings, cache
    )
    copy = tmp_path / "copy.pdf"
    shutil.copyfile(path, copy)
    path.unlink()
    shutil.copyfile(copy, path)  # same bytes, another file (as a rerun's target would be)
    inode = path.stat().st_ino
    render_followup_list(
        campaign, REGISTER_DAY, "桂洋镇", people(10), tmp_path / "out", settings, cache
    )
    assert path.stat().st_ino == inode
    assert path.read_bytes() == copy.read_bytes()


def test_changed_templates_miss(campaign, tmp_path):
    settings = get_settings()
    cache = open_cache(tmp_path / "cache")
    render_followup_list(
        campaign, REGISTER_DAY, "桂洋镇", people(10), tmp_path / "a", settings, cache
    )
    templates = tmp_path / "templates"
    shutil.copytree(settings.templates_dir, templates)
    style = templates / "css" / "style.css"
    style.write_text(style.read_text(encoding="utf-8") + "\n/* a changed rule */\n", "utf-8")
    edited = dataclasses.replace(settings, templates_dir=templates)
    edited_cache = open_cache(tmp_path / "cache", edited)
    assert edited_cache.environment != cache.environment
    render_followup_list(
        campaign, REGISTER_DAY, "桂洋镇", people(10), tmp_path / "b", edited, edited_cache
    )
    assert len(list(cache.directory.glob("*.pdf"))) == 2  # rendered anew, not taken


def test_the_list_shows_and_is_stamped_with_its_registers_date(campaign, tmp_path):
    [done] = render_followup_lists(
        campaign,
        AS_OF,
        {"桂洋镇": people(20)},
        tmp_path,
        get_settings(),
        dates={"桂洋镇": REGISTER_DAY},
    )
    text = squeeze(pdf_text(done.path))
    assert "桂洋镇基本医保未参保及断缴人员随访名单（数据截至6月1日）" in text
    assert "据桂洋镇2023年6月1日报送的户籍人员参保名册" in text
    assert "6月3日" not in text
    metadata = PdfReader(done.path).metadata
    assert metadata.creation_date.date() == REGISTER_DAY
    assert metadata.modification_date.date() == REGISTER_DAY


def test_parallel_lists_render_only_what_the_cache_lacks(campaign, tmp_path):
    """Three townships rendered in worker processes; the next night one has a new register:
    only its list is rendered, the other two are the very same files."""
    settings = get_settings()
    cache = open_cache(tmp_path / "cache")
    lists = {"桂洋镇": people(60), "湖洋镇": people(30, ("锦溪村",)), "下洋镇": people(12)}
    dates = dict.fromkeys(lists, REGISTER_DAY)
    first = list(
        render_followup_lists(
            campaign, AS_OF, lists, tmp_path / "night1", settings, dates=dates, cache=cache
        )
    )
    assert sorted(done.reused for done in first) == [False, False, False]

    lists["湖洋镇"] = people(29, ("锦溪村",))
    dates["湖洋镇"] = date(2023, 6, 3)
    second = list(
        render_followup_lists(
            campaign, AS_OF, lists, tmp_path / "night2", settings, dates=dates, cache=cache
        )
    )
    reused = {done.path.name: done.reused for done in second}
    assert reused == {
        "随访名单_桂洋镇.pdf": True,
        "随访名单_湖洋镇.pdf": False,
        "随访名单_下洋镇.pdf": True,
    }
    fresh = tmp_path / "fresh"
    for township, frame in lists.items():
        expected = render_followup_list(
            campaign, dates[township], township, frame, fresh, settings
        ).read_bytes()
        assert (tmp_path / "night2" / f"随访名单_{township}.pdf").read_bytes() == expected
    assert "湖洋镇" in squeeze(pdf_text(tmp_path / "night2" / "随访名单_湖洋镇.pdf"))


def test_county_documents_are_reused_on_a_rerun_of_the_date(campaign, tmp_path):
    settings = get_settings()
    results = build_results(campaign)
    cache = open_cache(tmp_path / "cache")
    first = render_documents(campaign, AS_OF, results, tmp_path / "first", settings, cache)
    again = render_documents(campaign, AS_OF, results, tmp_path / "again", settings, cache)
    assert [done.reused for done in first] == [False] * len(first)
    assert [done.reused for done in again] == [True] * len(again)
    fresh = render_documents(campaign, AS_OF, results, tmp_path / "fresh", settings)
    for hit, new in zip(again, fresh, strict=True):
        assert hit.path.read_bytes() == new.path.read_bytes(), hit.path.name


def test_a_stale_partial_link_left_by_a_killed_run_never_writes_into_the_cache(campaign, tmp_path):
    settings = get_settings()
    cache = open_cache(tmp_path / "cache")
    out = tmp_path / "out"
    path = render_followup_list(campaign, REGISTER_DAY, "桂洋镇", people(10), out, settings, cache)
    [stored] = cache.directory.glob("*.pdf")
    kept = stored.read_bytes()
    os.link(stored, path.with_name(path.name + ".part"))  # killed between link and rename
    render_followup_list(campaign, REGISTER_DAY, "桂洋镇", people(11), out, settings, cache)
    assert stored.read_bytes() == kept
    assert path.read_bytes() != kept

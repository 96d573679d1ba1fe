"""Ingest: every entry of the drop zone and every delivery of a day is accounted for."""

from __future__ import annotations

from flows.ingest import discover_extracts, survey_drop_zone


def test_every_entry_of_the_drop_zone_is_read_or_named_with_why(tmp_path):
    for name in (
        "龙津镇_2024-11-13.csv",
        "..嵩溪镇_2024-11-13.csv",  # a leading dot is part of the name on a Windows PC
        "~$温郊乡_2024-11-13.xlsx",
        "._龙津镇_2024-11-13.csv",
        ".DS_Store",
        "灵地镇_2024-11-13.pdf",
    ):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "旧文件").mkdir()
    zone = survey_drop_zone(tmp_path)
    assert sorted(p.name for p in zone.extracts) == [
        "..嵩溪镇_2024-11-13.csv",
        "龙津镇_2024-11-13.csv",
    ]
    assert discover_extracts(tmp_path) == zone.extracts
    skipped = {entry.file_name: entry for entry in zone.skipped}
    assert sorted(skipped) == sorted(
        [".DS_Store", "._龙津镇_2024-11-13.csv", "~$温郊乡_2024-11-13.xlsx", "旧文件",
         "灵地镇_2024-11-13.pdf"]
    )  # fmt: skip
    assert {entry.status for entry in zone.skipped} == {"skipped"}
    assert "临时锁定文件" in skipped["~$温郊乡_2024-11-13.xlsx"].reason
    assert "格式不受支持" in skipped["灵地镇_2024-11-13.pdf"].reason
    assert "文件夹" in skipped["旧文件"].reason
    # what a township may have meant to send is a warning; Excel's own lock file is not
    assert skipped["灵地镇_2024-11-13.pdf"].warnings == [skipped["灵地镇_2024-11-13.pdf"].reason]
    assert skipped["~$温郊乡_2024-11-13.xlsx"].warnings == []
    assert skipped["~$温郊乡_2024-11-13.xlsx"].error is None

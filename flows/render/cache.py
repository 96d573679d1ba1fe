"""The render cache: each PDF (and each PNG made of one, flows/render/phone.py) kept under the
digest of everything that determines its bytes, so that a document whose content has not
changed is copied, not laid out again.

The digest (RenderCache.key) covers:

- the HTML the template makes of the context: the whole context as the template, its
  includes and the filters print it (a value the document does not show cannot change it);
- the template's name and every file in the templates folder (stylesheets, the images and
  rules the HTML links relative to it, fonts.css);
- the font files in the fonts folder (by content, re-read only when a file's size or time
  changes) and the list of fonts fontconfig knows (a licensed face installed on the office PC
  comes before the bundled one in fonts.css);
- the versions of the libraries that lay out, subset and write the PDF, and Pango's, and of
  the one that rasterises pictures for phones (pypdfium2);
- the date stamped into the PDF (SOURCE_DATE_EPOCH, flows/render/pdf.py).

A hit copies the stored file to the target (an output an official edits in place never
changes the store); every write goes through a temporary name and a rename, so that neither a
stored file nor an output is ever changed in place by canbao. Delete the folder to start
afresh; nothing else needs it.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Bump when the way a key is made changes, so that old entries are no longer found.
KEY_VERSION = "1"
# What turns HTML into PDF bytes besides our own files.
LIBRARIES = (
    "weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2", "tinyhtml5", "pyphen", "pillow",
    "pypdfium2",
)  # fmt: skip


@lru_cache(maxsize=64)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    """A file's sha256, read again only when its size or modification time changes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def folder_digest(folder: Path) -> str:
    """Every file under ``folder`` by relative path and content."""
    digest = hashlib.sha256()
    folder = Path(folder)
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(_file_digest(str(path), stat.st_size, stat.st_mtime_ns).encode())
    return digest.hexdigest()


def _library_versions() -> str:
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    from weasyprint.text.ffi import pango

    versions.append(f"pango={pango.pango_version()}")
    return ";".join(versions)


def _system_fonts() -> str:
    """The font files fontconfig knows, sorted; empty where fc-list is not installed."""
    try:
        listed = subprocess.run(
            ["fc-list", "--format", "%{file}\\n"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return "\n".join(sorted(set(listed.splitlines())))


def environment_digest(templates_dir: Path, fonts_dir: Path) -> str:
    """What every document's bytes depend on besides its own HTML and date."""
    parts = [
        f"templates={folder_digest(templates_dir)}",
        f"fonts={folder_digest(fonts_dir)}",
        f"system_fonts={hashlib.sha256(_system_fonts().encode()).hexdigest()}",
        _library_versions(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class RenderCache:
    """Rendered PDFs in ``directory`` by key; ``environment`` is environment_digest's value
    for the templates and fonts this run renders with (taken once per run)."""

    directory: Path
    environment: str

    @classmethod
    def open(cls, directory: Path, templates_dir: Path, fonts_dir: Path) -> RenderCache:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        return cls(directory, environment_digest(templates_dir, fonts_dir))

    def key(self, template: str, html: str, stamped: datetime.date) -> str:
        digest = hashlib.sha256()
        for part in (KEY_VERSION, self.environment, template, stamped.isoformat()):
            digest.update(part.encode() + b"\0")
        digest.update(html.encode())
        return digest.hexdigest()

    def path(self, key: str, suffix: str = ".pdf") -> Path:
        return self.directory / f"{key}{suffix}"

    def fetch(self, key: str, target: Path, suffix: str = ".pdf") -> bool:
        """Put the stored file of ``key`` (a PDF, or a PNG) at ``target``; False when there
        is none."""
        stored = self.path(key, suffix)
        if not stored.is_file():
            return False
        place(stored, Path(target))
        return True

    def store(self, key: str, data: bytes, suffix: str = ".pdf") -> None:
        stored = self.path(key, suffix)
        if stored.is_file():
            return
        partial = stored.with_name(f"{stored.name}.{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(stored)


def place(stored: Path, target: Path) -> None:
    """``target`` becomes a copy of ``stored``; a target that already holds those bytes is left
    as it is. A copy, not a link: an official who fills in or annotates an output in place
    must not change what the store hands out the next night."""
    if target.exists() and target.read_bytes() == stored.read_bytes():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    shutil.copyfile(stored, partial)
    partial.replace(target)


def source_digest(*modules: object) -> str:
    """The source text of ``modules``: what lays out a file canbao writes itself."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def cached_output(directory: Path, key: str, target: Path, make: Callable[[Path], Path]) -> bool:
    """``target`` from the store when ``key`` was made before, else made by ``make(target)``
    and stored; True when it came from the store."""
    directory = Path(directory)
    stored = directory / f"{key}{Path(target).suffix}"
    if stored.is_file():
        place(stored, Path(target))
        return True
    make(Path(target))
    directory.mkdir(parents=True, exist_ok=True)
    partial = stored.with_name(f"{stored.name}.{os.getpid()}.part")
    shutil.copyfile(target, partial)
    partial.replace(stored)
    return False

"""Reading PDFs back for tests: text and fonts through poppler-utils."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed; run scripts/install_fonts.sh")
    return path


def pdf_text(path: Path, layout: bool = False) -> str:
    """Text of a PDF in reading order (or laid out in columns with ``layout``)."""
    mode = ["-layout"] if layout else []
    result = subprocess.run(
        [need("pdftotext"), *mode, str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def squeeze(text: str) -> str:
    """Drop all whitespace: letter spacing and line breaks split words in extracted text."""
    return "".join(text.split())


def pdf_fonts(path: Path) -> list[dict]:
    result = subprocess.run(
        [need("pdffonts"), str(path)], capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()[2:]  # header and dashes
    fonts = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the flags are the 5th-3rd from the end
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return fonts

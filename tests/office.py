"""LibreOffice, headless, as a real office client for tests: convert what canbao writes
(XLSX, DOCX) to PDF the way an office PC would open it. Tests skip where it is not installed
(scripts/setup.sh test installs it where apt-get is available)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# LibreOffice's module libraries: a document opens only where its module is installed
MODULES = {".xlsx": ("libsclo.so", "Calc"), ".docx": ("libswlo.so", "Writer")}


def soffice_for(document: Path) -> str:
    """The soffice program, when it can open ``document``; else the test is skipped."""
    found = shutil.which("soffice")
    if found is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    library, module = MODULES[Path(document).suffix]
    if not (Path(os.path.realpath(found)).parent / library).exists():
        pytest.skip(f"LibreOffice {module} is not installed")
    return found


def convert_to_pdf(document: Path, out_dir: Path) -> Path:
    """``document`` converted to PDF by LibreOffice headless, in ``out_dir``; fails the test
    when LibreOffice cannot open or convert it."""
    program = soffice_for(document)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".libreoffice-profile"  # its own, so that runs never share one
    result = subprocess.run(
        [
            program,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(document),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    pdf = out_dir / (Path(document).stem + ".pdf")
    assert result.returncode == 0 and pdf.exists(), result.stdout + result.stderr
    return pdf

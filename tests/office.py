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


# The faces a 通报.docx names (flows/config.DocxFonts), as the office PC has them: here the
# Fandol faces canbao's PDFs fall back to (report_templates/css/fonts.css), so that
# LibreOffice lays the document out with the PDF's metrics.
OFFICE_FACES = {
    "方正小标宋简体": ("FandolSong", "bold"),
    "仿宋_GB2312": ("FandolFang", "regular"),
    "楷体_GB2312": ("FandolKai", "regular"),
    "黑体": ("FandolHei", "regular"),
    "宋体": ("FandolSong", "regular"),
}


def office_fonts(fonts_dir: Path, out_dir: Path) -> Path:
    """A fontconfig file: the system's fonts, ``fonts_dir``, and OFFICE_FACES."""
    rules = "".join(
        f'<match target="pattern"><test name="family"><string>{name}</string></test>'
        f'<edit name="family" mode="assign" binding="same"><string>{face}</string></edit>'
        f'<edit name="weight" mode="assign"><const>{weight}</const></edit></match>'
        for name, (face, weight) in OFFICE_FACES.items()
    )
    config = out_dir / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{Path(fonts_dir).resolve()}</dir>{rules}</fontconfig>",
        encoding="utf-8",
    )
    return config


def convert_to_pdf(document: Path, out_dir: Path, fonts_dir: Path | None = None) -> Path:
    """``document`` converted to PDF by LibreOffice headless, in ``out_dir`` (with the faces
    of ``fonts_dir`` under the names offices use, when given); fails the test when
    LibreOffice cannot open or convert it."""
    program = soffice_for(document)
    out_dir.mkdir(parents=True, exist_ok=True)
    assert Path(document).parent.resolve() != out_dir.resolve(), "would overwrite its PDF"
    profile = out_dir / ".libreoffice-profile"  # its own, so that runs never share one
    env = dict(os.environ)
    if fonts_dir is not None:
        env["FONTCONFIG_FILE"] = str(office_fonts(fonts_dir, out_dir))
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
        env=env,
    )
    pdf = out_dir / (Path(document).stem + ".pdf")
    assert result.returncode == 0 and pdf.exists(), result.stdout + result.stderr
    return pdf

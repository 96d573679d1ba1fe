"""Convert CFF-flavoured OpenType fonts (.otf) to TrueType outlines (.ttf).

WeasyPrint subsets every font it embeds; for CFF fonts that costs 0.3-0.7 s per
face (6 s for Noto CJK), for TrueType (glyf) faces about 0.03 s. Converting the
Fandol fonts once at install time keeps every PDF render fast.

Usage: python scripts/otf2ttf.py OUT_DIR FONT.otf [FONT.otf ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

# Maximum distance between the cubic and its quadratic approximation, in em units
# per 1000 (1.0 is the fontTools default used by its own otf2ttf snippet).
MAX_ERR = 1.0
POST_FORMAT = 2.0
REVERSE_DIRECTION = True


def glyphs_to_quadratic(glyph_set, glyph_order: list[str], max_err: float = MAX_ERR) -> dict:
    """Draw every CFF glyph through cu2qu into TrueType glyph objects."""
    quad_glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=REVERSE_DIRECTION))
        quad_glyphs[name] = pen.glyph()
    return quad_glyphs


def otf_to_ttf(source: Path, target: Path, max_err: float = MAX_ERR) -> None:
    """Write ``target`` as a glyf-outline copy of the CFF font ``source``."""
    # Keep the source's head.modified: a timestamp of the conversion would make every
    # install's fonts (and so every PDF embedding them) differ byte for byte.
    font = TTFont(str(source), recalcTimestamp=False)
    if font.sfntVersion != "OTTO" or "CFF " not in font:
        raise ValueError(f"{source} is not a CFF-flavoured OpenType font")
    glyph_order = font.getGlyphOrder()

    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs_to_quadratic(font.getGlyphSet(), glyph_order, max_err)
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    for glyph in glyf.glyphs.values():
        glyph.recalcBounds(glyf)

    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    maxp.maxTwilightPoints = 0
    maxp.maxStorage = 0
    maxp.maxFunctionDefs = 0
    maxp.maxInstructionDefs = 0
    maxp.maxStackElements = 0
    maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = max(
        len(g.components if hasattr(g, "components") else []) for g in glyf.glyphs.values()
    )
    maxp.compile(font)

    post = font["post"]
    post.formatType = POST_FORMAT
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = glyph_order
    try:
        post.compile(font)
    except OverflowError:
        post.formatType = 3
    font.sfntVersion = "\000\001\000\000"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".ttf.part")
    font.save(str(tmp))
    tmp.replace(target)


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = Path(argv[1])
    for name in argv[2:]:
        source = Path(name)
        target = out_dir / (source.stem + ".ttf")
        otf_to_ttf(source, target)
        print(f"{source.name} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

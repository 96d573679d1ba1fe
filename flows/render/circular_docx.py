"""通报.docx: the circular as an office edits it in Word or WPS before it is stamped and sent.

Same words as 通报.pdf, because they come from the same place: the circular's own template
(circular.html or basic_circular.html) is rendered with the same context, and the HTML is read
back here into its parts (the frame's office mark, number, title, recipients, signature and
date; the body's paragraphs, headings and run-in 楷体 headings; the attachment's tables). No
sentence is written twice.

The layout is GB/T 9704-2012's, as css/page.css and css/style.css set it for the PDF: A4, top
margin 37 mm, left 28 mm, text block 156 x 225 mm, a document grid of 22 lines of 28
characters, the issuing office in red 小标宋, the red rule 4 mm under the document number,
body in 仿宋 三号 with 黑体 and 楷体 headings, "— 1 —" page numbers right on odd pages and left
on even ones, the ranking as the attachment on a landscape section. Every element has a named
style (公文正文, 一级标题, ...), so that an office can restyle the document in Word itself.

Fonts are named as offices have them installed ([docx] in the campaign file), each with the
face Word or WPS takes when it is missing (w:altName in the font table) and the GB2312
character set, so that a PC without 方正小标宋简体 still shows a Song face, not a Latin one.

Written with python-docx: a maintained library that builds the document's XML directly, with
no office suite or template engine needed at run time. The file's bytes depend only on what it
shows and on the as-of date: the core properties are dated with it and every member of the zip
is stamped with it.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import importlib.metadata
import io
import math
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor
from lxml import etree

from flows.config import DocxFonts
from flows.render.cache import RenderCache, source_digest
from flows.render.pdf import Rendered, write_bytes

# --- What the circular says: its parts, read back from its HTML ---------------------------


@dataclass
class Run:
    text: str
    style: str = ""  # "" (the paragraph's), or "kai": a run-in 楷体 heading （一）……。


@dataclass
class Paragraph:
    runs: list[Run]
    kind: str = "text"  # text | heading (一、……, 黑体) | group (a ranking group's title) | note


@dataclass
class Cell:
    text: str  # line breaks where the template puts <br>
    span: int = 1
    classes: frozenset[str] = frozenset()


@dataclass
class Table:
    classes: frozenset[str]
    header: list[Cell]
    rows: list[tuple[frozenset[str], list[Cell]]]


@dataclass
class CircularParts:
    office_mark: str
    doc_number: str | None
    title_parts: list[str]
    recipients: str
    body: list[Paragraph]
    attachment_note: tuple[str, str]  # "附件：", its title
    signature: str
    date: str
    attachment_label: str
    attachment_title: str
    attachment_subtitle: str
    attachment: list[Paragraph | Table] = field(default_factory=list)


def _text(element) -> str:
    """An element's text as shown: <br> as a line break, runs of white space as one space."""
    element = copy.deepcopy(element)
    for br in element.iter("br"):
        br.tail = "\n" + (br.tail or "")
    lines = element.text_content().split("\n")
    return "\n".join(re.sub(r"\s+", " ", line).strip() for line in lines).strip()


def _classes(element) -> frozenset[str]:
    return frozenset((element.get("class") or "").split())


def _runs(element) -> list[Run]:
    """A body paragraph's runs: a span.level-2 is a 楷体 run, the rest the paragraph's."""
    runs = []
    if element.text:
        runs.append(Run(element.text))
    for child in element:
        style = "kai" if "level-2" in _classes(child) else ""
        runs.append(Run(_text(child) if style else child.text_content(), style))
        if child.tail:
            runs.append(Run(child.tail))
    merged: list[Run] = []
    for run in runs:
        text = re.sub(r"\s+", " ", run.text)
        if merged and merged[-1].style == run.style:
            merged[-1].text += text
        elif text:
            merged.append(Run(text, run.style))
    if merged:
        merged[0].text = merged[0].text.lstrip()
        merged[-1].text = merged[-1].text.rstrip()
    return [run for run in merged if run.text]


def _table(element) -> Table:
    header = [
        Cell(_text(th), int(th.get("colspan", 1)), _classes(th))
        for th in element.xpath("./thead/tr[1]/th")
    ]
    rows = [
        (
            _classes(tr),
            [Cell(_text(td), int(td.get("colspan", 1)), _classes(td)) for td in tr.xpath("./td")],
        )
        for tr in element.xpath("./tbody/tr")
    ]
    return Table(_classes(element), header, rows)


def parse_circular(html: str) -> CircularParts:
    """The parts of a 通报 rendered from a template extending circular_base.html."""
    root = lxml.html.fromstring(html)
    main = root.xpath("//main[contains(concat(' ', @class, ' '), ' circular ')]")[0]

    def one(path: str):
        found = main.xpath(path)
        return found[0] if found else None

    body = []
    for child in one("./section[@class='body']"):
        if child.tag == "h2":
            body.append(Paragraph([Run(_text(child))], "heading"))
        elif child.tag == "p":
            body.append(Paragraph(_runs(child)))
    note = one(".//p[@class='attachment-note']")
    label = note.xpath("./span[@class='label']")[0]
    signature = one(".//div[@class='signature']").xpath("./p")
    attachment = []
    section = one("./section[@class='attachment']")
    for child in section:
        classes = _classes(child)
        if child.tag == "table":
            attachment.append(_table(child))
        elif "group-title" in classes:
            attachment.append(Paragraph([Run(_text(child))], "group"))
        elif "attachment-note-small" in classes or "doc-footnote" in classes:
            attachment.append(Paragraph([Run(_text(child))], "note"))
    number = one(".//p[@class='doc-number']")
    return CircularParts(
        office_mark=_text(one(".//h1[@class='office-mark']")),
        doc_number=_text(number) if number is not None else None,
        title_parts=[_text(part) for part in main.xpath(".//h2[@class='title']/span")],
        recipients=_text(one("./p[@class='recipients']")),
        body=body,
        attachment_note=(_text(label), _text(note)[len(_text(label)) :].strip()),
        signature=_text(signature[0]),
        date=_text(signature[1]),
        attachment_label=_text(one(".//p[@class='attachment-label']")),
        attachment_title=_text(one(".//h1[@class='attachment-title']")),
        attachment_subtitle=_text(one(".//p[@class='attachment-subtitle']")),
        attachment=attachment,
    )


# --- The page: GB/T 9704-2012, as css/page.css and css/style.css set it ---------------------

RED = RGBColor(0xE6, 0x00, 0x12)  # --red in css/variables.css
HEADER_FILL = "F2F2F2"  # --header-fill
SIZE_2, SIZE_3, SIZE_4, SIZE_SMALL_4, SIZE_5 = 22, 16, 14, 12, 10.5  # 二号 三号 四号 小四 五号
LINE = 28.95  # pt: 225 mm / 22 lines is 28.99 pt; 28.95 keeps 22 safely inside, as the CSS
TEXT_WIDTH_MM, TEXT_HEIGHT_MM, CHARS = 156, 225, 28
# Word's line grid, in twentieths of a point: 22 lines in 225 mm
LINE_PITCH = round(LINE * 20)
# 28 characters of 三号 (16 pt) need 448 pt, 156 mm is 442.2 pt: each character condensed
# by 0.25 pt (w:spacing, in twentieths of a point; the PDF's letter-spacing is -0.23 pt)
CONDENSED = math.floor((TEXT_WIDTH_MM * 72 / 25.4 / CHARS - SIZE_3) * 20)
ATTACHMENT_MARGINS_MM = (18, 26, 22, 28)  # top right bottom left, @page official-attachment
PAGE_NUMBER_GAP_MM = 7  # the page number's top 7 mm under the text block

# A face an office may not have, and the one Word or WPS takes instead (w:altName); a face
# not listed falls back to its role's. The family tells a client what kind of face to look
# for when it has neither.
FALLBACKS = {
    "方正小标宋简体": "宋体",
    "方正小标宋_GBK": "宋体",
    "仿宋_GB2312": "仿宋",
    "楷体_GB2312": "楷体",
    "黑体": "SimHei",
    "宋体": "SimSun",
    "仿宋": "FangSong",
    "楷体": "KaiTi",
}
ROLE_FALLBACKS = {
    "title": "宋体",
    "body": "仿宋",
    "heading": "黑体",
    "kai": "楷体",
    "number": "宋体",
}
ROLE_FAMILIES = {"title": "roman", "body": "modern", "heading": "modern", "kai": "modern",
                 "number": "auto"}  # fmt: skip
GB2312 = "86"  # w:charset of a Simplified Chinese face


def fonts_of(fonts: DocxFonts) -> dict[str, str]:
    return {
        "title": fonts.title,
        "body": fonts.body,
        "heading": fonts.heading,
        "kai": fonts.kai,
        "number": fonts.page_number,
    }


def set_fonts(rpr, name: str) -> None:
    """Every script of a run (or style) in ``name``: Chinese, and digits and Latin letters
    too, as the PDF sets them; theme fonts, which would win over a name, removed."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        _replace(rpr, fonts)
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _element(tag: str, **attributes: str):
    element = OxmlElement(tag)
    for key, value in attributes.items():
        element.set(qn(f"w:{key}"), str(value))
    return element


# The order WordprocessingML requires of the children of these elements (ECMA-376 Part 1,
# 17.3.1.26, 17.3.2.28, 17.4.42, 17.4.60, 17.6.17): Word refuses a file that breaks it.
ORDER = {
    "w:pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
    "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct "
    "topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind "
    "contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "w:rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss "
    "imprint noProof snapToGrid vanish webHidden color spacing w kern position sz szCs "
    "highlight u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish "
    "oMath",
    "w:tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection "
    "tcFitText vAlign hideMark",
    "w:tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize "
    "tblStyleColBandSize tblW jc tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar "
    "tblLook tblCaption tblDescription",
    "w:sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar "
    "paperSrc pgBorders lnNumType pgNumType cols formProt vAlign noEndnote titlePg "
    "textDirection bidi rtlGutter docGrid printerSettings sectPrChange",
}
ORDER = {qn(parent): [qn(f"w:{name}") for name in names.split()] for parent, names in ORDER.items()}


def _replace(parent, child) -> None:
    """Put ``child`` in ``parent`` in place of any element of its tag, where the schema's
    order puts it."""
    for old in parent.findall(child.tag):
        parent.remove(old)
    order = ORDER[parent.tag]
    later = set(order[order.index(child.tag) + 1 :])
    following = next((element for element in parent if element.tag in later), None)
    if following is None:
        parent.append(child)
    else:
        following.addprevious(child)


def _indent_chars(paragraph_format, *, first_line=0, left=0, right=0, size=SIZE_3) -> None:
    """Indents in characters (w:firstLineChars, ...), which Word and WPS keep when the font
    size changes, with their length in points beside them for other readers."""
    ind = paragraph_format.element.get_or_add_pPr().get_or_add_ind()
    for name, chars in (("firstLine", first_line), ("left", left), ("right", right)):
        if chars:
            ind.set(qn(f"w:{name}"), str(round(chars * size * 20)))
            ind.set(qn(f"w:{name}Chars"), str(round(chars * 100)))


def _no_grid(paragraph_format) -> None:
    """A paragraph laid out by its own line height, not snapped to the document grid."""
    _replace(paragraph_format.element.get_or_add_pPr(), _element("w:snapToGrid", val="0"))


def _style(document, name: str, role: str, fonts: dict, size: float, **options):
    """A paragraph style on 正文 (Normal) in the font of ``role``."""
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    set_fonts(style.element.get_or_add_rPr(), fonts[role])
    style.font.size = Pt(size)
    style.font.bold = False
    if options.get("colour"):
        style.font.color.rgb = options["colour"]
    form = style.paragraph_format
    form.alignment = options.get("align", WD_ALIGN_PARAGRAPH.JUSTIFY)
    form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    form.line_spacing = Pt(options.get("line", LINE))
    form.space_before = Pt(options.get("before", 0))
    form.space_after = Pt(options.get("after", 0))
    form.widow_control = False
    if options.get("keep"):
        form.keep_with_next = True
    if options.get("first_line"):
        _indent_chars(form, first_line=options["first_line"], size=size)
    if options.get("grid") is False:
        _no_grid(form)
    if options.get("condensed"):
        _replace(style.element.get_or_add_rPr(), _element("w:spacing", val=CONDENSED))
    return style


CENTRED, LEFT, RIGHT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT
TEXT = {"condensed": True}  # the circular's text: 28 characters a line
# The stylesheet: (name, font role, size in pt, options), the values of css/style.css
PARAGRAPH_STYLES = [
    # top edge 35 mm under the text block's top; two lines, the number; two lines, the title
    ("发文机关标志", "title", 36, {"colour": RED, "align": CENTRED, "line": 36 * 1.2,
                                  "before": Mm(35).pt, "grid": False}),
    ("发文字号", "body", SIZE_3, {"align": CENTRED, "before": 2 * LINE, **TEXT}),
    ("公文标题", "title", SIZE_2, {"align": CENTRED, "line": SIZE_2 * 1.4, "before": 2 * LINE,
                               "grid": False}),
    ("主送机关", "body", SIZE_3, {"before": LINE, **TEXT}),
    ("公文正文", "body", SIZE_3, {"first_line": 2, **TEXT}),
    ("一级标题", "heading", SIZE_3, {"first_line": 2, "keep": True, **TEXT}),
    ("附件说明", "body", SIZE_3, {"first_line": 2, "before": LINE, "keep": True, **TEXT}),
    # three lines of room for the seal above the office's name
    ("发文机关署名", "body", SIZE_3, {"align": RIGHT, "before": 3 * LINE, "keep": True, **TEXT}),
    ("成文日期", "body", SIZE_3, {"align": RIGHT, **TEXT}),
    ("附件标识", "heading", SIZE_3, {"align": LEFT, "line": SIZE_3 * 1.5, "grid": False}),
    ("附件标题", "title", 18, {"align": CENTRED, "line": 18 * 1.5, "before": 2, "after": 4,
                             "grid": False}),
    ("附件副标题", "kai", SIZE_SMALL_4, {"align": CENTRED, "line": SIZE_SMALL_4 * 1.5,
                                    "after": 3, "grid": False}),
    # a ranking group of its own (县直单位) under the townships' table
    ("排名分组标题", "body", SIZE_4, {"align": CENTRED, "line": SIZE_4 * 1.5, "before": 14,
                                  "after": 6, "grid": False}),
    ("表格文字", "body", SIZE_SMALL_4, {"align": CENTRED, "line": SIZE_SMALL_4 * 1.3,
                                    "grid": False}),
    ("附件注释", "body", SIZE_5, {"align": LEFT, "line": SIZE_5 * 1.5, "before": 6,
                               "grid": False}),
    ("页码", "number", SIZE_4, {"line": SIZE_4 * 1.2, "grid": False}),
]  # fmt: skip


def define_styles(document, fonts: dict) -> None:
    """Named styles for every element, as offices name them: restyle one, change them all."""
    styles = document.styles
    normal = styles["Normal"]
    set_fonts(normal.element.get_or_add_rPr(), fonts["body"])
    normal.font.size = Pt(SIZE_3)
    # no extra space between Chinese and digits or Latin letters: 28 characters a line, as
    # the PDF sets them ("2025年", not "2025 年")
    normal_pr = normal.element.get_or_add_pPr()
    for setting in ("w:autoSpaceDE", "w:autoSpaceDN"):
        _replace(normal_pr, _element(setting, val=0))
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, fonts["body"])
    # 三号 everywhere by default: the document grid's characters are measured in it
    _replace(rpr, _element("w:sz", val=SIZE_3 * 2))
    _replace(rpr, _element("w:szCs", val=SIZE_3 * 2))
    _replace(rpr, _element("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))
    for name, role, size, options in PARAGRAPH_STYLES:
        _style(document, name, role, fonts, size, **options)
    kai = styles.add_style("二级标题", WD_STYLE_TYPE.CHARACTER)
    set_fonts(kai.element.get_or_add_rPr(), fonts["kai"])
    kai.quick_style = True


def declare_fonts(document, fonts: dict) -> None:
    """The font table names each face with the one to take where it is missing (w:altName),
    its character set (GB2312) and family, as Word writes them for Chinese faces."""
    part = document.part.part_related_by(RT.FONT_TABLE)
    table = etree.fromstring(part.blob)
    named = {font.get(qn("w:name")) for font in table}
    for role, name in fonts.items():
        if name in named:
            continue
        named.add(name)
        fallback = FALLBACKS.get(name, ROLE_FALLBACKS[role])
        font = etree.SubElement(table, qn("w:font"))
        font.set(qn("w:name"), name)
        if fallback != name:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), fallback)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), GB2312)
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), ROLE_FAMILIES[role])
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_grid(section, *, lines: bool) -> None:
    """The section's document grid: 22 lines a page (the circular's pages), or none (the
    attachment's landscape pages, whose table sets its own lines).

    A line grid only: the 28 characters of a line come from the text styles' spacing
    (CONDENSED), as in the PDF, because LibreOffice reads a character grid's pitch
    (w:charSpace) otherwise than Word and spreads each character over two cells."""
    sect_pr = section._sectPr
    grid = _element("w:docGrid", linePitch=LINE_PITCH)
    if lines:
        grid.set(qn("w:type"), "lines")
    _replace(sect_pr, grid)


def page_number_footer(footer, *, odd: bool) -> None:
    """ "— 1 —" in 4号 宋体: right and one character in on odd pages, left on even ones."""
    paragraph = footer.paragraphs[0]
    paragraph.style = "页码"
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    if odd:
        _indent_chars(paragraph.paragraph_format, right=1, size=SIZE_4)
    else:
        _indent_chars(paragraph.paragraph_format, left=1, size=SIZE_4)
    paragraph.add_run("— ")
    field_run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):  # fmt: skip
        if kind:
            field_run._r.append(_element("w:fldChar", fldCharType=kind))
        elif text == " PAGE ":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            field_run._r.append(instruction)
        else:
            shown = OxmlElement("w:t")
            shown.text = text
            field_run._r.append(shown)
    paragraph.add_run(" —")


def set_page(section, *, landscape: bool) -> None:
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        top, right, bottom, left = ATTACHMENT_MARGINS_MM
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        top, left = 37, 28  # GB/T 9704: 天头 37 mm, 订口 28 mm; so 26 mm and 35 mm
        right = 210 - left - TEXT_WIDTH_MM
        bottom = 297 - top - TEXT_HEIGHT_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance = Mm(12)
    # the footer's bottom, so that its line's top is 7 mm under the text block
    section.footer_distance = Emu(Mm(bottom - PAGE_NUMBER_GAP_MM) - Pt(SIZE_4 * 1.2))
    section.gutter = 0


def red_rule(paragraph) -> None:
    """The red rule 4 mm under the document number, as wide as the text block: the number's
    paragraph's lower border."""
    borders = _element("w:pBdr")
    borders.append(_element("w:bottom", val="single", sz=10, space=11, color=str(RED)))
    _replace(paragraph._p.get_or_add_pPr(), borders)


# --- Tables ---------------------------------------------------------------------------------


def display_width(text: str) -> float:
    """Characters in ems: a Chinese character one, a digit or Latin letter about half."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WF" else 0.52 for ch in text)


PT_MM = 25.4 / 72
CELL_PADDING_MM = 1.5  # left and right in every cell, as the PDF's 1.2-1.8 mm


def column_widths(
    table: Table, text_width_mm: float, header_size: float, body_size: float
) -> list[float]:
    """Each column, in mm, as wide as its widest line and its padding, filling the text
    block as the PDF's table does. Where the text block is too narrow for all of them,
    headings wrap first (as the PDF breaks them), numbers and names last."""
    count = sum(cell.span for cell in table.header)

    def widest(size: float, rows: list[list[Cell]]) -> list[float]:
        found = [0.0] * count
        for cells in rows:
            col = 0
            for cell in cells:
                if cell.span == 1 and col < count:
                    ems = max(display_width(line) for line in cell.text.split("\n"))
                    found[col] = max(found[col], ems * size * PT_MM)
                col += cell.span
        return [width + 2 * CELL_PADDING_MM + 1 for width in found]

    header = widest(header_size, [table.header])
    # a heading keeps two characters a line (排名, not 排 over 名)
    least = 2 * header_size * PT_MM + 2 * CELL_PADDING_MM + 1
    body = [
        max(width, min(least, heading))
        for width, heading in zip(
            widest(body_size, [c for _, c in table.rows]), header, strict=True
        )
    ]
    extra = [max(h - b, 0.0) for h, b in zip(header, body, strict=True)]
    room = text_width_mm - sum(body)
    if room <= 0:  # not even the numbers fit: all narrowed alike
        return [text_width_mm * width / sum(body) for width in body]
    share = min(1.0, room / sum(extra)) if sum(extra) else 1.0
    widths = [b + e * share for b, e in zip(body, extra, strict=True)]
    return [text_width_mm * width / sum(widths) for width in widths]


def _shade(cell, fill: str) -> None:
    _replace(cell._tc.get_or_add_tcPr(), _element("w:shd", val="clear", color="auto", fill=fill))


def _cell_text(cell, text: str, *, size: float, align, style: str = "", red: bool = False):
    paragraph = cell.paragraphs[0]
    paragraph.style = "表格文字"
    paragraph.alignment = align
    for number, line in enumerate(text.split("\n")):
        run = paragraph.add_run()
        if number:  # where the template breaks a heading (<br>)
            run.add_break(WD_BREAK.LINE)
        run.add_text(line)
        run.font.size = Pt(size)
        if style:
            set_fonts(run._r.get_or_add_rPr(), style)
        if red:
            run.font.color.rgb = RED


CENTRED_CELLS = {"rank", "name", "status", "progress", "change"}
# (header, body) type sizes of a ranking table on the attachment's pages, as css/style.css
TABLE_SIZES = {"basic-ranking": (SIZE_5, SIZE_5), "progress-ranking": (SIZE_5, SIZE_SMALL_4)}


def add_table(document, table: Table, fonts: dict, text_width_mm: float) -> None:
    """A ranking table: the header row repeated on every page, rows never split, the rates of
    rows below the target and those behind time progress in red, 合计 in 黑体."""
    header_size, body_size = next(
        (sizes for name, sizes in TABLE_SIZES.items() if name in table.classes),
        (SIZE_SMALL_4, SIZE_SMALL_4),
    )
    widths = column_widths(table, text_width_mm, header_size, body_size)
    grid = document.add_table(rows=1 + len(table.rows), cols=len(widths))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    table_pr = grid._tbl.tblPr
    _replace(table_pr, _element("w:tblW", w=round(text_width_mm / PT_MM * 20), type="dxa"))
    margins = _element("w:tblCellMar")
    for side in ("left", "right"):
        margins.append(_element(f"w:{side}", w=round(CELL_PADDING_MM / PT_MM * 20), type="dxa"))
    _replace(table_pr, margins)
    for col, width in zip(grid.columns, widths, strict=True):
        col.width = Mm(width)
    for row_index, (classes, cells) in enumerate([(frozenset(), table.header), *table.rows]):
        row = grid.rows[row_index]
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(_element("w:cantSplit"))
        if row_index == 0:
            tr_pr.append(_element("w:tblHeader"))
        col = 0
        for cell in cells:
            target = row.cells[col]
            if cell.span > 1:
                target = target.merge(row.cells[col + cell.span - 1])
            for index in range(col, col + cell.span):
                row.cells[index].width = Mm(widths[index])
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            if row_index == 0:
                _shade(target, HEADER_FILL)
                _cell_text(target, cell.text, size=header_size, align=WD_ALIGN_PARAGRAPH.CENTER,
                           style=fonts["heading"])  # fmt: skip
            else:
                red = ("below" in classes and "rate" in cell.classes) or ("behind" in cell.classes)
                centred = CENTRED_CELLS & cell.classes and "num" not in cell.classes
                _cell_text(
                    target,
                    cell.text,
                    size=body_size,
                    align=WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.RIGHT,
                    style=fonts["heading"] if "total" in classes else "",
                    red=red,
                )
            col += cell.span


# --- The document ---------------------------------------------------------------------------


def circular_document(parts: CircularParts, fonts: DocxFonts, meta: dict):
    """The 通报 as a python-docx Document."""
    faces = fonts_of(fonts)
    document = Document()
    define_styles(document, faces)
    declare_fonts(document, faces)
    document.settings.odd_and_even_pages_header_footer = True
    first = document.sections[0]
    set_page(first, landscape=False)
    set_grid(first, lines=True)
    page_number_footer(first.footer, odd=True)
    page_number_footer(first.even_page_footer, odd=False)

    document.add_paragraph(parts.office_mark, style="发文机关标志")
    if parts.doc_number:
        number = document.add_paragraph(parts.doc_number, style="发文字号")
        red_rule(number)
    title = document.add_paragraph(style="公文标题")
    for index, part in enumerate(parts.title_parts):
        run = title.add_run(part)
        if index < len(parts.title_parts) - 1:
            run.add_break(WD_BREAK.LINE)
    document.add_paragraph(parts.recipients, style="主送机关")
    for paragraph in parts.body:
        style = "一级标题" if paragraph.kind == "heading" else "公文正文"
        added = document.add_paragraph(style=style)
        for run in paragraph.runs:
            added.add_run(run.text, style="二级标题" if run.style == "kai" else None)
    if len(document.paragraphs) > 1:  # the body's last paragraph goes with the closing
        document.paragraphs[-1].paragraph_format.keep_with_next = True
    label, attachment_title = parts.attachment_note
    note = document.add_paragraph(style="附件说明")
    note.add_run(label)
    note.add_run(attachment_title)
    signature = document.add_paragraph(parts.signature, style="发文机关署名")
    document.add_paragraph(parts.date, style="成文日期")
    # 成文日期 right, four characters in; 署名 centred over it
    date = document.paragraphs[-1]
    _indent_chars(date.paragraph_format, right=4)
    centre_offset = (display_width(parts.date) - display_width(parts.signature)) / 2
    _indent_chars(signature.paragraph_format, right=max(4 + centre_offset, 0))

    attachment = document.add_section(WD_SECTION.NEW_PAGE)
    set_page(attachment, landscape=True)
    set_grid(attachment, lines=False)
    text_width = 297 - ATTACHMENT_MARGINS_MM[1] - ATTACHMENT_MARGINS_MM[3]
    document.add_paragraph(parts.attachment_label, style="附件标识")
    document.add_paragraph(parts.attachment_title, style="附件标题")
    document.add_paragraph(parts.attachment_subtitle, style="附件副标题")
    for item in parts.attachment:
        if isinstance(item, Table):
            add_table(document, item, faces, text_width)
        elif item.kind == "group":
            document.add_paragraph(item.runs[0].text, style="排名分组标题")
        else:
            document.add_paragraph(item.runs[0].text, style="附件注释")
    stamp(document, meta)
    return document


def stamp(document, meta: dict) -> None:
    """Core properties from the circular, dated with the as-of date; no thumbnail of an
    empty page from the template."""
    day = datetime.datetime.combine(meta["as_of"], datetime.time())
    properties = document.core_properties
    properties.author = meta["author"]
    properties.last_modified_by = meta["author"]
    properties.title = meta["title"]
    properties.subject = meta.get("subject", "")
    properties.comments = ""
    properties.keywords = ""
    properties.category = "通报"
    properties.created = day
    properties.modified = day
    properties.last_printed = day
    properties.revision = 1
    package = document.part.package
    for key, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[key]


def fixed_zip(data: bytes, day: datetime.date) -> bytes:
    """The same members, each stamped ``day`` at midnight (python-docx stamps them with the
    clock): the same document, the same bytes."""
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member.filename), compresslevel=9)
    return out.getvalue()


def docx_bytes(html: str, fonts: DocxFonts, meta: dict) -> bytes:
    """通报.docx of a circular's HTML (its template's, rendered with its context)."""
    document = circular_document(parse_circular(html), fonts, meta)
    out = io.BytesIO()
    document.save(out)
    return fixed_zip(out.getvalue(), meta["as_of"])


def render_docx(
    template: str,
    html: str,
    context: dict,
    fonts: DocxFonts,
    target: Path,
    cache: RenderCache | None = None,
) -> Rendered:
    """Write 通报.docx at ``target`` from the circular's HTML, or take it from ``cache``: the
    key covers the HTML, the fonts named, this module and python-docx's version."""
    meta = {
        "as_of": context["as_of"],
        "author": context["office"].issuing_office,
        "title": context["circular_title"],
        "subject": context.get("doc_number") or "",
    }
    key = None
    if cache is not None:
        writer = hashlib.sha256(
            f"{source_digest(sys.modules[__name__])}"
            f"{importlib.metadata.version('python-docx')}{fonts}".encode()
        ).hexdigest()
        key = cache.key(f"{template}#docx#{writer}", html, context["as_of"])
        if cache.fetch(key, target, suffix=".docx"):
            return Rendered(target, reused=True)
    data = docx_bytes(html, fonts, meta)
    write_bytes(data, target)
    if cache is not None:
        cache.store(key, data, suffix=".docx")
    return Rendered(target)

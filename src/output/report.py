# report.py — the handout of a workshop (werksessie) as PDF, with a QGIS
# print layout.  Runs after qgis_common.py (src/output/pyrun.c);
# `bodnaarplot report` runs it:  report.py OUT.gpkg TMP.pdf TOP
# Per gemeente: the map zoomed to its plots, the figures per housing type
# (opgave, plannen, gerealiseerd, tekort, geprogrammeerd, resterend) and the
# programmed and reserved plots with partners, reasons and notes; the
# top-ranked plots where the result holds no programme or decisions yet.
# Fields of the programme and the decisions are read when present.
# Exit: 0 done; 2 not a bodnaarplot GeoPackage or no gemeente; 3 cannot
# write; 4 no QGIS.
import datetime
from qgis.core import (QgsPrintLayout, QgsLayoutItemPage, QgsLayoutItemMap, QgsLayoutItemLabel,
                       QgsLayoutItemManualTable, QgsLayoutFrame, QgsLayoutTableColumn, QgsTableCell,
                       QgsLayoutItemScaleBar, QgsLayoutExporter, QgsLayoutPoint, QgsLayoutSize,
                       QgsUnitTypes, QgsTextFormat, QgsLayoutTable, QgsLayoutMultiFrame, QgsLayoutItemLegend,
                       QgsFeature, QgsMarkerSymbol, QgsRendererCategory, QgsCategorizedSymbolRenderer,
                       QgsPalLayerSettings, QgsTextBufferSettings, QgsVectorLayerSimpleLabeling,
                       QgsRenderContext, QgsScaleBarSettings, QgsLegendRenderer, QgsBasicNumericFormat, QgsLegendStyle)

gpkg, pdf, top = sys.argv[1], sys.argv[2], int(sys.argv[3])
TYPES = ["nultreden", "geclusterd", "zorggeschikt"]
TYPE_NL = {"nultreden": "Nultreden", "geclusterd": "Geclusterd", "zorggeschikt": "Zorggeschikt"}
W, H, M = 210.0, 297.0, 15.0  # A4 portrait, margin, mm

app, p, online = open_project(gpkg)
layers = map_layers(p, online)


def table_layer(name):
    l = QgsVectorLayer("%s|layername=%s" % (os.path.abspath(gpkg), name), name, "ogr")
    return l if l.isValid() else None


def value(f, name):
    """A field's value, None when the field is absent or NULL."""
    i = f.fields().indexOf(name)
    if i < 0:
        return None
    v = f.attribute(i)
    return None if v is None or (hasattr(v, "isNull") and v.isNull()) else v


def number(v, digits=0):
    """Dutch notation: 1.234 and 12,5; an em dash when unknown."""
    if v is None or v == "":
        return "\u2014"
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    s = "{:,.{}f}".format(x, digits)
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def short(v, n):
    v = "" if v is None else str(v).strip()
    return v if len(v) <= n else v[:n - 1].rstrip() + "\u2026"


gap = table_layer("gemeente_gap")
cand = table_layer("candidates")
if not gap or not cand:
    sys.stderr.write("%s: no layers gemeente_gap and candidates: not a bodnaarplot result\n" % gpkg)
    sys.exit(2)
prog = table_layer("programma")
gemeenten = sorted(gap.getFeatures(), key=lambda f: (str(value(f, "gemeente_naam") or ""), str(value(f, "gemeente_code"))))
if not gemeenten:
    sys.stderr.write("%s: layer gemeente_gap holds no gemeente\n" % gpkg)
    sys.exit(2)
has_programme = gap.fields().indexOf("programmed_" + TYPES[0]) >= 0
has_decisions = cand.fields().indexOf("besluit") >= 0

# plots per gemeente, in rank order (ranked first, then knocked out)
plots = {}
for f in cand.getFeatures():
    plots.setdefault(value(f, "gemeente_code"), []).append(f)
for k in plots:
    plots[k].sort(key=lambda f: (value(f, "rank") is None, value(f, "rank") or 0, str(value(f, "plot_id"))))
programme = {}
if prog:
    for f in prog.getFeatures():
        programme.setdefault(value(f, "gemeente_code"), []).append(f)

layout = QgsPrintLayout(p)
layout.initializeDefaults()  # one A4 page
layout.setName("Werksessie")
pages = layout.pageCollection()
pages.page(0).setPageSize("A4", QgsLayoutItemPage.Portrait)


def new_page():
    pg = QgsLayoutItemPage(layout)
    pg.setPageSize("A4", QgsLayoutItemPage.Portrait)
    pages.addPage(pg)
    return pages.pageCount() - 1


def place(item, page, x, y, w, h):
    item.attemptResize(QgsLayoutSize(w, h, QgsUnitTypes.LayoutMillimeters))
    item.attemptMove(QgsLayoutPoint(x, y, QgsUnitTypes.LayoutMillimeters), True, False, page)


def label(page, text, x, y, w, h, size=10, bold=False, colour="#111111"):
    it = QgsLayoutItemLabel(layout)
    it.setText(text)
    font = QFont("DejaVu Sans")
    font.setPointSizeF(size)
    font.setBold(bold)
    it.setFont(font)
    it.setFontColor(QColor(colour))
    layout.addLayoutItem(it)
    place(it, page, x, y, w, h)
    return it


def text_format(size, bold=False):
    tf = QgsTextFormat()
    font = QFont("DejaVu Sans")
    font.setBold(bold)
    tf.setFont(font)
    tf.setSize(size)
    tf.setColor(QColor("#111111"))
    return tf


CELL_MARGIN = 1.0


def fit(widths, w):
    """Column widths (mm) scaled so the table with its cell margins is w wide."""
    room = w - len(widths) * (2 * CELL_MARGIN + 0.3)
    return [c * room / sum(widths) for c in widths]


def wrapped_lines(text, chars):
    """Lines a cell's text takes when wrapped at spaces, 'chars' to a line
    (a word longer than a line is not broken, as QGIS does)."""
    n = 0
    for part in str(text).split("\n"):
        n, used = n + 1, 0
        for word in part.split():
            if used and used + 1 + len(word) > chars:
                n, used = n + 1, len(word)
            else:
                used += (1 if used else 0) + len(word)
    return max(1, n)


def row_height(row, widths, size):
    """Estimated height (mm) of a table row whose text wraps in its columns."""
    char = size * 0.19  # mean glyph width of DejaVu Sans, mm per pt
    lines = max(wrapped_lines(text, max(1, int(width / char))) for text, width in zip(row, widths))
    return lines * size * 0.42 + 1.5 * CELL_MARGIN  # on the safe side: a frame never cuts a row


def pack(rows, widths, size, first, more):
    """Splits rows into chunks filling a first frame 'first' mm high, then
    frames 'more' mm high (the header row counted in each)."""
    chunks, cur, room = [], [], first - row_height(["Aa"], widths, size) * 2.2
    for r in rows:
        hgt = row_height(r, widths, size)
        if cur and hgt > room:
            chunks.append(cur)
            cur, room = [], more - row_height(["Aa"], widths, size) * 2.2
        cur.append(r)
        room -= hgt
    chunks.append(cur)
    return chunks


def table(page, x, y, w, h, headers, widths, rows, size=7.5):
    widths = fit(widths, w)
    t = QgsLayoutItemManualTable.create(layout)
    layout.addMultiFrame(t)
    cols = []
    for name, width in zip(headers, widths):
        c = QgsLayoutTableColumn(name)
        c.setWidth(width)
        cols.append(c)
    t.setHeaders(cols)
    t.setIncludeTableHeader(True)
    t.setTableContents([[QgsTableCell(c) for c in r] for r in rows])
    t.setColumnWidths(widths)
    t.setHeaderTextFormat(text_format(size, True))
    t.setContentTextFormat(text_format(size))
    t.setWrapBehavior(QgsLayoutTable.WrapText)
    t.setCellMargin(CELL_MARGIN)
    t.setGridStrokeWidth(0.15)
    t.setGridColor(QColor("#999999"))
    t.setHeaderHAlignment(QgsLayoutTable.FollowColumn)
    t.setResizeMode(QgsLayoutMultiFrame.UseExistingFrames)
    fr = QgsLayoutFrame(layout, t)
    place(fr, page, x, y, w, h)
    t.addFrame(fr)
    return t


def marks_layer(marked):
    """The programmed and reserved plots of a page as rings with their id,
    over the map, so the list can be found on it; None when there are none."""
    if not marked:
        return None
    l = QgsVectorLayer("Point?crs=%s&field=plot_id:string&field=status:string" % p.crs().authid(),
                       "Geprogrammeerd en gereserveerd", "memory")
    feats = []
    for f, status in marked:
        if not f.hasGeometry():
            continue
        nf = QgsFeature(l.fields())
        nf.setGeometry(f.geometry().pointOnSurface())
        nf.setAttributes([str(value(f, "plot_id")), status])
        feats.append(nf)
    l.dataProvider().addFeatures(feats)
    cats = []
    for status, colour, style in [("gereserveerd", "#c51b7d", "solid"), ("voorgesteld", "#c51b7d", "dash")]:
        sym = QgsMarkerSymbol.createSimple({"name": "circle", "color": "0,0,0,0", "outline_color": colour,
                                            "outline_width": "0.6", "outline_style": style, "size": "4"})
        cats.append(QgsRendererCategory(status, sym, status))
    l.setRenderer(QgsCategorizedSymbolRenderer("status", cats))
    ls = QgsPalLayerSettings()
    ls.fieldName = "plot_id"
    ls.placement = QgsPalLayerSettings.AroundPoint
    ls.dist = 2.5
    tf = text_format(7, True)
    buf = QgsTextBufferSettings()
    buf.setEnabled(True)
    buf.setSize(0.8)
    buf.setColor(QColor("white"))
    tf.setBuffer(buf)
    ls.setFormat(tf)
    ls.displayAll = False  # where rings crowd, some ids give way: the list names them all
    l.setLabeling(QgsVectorLayerSimpleLabeling(ls))
    l.setLabelsEnabled(True)
    p.addMapLayer(l, False)  # owned by the project, not in its legend tree
    return l


def map_item(page, x, y, w, h, extent, extra=None):
    m = QgsLayoutItemMap(layout)
    m.setCrs(p.crs())
    m.setLayers(([extra] if extra else []) + layers)
    m.setKeepLayerSet(True)
    m.setFrameEnabled(True)
    layout.addLayoutItem(m)
    place(m, page, x, y, w, h)
    # the extent grown to the item's shape, so nothing is cut off
    ext = QgsRectangle(extent)
    ratio = w / h
    if ext.width() / max(ext.height(), 1e-9) < ratio:
        grow = (ext.height() * ratio - ext.width()) / 2
        ext.setXMinimum(ext.xMinimum() - grow)
        ext.setXMaximum(ext.xMaximum() + grow)
    else:
        grow = (ext.width() / ratio - ext.height()) / 2
        ext.setYMinimum(ext.yMinimum() - grow)
        ext.setYMaximum(ext.yMaximum() + grow)
    m.zoomToExtent(ext)
    sb = QgsLayoutItemScaleBar(layout)
    sb.setStyle("Single Box")
    sb.setLinkedMap(m)
    sb.applyDefaultSize()
    sb.setNumberOfSegments(2)
    sb.setNumberOfSegmentsLeft(0)
    sb.setSegmentSizeMode(QgsScaleBarSettings.SegmentSizeFitWidth)
    sb.setMinimumBarWidth(25)
    sb.setMaximumBarWidth(45)
    sb.setUnits(QgsUnitTypes.DistanceMeters)
    sb.setUnitLabel("m")
    nf = QgsBasicNumericFormat()
    nf.setShowThousandsSeparator(True)
    nf.setThousandsSeparator(".")
    nf.setDecimalSeparator(",")
    sb.setNumericFormat(nf)
    sb.setTextFormat(text_format(7))
    layout.addLayoutItem(sb)
    sb.attemptMove(QgsLayoutPoint(x + 3, y + h - 12, QgsUnitTypes.LayoutMillimeters), True, False, page)
    return m


def legend(page, x, y, shown, title, columns):
    """A legend of the layers 'shown' (their classes, not their names)."""
    lg = QgsLayoutItemLegend(layout)
    lg.setTitle(title)
    lg.setAutoUpdateModel(False)
    root = lg.model().rootGroup()
    root.removeAllChildren()
    for l in shown:
        node = root.addLayer(l)
        QgsLegendRenderer.setNodeLegendStyle(node, QgsLegendStyle.Hidden)  # the title says it
    lg.setColumnCount(columns)
    lg.setSplitLayer(True)
    lg.setSymbolHeight(3)
    lg.setSymbolWidth(4)
    for st in (QgsLegendStyle.Title, QgsLegendStyle.SymbolLabel):
        font = QFont("DejaVu Sans")
        font.setPointSizeF(7.5)
        font.setBold(st == QgsLegendStyle.Title)
        lg.rstyle(st).setFont(font)
    lg.setFrameEnabled(False)
    lg.setBackgroundEnabled(False)
    layout.addLayoutItem(lg)
    lg.attemptMove(QgsLayoutPoint(x, y, QgsUnitTypes.LayoutMillimeters), True, False, page)
    lg.adjustBoxSize()


def legends(page, y, extra=None):
    """The candidates' classes (the map shows plots over streets and the
    gap) and, when the page has them, the rings of the programme."""
    cl = [l for l in layers if layer_name(l) == "candidates"]
    if cl:
        legend(page, M, y, cl[:1], "Kandidaatlocaties (kleur: score; cijfer: rang)", 3)
    if extra:
        legend(page, M + 125, y, [extra], "Programma", 1)


def extent_of(features, margin=0.12, least=400.0):
    ext = QgsRectangle()
    ext.setMinimal()
    for f in features:
        if f.hasGeometry():
            ext.combineExtentWith(f.geometry().boundingBox())
    if ext.width() < 0:  # no geometry
        return None
    dx = max(ext.width() * margin, least / 2)
    dy = max(ext.height() * margin, least / 2)
    return QgsRectangle(ext.xMinimum() - dx, ext.yMinimum() - dy, ext.xMaximum() + dx, ext.yMaximum() + dy)


def footer(page, text):
    label(page, text, M, H - 10, W - 2 * M, 5, 6.5, colour="#555555")


def figures_rows(g):
    rows = []
    for t in TYPES:
        remaining = value(g, "remaining_" + t)
        rows.append([TYPE_NL[t], number(value(g, "opgave_" + t)), number(value(g, "plannen_" + t)),
                     number(value(g, "gerealiseerd_" + t)), number(value(g, "gap_" + t)),
                     number(value(g, "programmed_" + t)) if has_programme else "\u2014",
                     (remaining if isinstance(remaining, str) else number(remaining)) if has_programme else "\u2014",
                     str(value(g, "programma_" + t) or "")])
    return rows


def plot_rows(code):
    """The rows of the plot list of a gemeente and what the list is."""
    by_id = {str(value(f, "plot_id")): f for f in plots.get(code, [])}
    listed, rows, marked = set(), [], []

    def decision(f, name):
        return value(f, name) if f is not None and has_decisions else None

    for r in sorted(programme.get(code, []), key=lambda r: (str(value(r, "woningtype")), value(r, "cumulatief") or 0)):
        pid = str(value(r, "plot_id"))
        f = by_id.get(pid)
        listed.add(pid)
        reserved = value(r, "gereserveerd")  # the programme's own flag, else the table's decision
        if reserved is None:
            reserved = decision(f, "besluit") == "gereserveerd"
        status = "gereserveerd" if reserved else "voorgesteld"
        if f is not None:
            marked.append((f, status))
        share = value(r, "aandeel_gap")
        rows.append([pid, value(r, "woningtype") or "", number(value(r, "woningen")),
                     number(value(r, "cumulatief")) + (" (%s%%)" % number(float(share) * 100) if share is not None else ""),
                     status, short(decision(f, "partner_corporatie"), 40), short(decision(f, "partner_zorg"), 40),
                     short("; ".join(x for x in [str(value(r, "reden") or ""), str(decision(f, "opmerking") or "")] if x), 160)])
    if has_decisions:
        for f in plots.get(code, []):
            pid = str(value(f, "plot_id"))
            if pid in listed or value(f, "besluit") != "gereserveerd":
                continue
            listed.add(pid)
            marked.append((f, "gereserveerd"))
            homes = value(f, "besluit_woningen")
            rows.append([pid, value(f, "besluit_woningtype") or "", number(homes if homes is not None else value(f, "capacity_homes")),
                         "\u2014", "gereserveerd", short(value(f, "partner_corporatie"), 40),
                         short(value(f, "partner_zorg"), 40), short(value(f, "opmerking"), 160)])
    if rows:
        return ("Geprogrammeerde en gereserveerde kavels",
                ["Kavel", "Woningtype", "Woningen", "Cumulatief (aandeel tekort)", "Status", "Corporatie / belegger",
                 "Zorgpartner", "Reden en opmerking"],
                [20, 18, 15, 17, 18, 21, 21, 50], rows, marked)
    ranked = [f for f in plots.get(code, []) if value(f, "rank") is not None][:top]
    for f in ranked:
        rows.append([number(value(f, "rank")), str(value(f, "plot_id")), number(value(f, "score"), 1),
                     number(value(f, "capacity_homes")), decision(f, "besluit") or "open",
                     short(decision(f, "partner_corporatie"), 40), short(decision(f, "partner_zorg"), 40),
                     short(decision(f, "opmerking"), 160)])
    what = ("De %d best scorende kavels (nog geen programma of reserveringen)" % len(ranked) if ranked
            else "Geen kavels die aan de voorwaarden voldoen")
    return (what, ["Rang", "Kavel", "Score", "Capaciteit", "Besluit", "Corporatie / belegger", "Zorgpartner",
                   "Opmerking"], [11, 27, 13, 17, 16, 27, 27, 42], rows, [])


made = datetime.date.today().strftime("%d-%m-%Y")
source = os.path.basename(gpkg)
basemap_note = (BASEMAP_ATTRIBUTION if basemap_drawn(layers)
                else "Zonder achtergrondkaart: PDOK was niet bereikbaar; straten, gemeentegrenzen en kavels uit de analyse.")

# ---- page 1: title, overview ------------------------------------------------
label(0, "Werksessie ouderenhuisvesting \u2014 van bod naar plot", M, M, W - 2 * M, 10, 17, True)
label(0, "%s\nUit %s, gemaakt op %s met bodnaarplot." % (p.title(), source, made), M, M + 11, W - 2 * M, 11, 9)
ov = QgsRectangle(p.viewSettings().defaultViewExtent())
map_item(0, M, M + 25, W - 2 * M, 125, ov)
summary = []
for g in gemeenten:
    row = [str(value(g, "gemeente_naam") or value(g, "gemeente_code"))]
    for t in TYPES:
        row.append(number(value(g, "gap_" + t)))
    row += [number(value(g, "n_suitable")), number(value(g, "capacity_homes"))]
    summary.append(row)
label(0, "Tekort per gemeente en woningtype (woningen)", M, M + 155, W - 2 * M, 6, 11, True)
table(0, M, M + 162, W - 2 * M, 80, ["Gemeente", "Tekort nultreden", "Tekort geclusterd", "Tekort zorggeschikt",
                                     "Geschikte kavels", "Capaciteit (woningen)"], [44, 26, 26, 26, 24, 30], summary, 8)
label(0, "Per gemeente volgt: de kaart met de kandidaatlocaties (kleur: score, cijfer: rang), de opgave, plannen, "
         "gerealiseerde woningen, het tekort en wat het programma ervan dekt, en de geprogrammeerde en gereserveerde "
         "kavels met partners, redenen en opmerkingen. Tekort = opgave \u2212 plannen \u2212 gerealiseerd (niet "
         "onder nul). %s" % ("" if has_programme else "Dit resultaat heeft nog geen programma (bodnaarplot program)."),
      M, H - 45, W - 2 * M, 22, 8.5)
footer(0, basemap_note)

# ---- per gemeente ------------------------------------------------------------
LIST_SIZE = 7.5
for g in gemeenten:
    code = value(g, "gemeente_code")
    name = str(value(g, "gemeente_naam") or code)
    page = new_page()
    label(page, "%s (%s)" % (name, code), M, M, W - 2 * M, 9, 15, True)
    mine = [f for f in plots.get(code, []) if not value(f, "knocked_out")] or plots.get(code, [])
    ext = extent_of(mine) or (g.geometry().boundingBox() if g.hasGeometry() else ov)
    what, headers, widths, rows, marked = plot_rows(code)
    extra = marks_layer(marked)
    map_item(page, M, M + 11, W - 2 * M, 95, ext, extra)
    legends(page, M + 108, extra)
    label(page, "Opgave en programma per woningtype (woningen)", M, M + 130, W - 2 * M, 6, 10.5, True)
    table(page, M, M + 137, W - 2 * M, 27, ["Woningtype", "Opgave", "Plannen", "Gerealiseerd", "Tekort",
                                            "Geprogrammeerd", "Resterend", "Toelichting"],
          [22, 14, 14, 21, 14, 27, 18, 50], figures_rows(g), 8)
    label(page, what, M, M + 168, W - 2 * M, 6, 10.5, True)
    top_y = M + 175
    first_h, more_h = H - M - 12 - top_y, H - 2 * M - 22
    chunks = pack(rows, fit(widths, W - 2 * M), LIST_SIZE, first_h, more_h)
    table(page, M, top_y, W - 2 * M, first_h, headers, widths,
          chunks[0] or [["\u2014"] + [""] * (len(headers) - 1)], LIST_SIZE)
    footer(page, "%s \u2014 %s" % (name, basemap_note))
    for chunk in chunks[1:]:
        page = new_page()
        label(page, "%s (%s), vervolg" % (name, code), M, M, W - 2 * M, 8, 11, True)
        table(page, M, M + 10, W - 2 * M, more_h, headers, widths, chunk, LIST_SIZE)
        footer(page, name)

settings = QgsLayoutExporter.PdfExportSettings()
settings.dpi = 200
settings.rasterizeWholeImage = False
settings.forceVectorOutput = False
settings.appendGeoreference = False
settings.exportMetadata = False
settings.textRenderFormat = QgsRenderContext.TextFormatAlwaysText  # text stays text: searchable, pdftotext
rc = QgsLayoutExporter(layout).exportToPdf(pdf, settings)
# QGIS objects go before QGIS does: else Python frees them after exitQgis() (a crash)
del layout, gap, cand, prog, plots, programme, gemeenten
p.clear()
app.exitQgis()
if rc != QgsLayoutExporter.Success:
    sys.stderr.write("%s: QGIS could not write the PDF (error %d)\n" % (pdf, rc))
    sys.exit(3)

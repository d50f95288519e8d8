# map.py — renders the QGIS project inside a bodnaarplot GeoPackage to PNG.
# Runs after qgis_common.py (src/output/pyrun.c); `bodnaarplot map` runs it:
#   map.py OUT.gpkg MAP.png WIDTH HEIGHT
# Exit: 0 done; 2 not a bodnaarplot GeoPackage; 3 cannot write; 4 no QGIS.
gpkg, png, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
app, p, online = open_project(gpkg)
layers = map_layers(p, online)  # a handout shows plots over streets and the gap, not every facility
# larger symbols and labels than a screen: legible on a projector
img = render(p, layers, QgsRectangle(p.viewSettings().defaultViewExtent()), w, h, 110)
# title, legend and the basemap's attribution
painter = QPainter(img)
painter.setRenderHint(QPainter.Antialiasing)
f = QFont("DejaVu Sans")
f.setPixelSize(max(18, h // 40))
f.setBold(True)
painter.setFont(f)
painter.setPen(QColor("#111111"))
painter.drawText(20, 20 + f.pixelSize(), p.title())
cand = [l for l in layers if layer_name(l) == "candidates"]
if cand:
    items = [(r.symbol().color(), r.label()) for r in cand[0].renderer().ranges()][::-1]
    f.setBold(False)
    f.setPixelSize(max(14, h // 60))
    painter.setFont(f)
    line = f.pixelSize() + 10
    x0, y0 = w - 300, h - 30 - line * (len(items) + 1)
    painter.fillRect(QRectF(x0 - 15, y0 - line, 300, line * (len(items) + 1) + 25), QColor(255, 255, 255, 230))
    painter.drawText(x0, y0, "Kandidaatlocaties (score)")
    for i, (c, label) in enumerate(items):
        y = y0 + (i + 1) * line
        painter.setBrush(c)
        painter.setPen(QColor("#222222"))
        painter.drawEllipse(QRectF(x0, y - f.pixelSize() + 2, f.pixelSize(), f.pixelSize()))
        painter.drawText(x0 + f.pixelSize() + 10, y, label)
if basemap_drawn(layers):
    f.setBold(False)
    f.setPixelSize(max(11, h // 90))
    painter.setFont(f)
    painter.setPen(QColor("#333333"))
    painter.drawText(20, h - 12, BASEMAP_ATTRIBUTION)
painter.end()
ok = img.save(png, "PNG")
p.clear()
app.exitQgis()
if not ok:
    sys.stderr.write("%s: cannot write the image\n" % png)
    sys.exit(3)

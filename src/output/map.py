# map.py — renders the QGIS project inside a bodnaarplot GeoPackage to PNG.
# Embedded into the binary (scripts/embed.cmake); `bodnaarplot map` runs it
# with Debian's python3 and python3-qgis:  map.py OUT.gpkg MAP.png WIDTH HEIGHT
# Exit: 0 done; 2 not a bodnaarplot GeoPackage; 3 cannot write; 4 no QGIS.
import os, sys, tempfile
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="bp-map-"))
try:
    from qgis.core import (QgsApplication, QgsProject, QgsMapSettings, QgsMapRendererParallelJob,
                           QgsRectangle)
    from qgis.PyQt.QtCore import QSize, Qt, QRectF
    from qgis.PyQt.QtGui import QColor, QPainter, QFont
except ImportError as e:
    sys.stderr.write("QGIS is not installed (python3-qgis): %s\n" % e)
    sys.exit(4)
gpkg, png, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
app = QgsApplication([], False)
app.initQgis()
p = QgsProject.instance()
if not p.read("geopackage:%s?projectName=bodnaarplot" % os.path.abspath(gpkg)):
    sys.stderr.write("%s: no bodnaarplot project inside (%s)\n" % (gpkg, p.error()))
    sys.exit(2)
root = p.layerTreeRoot()
layers = [n.layer() for n in root.findLayers()
          if n.isVisible() and n.layer() and n.layer().isSpatial()
          and "layername=facilities" not in n.layer().source()]  # a handout shows plots over the gap
ms = QgsMapSettings()
ms.setLayers(layers)
ms.setDestinationCrs(p.crs())
ms.setOutputSize(QSize(w, h))
ms.setOutputDpi(110)  # larger symbols and labels than a screen: legible on a projector
ms.setBackgroundColor(QColor("white"))
ms.setExtent(QgsRectangle(p.viewSettings().defaultViewExtent()))
job = QgsMapRendererParallelJob(ms)
job.start()
job.waitForFinished()
img = job.renderedImage()
# title and legend
painter = QPainter(img)
painter.setRenderHint(QPainter.Antialiasing)
f = QFont("DejaVu Sans")
f.setPixelSize(max(18, h // 40))
f.setBold(True)
painter.setFont(f)
painter.setPen(QColor("#111111"))
painter.drawText(20, 20 + f.pixelSize(), p.title())
cand = [l for l in layers if "layername=candidates" in l.source()]
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
painter.end()
ok = img.save(png, "PNG")
p.clear()
app.exitQgis()
if not ok:
    sys.stderr.write("%s: cannot write the image\n" % png)
    sys.exit(3)

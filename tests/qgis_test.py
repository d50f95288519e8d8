#!/usr/bin/python3
"""qgis_test.py — opens a bodnaarplot result in real QGIS (headless).

    /usr/bin/python3 tests/qgis_test.py BODNAARPLOT SOURCE_DIR

Runs the Zwolle example into a temporary folder, moves the GeoPackage to
another folder (the project must not depend on where it was written), then
checks with the QGIS API that
  - every layer loads valid with its default style from layer_styles: the
    renderer, its attribute, the facility categories of the run (distinct
    colours and marker shapes), the top-10 rank labels, the Dutch aliases;
  - the embedded project geopackage:...?projectName=bodnaarplot loads with
    every layer valid, in EPSG:28992, styled;
  - the project renders to a PNG that is not blank and shows the candidate
    colours.
Exit 77 (skipped) only where QGIS cannot be installed (no python3-qgis
package for this system); where it can, a missing QGIS is a failure.
"""
import os
import shutil
import subprocess
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="bp-qgis-xdg-"))

SKIP = 77
failures = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def installable(pkg):
    try:
        out = subprocess.run(["apt-cache", "policy", pkg], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "Candidate:" in out and "Candidate: (none)" not in out


try:
    from qgis.core import (QgsApplication, QgsProject, QgsVectorLayer, QgsMapSettings,
                           QgsMapRendererParallelJob, QgsRectangle)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage
except ImportError as e:
    if installable("python3-qgis"):
        print("FAIL python3-qgis can be installed here but is not: run scripts/setup.sh --test (%s)" % e)
        sys.exit(1)
    print("SKIPPED: QGIS cannot be installed on this system (no python3-qgis package): %s" % e)
    sys.exit(SKIP)

VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]


def run_example(exe, src, tmp):
    out = os.path.join(tmp, "written", "zwolle.gpkg")
    os.makedirs(os.path.dirname(out))
    subprocess.run([exe, "run", os.path.join(src, "examples/zwolle/project.yaml"), "-o", out,
                    "--overwrite", "-q"], check=True)
    moved = os.path.join(tmp, "elsewhere", "zwolle.gpkg")
    os.makedirs(os.path.dirname(moved))
    shutil.move(out, moved)
    return moved


def check_layers(gpkg):
    cand = QgsVectorLayer(gpkg + "|layername=candidates", "candidates", "ogr")
    check(cand.isValid(), "candidates loads valid")
    r = cand.renderer()
    check(r.type() == "graduatedSymbol", "candidates: graduated renderer (%s)" % r.type())
    check('"score"' in r.classAttribute(), "candidates: graduated on score (%s)" % r.classAttribute())
    labels = [rg.label() for rg in r.ranges()]
    check("Afgevallen" in labels, "candidates: knocked-out plots in a grey class 'Afgevallen'")
    check(len(r.ranges()) == 6, "candidates: 5 score classes + knocked out")
    check(cand.labelsEnabled(), "candidates: labels on")
    lab = cand.labeling()
    rules = lab.rootRule().children() if lab and lab.type() == "rule-based" else []
    check(any("rank" in ru.filterExpression() and "10" in ru.filterExpression() for ru in rules),
          "candidates: rank labels for the top 10")
    fields = cand.fields()
    check(cand.attributeAlias(fields.indexOf("dist_supermarkt_m")) == "Afstand supermarkt (m)",
          "candidates: alias of dist_supermarkt_m is Dutch (%r)" % cand.attributeAlias(fields.indexOf("dist_supermarkt_m")))
    unexplained = [f.name() for f in fields
                   if f.name().startswith(("dist_", "score_", "gap_")) and not cand.attributeAlias(fields.indexOf(f.name()))]
    check(not unexplained, "candidates: every dist_/score_/gap_ field has an alias (missing: %s)" % unexplained)

    fac = QgsVectorLayer(gpkg + "|layername=facilities", "facilities", "ogr")
    check(fac.isValid(), "facilities loads valid")
    r = fac.renderer()
    check(r.type() == "categorizedSymbol" and r.classAttribute() == "category",
          "facilities: categorized on category (%s %s)" % (r.type(), r.classAttribute()))
    values = sorted(c.value() for c in r.categories())
    present = sorted(fac.uniqueValues(fac.fields().indexOf("category")))
    check(values == present, "facilities: one category per category of the run (%s)" % values)
    colours = {c.symbol().color().name() for c in r.categories()}
    shapes = {c.symbol().symbolLayer(0).shape() for c in r.categories()}
    check(len(colours) == len(values) and len(shapes) == len(values),
          "facilities: distinct colours (%d) and marker shapes (%d)" % (len(colours), len(shapes)))

    gap = QgsVectorLayer(gpkg + "|layername=gemeente_gap", "gemeente_gap", "ogr")
    check(gap.isValid(), "gemeente_gap loads valid")
    r = gap.renderer()
    check(r.type() == "graduatedSymbol" and r.classAttribute() == "gap_share_geclusterd",
          "gemeente_gap: choropleth of gap_share_geclusterd (%s %s)" % (r.type(), r.classAttribute()))
    check(gap.labelsEnabled(), "gemeente_gap: labels on")
    check(gap.attributeAlias(gap.fields().indexOf("gap_share_geclusterd")) == "Tekort geclusterd (aandeel)",
          "gemeente_gap: Dutch alias of gap_share_geclusterd")

    info = QgsVectorLayer(gpkg + "|layername=run_info", "run_info", "ogr")
    check(info.isValid() and info.featureCount() > 10, "run_info loads valid")


def check_project(gpkg, png):
    p = QgsProject.instance()
    ok = p.read("geopackage:%s?projectName=bodnaarplot" % gpkg)
    check(ok, "embedded project loads: %s" % p.error())
    layers = list(p.mapLayers().values())
    names = sorted(l.source().split("layername=")[-1] for l in layers)
    check(names == ["besluiten_log", "besluiten_vervallen", "candidates", "facilities", "gemeente_gap", "run_info"],
          "project has every layer (%s)" % names)
    check(all(l.isValid() for l in layers), "every project layer is valid")
    check(all(os.path.realpath(l.source().split("|")[0]) == os.path.realpath(gpkg) for l in layers),
          "project layers point at the GeoPackage where it is now")
    check(p.crs().authid() == "EPSG:28992", "project CRS is EPSG:28992 (%s)" % p.crs().authid())
    order = [l.source().split("layername=")[-1] for l in p.layerTreeRoot().layerOrder()]
    check(order[:1] == ["candidates"] and order.index("gemeente_gap") > order.index("facilities"),
          "candidates on top, gemeente gap below (%s)" % order)
    by = {l.source().split("layername=")[-1]: l for l in layers}
    check(by["candidates"].renderer().type() == "graduatedSymbol", "project: candidates graduated")
    check(by["facilities"].renderer().type() == "categorizedSymbol", "project: facilities categorized")
    check(by["candidates"].name() == "Kandidaatlocaties voor ouderenhuisvesting", "project: Dutch layer title")
    check("Afstand supermarkt" in by["candidates"].abstract() and "Distance in metres" in by["candidates"].abstract(),
          "project: the layer abstract explains the fields")
    check(by["candidates"].attributeAlias(by["candidates"].fields().indexOf("score")) == "Score (gekozen profiel)",
          "project: aliases")

    ext = p.viewSettings().defaultViewExtent()
    check(not ext.isEmpty(), "project has a default view extent")
    ms = QgsMapSettings()
    ms.setLayers([l for l in p.layerTreeRoot().layerOrder() if l.isSpatial()])
    ms.setDestinationCrs(p.crs())
    ms.setOutputSize(QSize(1600, 1000))
    ms.setBackgroundColor(QColor("white"))
    ms.setExtent(QgsRectangle(ext))
    job = QgsMapRendererParallelJob(ms)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    check(img.save(png), "rendered the project to %s" % png)
    colours = {}
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            c = img.pixel(x, y) & 0xFFFFFF
            colours[c] = colours.get(c, 0) + 1
    white = colours.get(0xFFFFFF, 0)
    total = sum(colours.values())
    check(white < 0.9 * total and len(colours) > 50,
          "render is not blank (%d colours, %.0f%% white)" % (len(colours), 100.0 * white / total))
    seen = []
    for hexc in VIRIDIS:
        q = QColor(hexc)
        n = sum(cnt for c, cnt in colours.items()
                if abs(((c >> 16) & 255) - q.red()) + abs(((c >> 8) & 255) - q.green()) + abs((c & 255) - q.blue()) < 24)
        if n >= 20:
            seen.append(hexc)
    check(len(seen) >= 3, "render shows candidate score colours (%s)" % seen)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    exe, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp(prefix="bp-qgis-")
    try:
        gpkg = run_example(exe, src, tmp)
        app = QgsApplication([], False)
        app.initQgis()
        check_layers(gpkg)
        check_project(gpkg, os.path.join(tmp, "project.png"))
        if os.environ.get("BP_KEEP_RENDER"):
            shutil.copy(os.path.join(tmp, "project.png"), os.environ["BP_KEEP_RENDER"])
        QgsProject.instance().clear()
        png = os.path.join(tmp, "map.png")
        rc = subprocess.run([exe, "map", gpkg, "-o", png]).returncode
        img = QImage(png)
        check(rc == 0 and img.width() == 1600 and img.height() == 1000,
              "bodnaarplot map renders a 1600x1000 PNG (exit %d)" % rc)
        app.exitQgis()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

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
    colours;
  - the PDOK basemap is the bottom layer, checked, WMTS in RD (loaded only
    online; offline `bodnaarplot map` draws without it, without waiting);
    pointed at a local stand-in for PDOK it loads and draws its tiles;
  - a run with a walking network (Monaco) shows its streets thin and grey,
    with the walking distances as a second style.
Exit 77 (skipped) only where QGIS cannot be installed (no python3-qgis
package for this system); where it can, a missing QGIS is a failure.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from qgis_testlib import check, failures, no_qgis

try:
    from qgis.core import (QgsApplication, QgsProject, QgsVectorLayer, QgsMapSettings,
                           QgsMapRendererParallelJob, QgsRectangle)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage
except ImportError as e:
    no_qgis(e)

VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
TILE_COLOUR = "#6a9fd4"


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
    all_layers = list(p.mapLayers().values())
    layers = [l for l in all_layers if l.providerType() == "ogr"]
    names = sorted(l.source().split("layername=")[-1] for l in layers)
    check(names == ["besluiten_log", "besluiten_vervallen", "candidates", "facilities", "gemeente_gap", "run_info"],
          "project has every layer (%s)" % names)
    check(all(l.isValid() for l in layers), "every project layer is valid")
    check_basemap(p)
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
    ms.setLayers([l for l in p.layerTreeRoot().layerOrder() if l.isSpatial() and l.isValid()])
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


def check_basemap(p):
    """The PDOK basemap: the bottom layer, checked, WMTS in RD; loaded only
    online (this test passes either way: offline it is kept, unavailable)."""
    nodes = p.layerTreeRoot().findLayers()
    base = [n for n in nodes if n.layer() and n.layer().providerType() == "wms"]
    check(len(base) == 1 and nodes[-1] is base[0], "basemap is the bottom layer (%s)" % [n.name() for n in nodes])
    if not base:
        return
    src = base[0].layer().source()
    check(base[0].isVisible(), "basemap is checked")
    check("url=https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0" in src and "layers=grijs" in src
          and "tileMatrixSet=EPSG:28992" in src and "crs=EPSG:28992" in src,
          "basemap: PDOK BRT-Achtergrondkaart grijs, WMTS EPSG:28992 (%s)" % src)
    print("     basemap %s here" % ("loaded" if base[0].layer().isValid() else "unavailable (offline)"))


def fake_wmts():
    """A local stand-in for PDOK's WMTS: capabilities with layer grijs in
    tile matrix set EPSG:28992 (the RD tiling of PDOK), every tile one
    colour.  Returns the server (shut it down) and its base URL."""
    import http.server
    import threading
    from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice
    img = QImage(256, 256, QImage.Format_ARGB32)
    img.fill(QColor(TILE_COLOUR))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    img.save(buf, "PNG")
    tile = bytes(data)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    url = "http://127.0.0.1:%d/wmts" % srv.server_address[1]
    matrices = "".join(
        "<TileMatrix><ows:Identifier>%d</ows:Identifier><ScaleDenominator>%f</ScaleDenominator>"
        "<TopLeftCorner>-285401.92 903401.92</TopLeftCorner><TileWidth>256</TileWidth><TileHeight>256</TileHeight>"
        "<MatrixWidth>%d</MatrixWidth><MatrixHeight>%d</MatrixHeight></TileMatrix>"
        % (z, 3440.64 / 2 ** z / 0.00028, 2 ** z, 2 ** z) for z in range(15))
    op = ('<ows:Operation name="%s"><ows:DCP><ows:HTTP><ows:Get xlink:href="' + url + '?"><ows:Constraint '
          'name="GetEncoding"><ows:AllowedValues><ows:Value>KVP</ows:Value></ows:AllowedValues></ows:Constraint>'
          '</ows:Get></ows:HTTP></ows:DCP></ows:Operation>')
    caps = ('<?xml version="1.0" encoding="UTF-8"?><Capabilities xmlns="http://www.opengis.net/wmts/1.0" '
            'xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.0.0">'
            '<ows:ServiceIdentification><ows:Title>stand-in</ows:Title><ows:ServiceType>OGC WMTS</ows:ServiceType>'
            '<ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion></ows:ServiceIdentification>'
            '<ows:OperationsMetadata>' + op % "GetCapabilities" + op % "GetTile" + '</ows:OperationsMetadata>'
            '<Contents><Layer><ows:Title>grijs</ows:Title><ows:Identifier>grijs</ows:Identifier>'
            '<ows:WGS84BoundingBox><ows:LowerCorner>-1.6 48.0</ows:LowerCorner><ows:UpperCorner>12.0 56.1'
            '</ows:UpperCorner></ows:WGS84BoundingBox><Style isDefault="true"><ows:Identifier>default'
            '</ows:Identifier></Style><Format>image/png</Format><TileMatrixSetLink><TileMatrixSet>EPSG:28992'
            '</TileMatrixSet></TileMatrixSetLink></Layer><TileMatrixSet><ows:Identifier>EPSG:28992</ows:Identifier>'
            '<ows:SupportedCRS>urn:ogc:def:crs:EPSG::28992</ows:SupportedCRS>' + matrices +
            '</TileMatrixSet></Contents></Capabilities>').encode()
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            body, kind = (caps, "application/xml") if "GetCapabilities" in self.path else (tile, "image/png")
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    srv.RequestHandlerClass = Handler
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, url, seen


def check_basemap_online(gpkg, tmp):
    """The online path: the project's basemap layer, its URL pointed at a
    local stand-in for PDOK, loads as a WMTS layer and draws its tiles."""
    import sqlite3
    import zipfile
    import io
    srv, url, seen = fake_wmts()
    try:
        copy = os.path.join(tmp, "online", os.path.basename(gpkg))
        os.makedirs(os.path.dirname(copy))
        shutil.copy(gpkg, copy)
        con = sqlite3.connect(copy)
        content = con.execute("SELECT content FROM qgis_projects").fetchone()[0]
        content = content.decode() if isinstance(content, bytes) else content
        zin = zipfile.ZipFile(io.BytesIO(bytes.fromhex(content)))
        name = zin.namelist()[0]
        qgs = zin.read(name).decode().replace("https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0", url)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            zout.writestr(name, qgs)
        con.execute("UPDATE qgis_projects SET content = ?", (out.getvalue().hex(),))
        con.commit()
        con.close()
        p = QgsProject.instance()
        check(p.read("geopackage:%s?projectName=bodnaarplot" % copy), "online: project loads")
        base = [n.layer() for n in p.layerTreeRoot().findLayers() if n.layer() and n.layer().providerType() == "wms"]
        check(len(base) == 1 and base[0].isValid(), "online: the basemap loads as a valid WMTS layer")
        if base and base[0].isValid():
            ms = QgsMapSettings()
            ms.setLayers(base)
            ms.setDestinationCrs(p.crs())
            ms.setOutputSize(QSize(400, 300))
            ms.setExtent(QgsRectangle(p.viewSettings().defaultViewExtent()))
            job = QgsMapRendererParallelJob(ms)
            job.start()
            job.waitForFinished()
            got = QColor(job.renderedImage().pixel(200, 150)).name()
            tiles = [s for s in seen if "GetTile" in s]
            check(got == TILE_COLOUR and tiles and all("LAYER=grijs" in t and "TILEMATRIXSET=EPSG:28992" in t.upper()
                                                        for t in tiles),
                  "online: the basemap draws tiles of layer grijs in EPSG:28992 (%s, %d tiles)" % (got, len(tiles)))
        p.clear()
    finally:
        srv.shutdown()


def check_network_project(exe, src, tmp):
    """A run with a walking network: its streets are thin grey context,
    shown, with the walking distances as a second style; outside the
    Netherlands no PDOK basemap."""
    out = os.path.join(tmp, "monaco.gpkg")
    subprocess.run([exe, "run", os.path.join(src, "examples/monaco/project.yaml"), "-o", out,
                    "--overwrite", "-q"], check=True)
    p = QgsProject.instance()
    check(p.read("geopackage:%s?projectName=bodnaarplot" % out), "network project loads")
    nodes = {n.layer().source().split("layername=")[-1]: n for n in p.layerTreeRoot().findLayers() if n.layer()}
    net = nodes.get("walk_network")
    check(net is not None and net.isVisible(), "walk_network is in the project and checked")
    if net:
        l = net.layer()
        r = l.renderer()
        sym = r.symbol() if r.type() == "singleSymbol" else None
        check(sym is not None and sym.color().name() == "#8c8c8c" and sym.width() <= 0.3,
              "walk_network: thin grey streets (%s %s)" % (r.type(), sym and (sym.color().name(), sym.width())))
        sm = l.styleManager()
        check(sorted(sm.styles()) == ["Looplengte tot supermarkt", "Straten (grijs)"]
              and sm.currentStyle() == "Straten (grijs)", "walk_network: two styles (%s)" % sm.styles())
        sm.setCurrentStyle("Looplengte tot supermarkt")
        check(l.renderer().type() == "graduatedSymbol" and l.renderer().classAttribute() == "dist_supermarkt_m",
              "walk_network: the second style colours by walking distance")
    check(not any(n.layer().providerType() == "wms" for n in p.layerTreeRoot().findLayers() if n.layer()),
          "no Dutch basemap outside the Netherlands")
    p.clear()
    png = os.path.join(tmp, "monaco.png")
    t = time.time()
    rc = subprocess.run([exe, "map", out, "-o", png]).returncode
    check(rc == 0 and QImage(png).width() == 1600, "bodnaarplot map renders the network result")
    # refuses to write over its input
    rc = subprocess.run([exe, "map", out, "-o", out], capture_output=True).returncode
    check(rc == 2, "bodnaarplot map never writes over the GeoPackage it shows (exit %d)" % rc)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    exe, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp(prefix="bp-qgis-")
    try:
        gpkg = run_example(exe, src, tmp)
        # a profile of its own: no settings or network cache of this user's QGIS
        app = QgsApplication([], False, os.path.join(tmp, "profile"))
        app.initQgis()
        check_layers(gpkg)
        check_project(gpkg, os.path.join(tmp, "project.png"))
        check_basemap_online(gpkg, tmp)
        if os.environ.get("BP_KEEP_RENDER"):
            shutil.copy(os.path.join(tmp, "project.png"), os.environ["BP_KEEP_RENDER"])
        QgsProject.instance().clear()
        png = os.path.join(tmp, "map.png")
        t = time.time()
        rc = subprocess.run([exe, "map", gpkg, "-o", png]).returncode
        img = QImage(png)
        check(rc == 0 and img.width() == 1600 and img.height() == 1000,
              "bodnaarplot map renders a 1600x1000 PNG (exit %d)" % rc)
        # offline (as on the test machines) the basemap probe fails within
        # seconds and the map is drawn without it; online it is drawn
        check(time.time() - t < 60, "bodnaarplot map does not wait long for the basemap (%.1f s)" % (time.time() - t))
        check_network_project(exe, src, tmp)
        app.exitQgis()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

# qgis_common.py — the start of map.py and report.py: src/output/pyrun.c runs
# this text followed by the script's own, with Debian's python3 and
# python3-qgis.  QGIS headless with a profile of its own (the user's QGIS
# settings are neither read nor changed), the project inside a bodnaarplot
# GeoPackage, and the layers a map draws.
# Exit: 2 not a bodnaarplot GeoPackage; 4 no QGIS.
import atexit, os, shutil, socket, sys, tempfile, threading
_tmp = tempfile.mkdtemp(prefix="bodnaarplot-qgis-")
atexit.register(shutil.rmtree, _tmp, True)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", _tmp)
try:
    from qgis.core import (QgsApplication, QgsProject, QgsMapSettings, QgsMapRendererParallelJob,
                           QgsRectangle, QgsNetworkAccessManager, QgsVectorLayer, QgsFeatureRequest, QgsDataProvider)
    from qgis.PyQt.QtCore import QSize, Qt, QRectF
    from qgis.PyQt.QtGui import QColor, QPainter, QFont
except ImportError as e:
    sys.stderr.write("QGIS is not installed (python3-qgis): %s\n" % e)
    sys.exit(4)

# The basemap of the project (src/output/qgis.c): PDOK's WMTS.  Drawn only
# when its host answers within 3 s; BODNAARPLOT_BASEMAP=0 leaves it out.
BASEMAP_HOST = "service.pdok.nl"
BASEMAP_ATTRIBUTION = "Achtergrond: BRT-Achtergrondkaart, Kadaster / PDOK (CC BY 4.0)"


def basemap_reachable():
    if os.environ.get("BODNAARPLOT_BASEMAP", "1").lower() in ("0", "off", "no", "false"):
        return False
    ok = []

    def probe():  # name lookup and connect; a thread, as the lookup has no timeout of its own
        try:
            socket.create_connection((BASEMAP_HOST, 443), timeout=3).close()
            ok.append(True)
        except OSError:
            pass
    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(3.5)
    return bool(ok)


def open_project(gpkg):
    """QGIS, the project and whether the basemap can be drawn."""
    online = basemap_reachable()
    app = QgsApplication([], False, os.path.join(_tmp, "profile"))
    app.initQgis()
    # bounds every request (the WMTS capabilities at load, tiles at render):
    # short when the probe failed, so an unreachable service never hangs us
    QgsNetworkAccessManager.setTimeout(20000 if online else 1500)
    p = QgsProject.instance()
    if not p.read("geopackage:%s?projectName=bodnaarplot" % os.path.abspath(gpkg)):
        sys.stderr.write("%s: no bodnaarplot project inside (%s)\n" % (gpkg, p.error()))
        sys.exit(2)
    # a renamed or copied GeoPackage: its layers are sought under the old
    # name (sources are relative to the file); point them at this file
    for l in p.mapLayers().values():
        if l.providerType() == "ogr" and not l.isValid() and "layername=" in l.source():
            opts = QgsDataProvider.ProviderOptions()
            l.setDataSource("%s|layername=%s" % (os.path.abspath(gpkg), layer_name(l)), l.name(), "ogr", opts,
                            True)  # and its style, the default one the GeoPackage holds
    return app, p, online


def layer_name(l):
    """The GeoPackage layer a project layer shows ("" for the basemap)."""
    src = l.source()
    return src.split("layername=")[-1].split("|")[0] if "layername=" in src else ""


def map_layers(p, online, skip=("facilities",)):
    """The visible layers of the project, top first, for a handout: without
    the layers in skip, and with the basemap only when it is reachable."""
    out = []
    for n in p.layerTreeRoot().findLayers():
        l = n.layer()
        if not n.isVisible() or not l or not l.isSpatial() or layer_name(l) in skip:
            continue
        if l.providerType() == "wms" and not (online and l.isValid()):
            continue
        if l.isValid():
            out.append(l)
    return out


def render(p, layers, extent, w, h, dpi):
    ms = QgsMapSettings()
    ms.setLayers(layers)
    ms.setDestinationCrs(p.crs())
    ms.setOutputSize(QSize(w, h))
    ms.setOutputDpi(dpi)
    ms.setBackgroundColor(QColor("white"))
    ms.setExtent(extent)
    job = QgsMapRendererParallelJob(ms)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def basemap_drawn(layers):
    return any(l.providerType() == "wms" for l in layers)

#!/usr/bin/python3
"""make_styles.py — writes the QGIS styles layers/*.qml with the QGIS API.

    /usr/bin/python3 scripts/make_styles.py OUT.gpkg

OUT.gpkg is any bodnaarplot output (for the field list only).  The styles
are committed; rerun this after changing a style here.  At export,
bodnaarplot fills in what depends on the run: {profile} (the chosen housing
type), the Dutch field aliases from layers/*.yaml, and one category per
facility category of the run (src/qgis.c).

Colours are colour-blind safe: viridis for scores, ColorBrewer Oranges for
the gap, the Okabe-Ito palette for facility categories (with a distinct
marker shape each, so colour is never the only cue).
"""
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsVectorLayer, QgsGraduatedSymbolRenderer,
                       QgsRendererRange, QgsSymbol, QgsFillSymbol, QgsMarkerSymbol,
                       QgsLineSymbol, QgsCategorizedSymbolRenderer, QgsRendererCategory,
                       QgsPalLayerSettings, QgsTextFormat, QgsTextBufferSettings,
                       QgsRuleBasedLabeling, QgsVectorLayerSimpleLabeling, QgsMapLayer,
                       QgsUnitTypes, QgsProperty, QgsSymbolLayer, QgsWkbTypes,
                       QgsCentroidFillSymbolLayer, QgsSingleSymbolRenderer)
from qgis.PyQt.QtGui import QColor, QFont, QPainter

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "layers")
VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
ORANGES = ["#feedde", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d"]
# Okabe-Ito, and a marker shape per category
FACILITIES = [("supermarkt", "#D55E00", "square"), ("huisarts", "#0072B2", "cross_fill"),
              ("apotheek", "#009E73", "diamond"), ("ov_halte", "#000000", "triangle"),
              ("ontmoeting", "#CC79A7", "star"), ("zorg", "#56B4E9", "pentagon"),
              ("groen", "#7fbf3f", "circle"), ("fysiotherapie", "#E69F00", "hexagon")]


def text_format(size, bold=False):
    tf = QgsTextFormat()
    f = QFont("DejaVu Sans")
    f.setBold(bold)
    tf.setFont(f)
    tf.setSize(size)
    tf.setColor(QColor("#111111"))
    b = QgsTextBufferSettings()
    b.setEnabled(True)
    b.setSize(1.2)
    b.setColor(QColor("#ffffff"))
    tf.setBuffer(b)
    return tf


def save(layer, name):
    cats = QgsMapLayer.Symbology | QgsMapLayer.Labeling | QgsMapLayer.Rendering
    path = os.path.join(HERE, name + ".qml")
    msg, ok = layer.saveNamedStyle(path, cats)
    if not ok:
        sys.exit("cannot write %s: %s" % (path, msg))
    print("wrote", os.path.relpath(path))


def plot_symbol(colour, outline, size):
    """The plot itself, and a circle on it: plots are small at a region's scale."""
    s = QgsFillSymbol.createSimple({"color": colour, "outline_color": outline, "outline_width": "0.26"})
    dot = QgsMarkerSymbol.createSimple({"name": "circle", "color": colour, "outline_color": outline,
                                        "outline_width": "0.3", "size": str(size)})
    c = QgsCentroidFillSymbolLayer()
    c.setSubSymbol(dot)
    c.setPointOnSurface(True)
    s.appendSymbolLayer(c)
    return s


def candidates(gpkg):
    l = QgsVectorLayer(gpkg + "|layername=candidates", "candidates", "ogr")
    ranges = []
    ko = plot_symbol("#c8c8c8", "#8c8c8c", 1.6)
    ranges.append(QgsRendererRange(-1, -1, ko, "Afgevallen"))
    for i, (lo, hi) in enumerate([(0, 20), (20, 40), (40, 60), (60, 80), (80, 100)]):
        ranges.append(QgsRendererRange(lo, hi, plot_symbol(VIRIDIS[i], "#222222", 2.4 + 0.3 * i),
                                       "score %d – %d" % (lo, hi)))
    r = QgsGraduatedSymbolRenderer('CASE WHEN "knocked_out" THEN -1 ELSE "score" END', ranges)
    r.setGraduatedMethod(QgsGraduatedSymbolRenderer.GraduatedColor)
    l.setRenderer(r)
    s = QgsPalLayerSettings()
    s.fieldName = "rank"
    s.isExpression = False
    s.placement = QgsPalLayerSettings.OverPoint
    s.setFormat(text_format(11, True))
    s.displayAll = True  # every top-10 rank, even where plots cluster
    root = QgsRuleBasedLabeling.Rule(None)
    rule = QgsRuleBasedLabeling.Rule(s, 0, 0, '"rank" IS NOT NULL AND "rank" <= 10', "Top 10")
    root.appendChild(rule)
    l.setLabeling(QgsRuleBasedLabeling(root))
    l.setLabelsEnabled(True)
    save(l, "candidates")


def gemeente_gap(gpkg):
    l = QgsVectorLayer(gpkg + "|layername=gemeente_gap", "gemeente_gap", "ogr")
    ranges = []
    for i, (lo, hi) in enumerate([(0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.0)]):
        s = QgsFillSymbol.createSimple({"color": ORANGES[i], "outline_color": "#555555", "outline_width": "0.5"})
        ranges.append(QgsRendererRange(lo, hi, s, "tekort %d – %d%%" % (lo * 100, hi * 100)))
    r = QgsGraduatedSymbolRenderer("gap_share_{profile}", ranges)
    l.setRenderer(r)
    # multiplied over what lies below: the basemap and its names show through the choropleth
    l.setBlendMode(QPainter.CompositionMode_Multiply)
    l.setOpacity(0.75)
    s = QgsPalLayerSettings()
    s.fieldName = ("\"gemeente_naam\" || '\\n' || coalesce('tekort ' || "
                   "format_number(\"gap_share_{profile}\" * 100, 0) || '%', 'tekort onbekend')")
    s.isExpression = True
    s.placement = QgsPalLayerSettings.OverPoint
    s.setFormat(text_format(10))
    l.setLabeling(QgsVectorLayerSimpleLabeling(s))
    l.setLabelsEnabled(True)
    save(l, "gemeente_gap")


def facilities(gpkg):
    l = QgsVectorLayer(gpkg + "|layername=facilities", "facilities", "ogr")
    cats = []
    for name, colour, shape in FACILITIES:
        s = QgsMarkerSymbol.createSimple({"name": shape, "color": colour, "outline_color": "#ffffff",
                                          "outline_width": "0.2", "size": "2.2"})
        cats.append(QgsRendererCategory(name, s, name))
    l.setRenderer(QgsCategorizedSymbolRenderer("category", cats))
    save(l, "facilities")


def walk_network(gpkg):
    """Two styles.  walk_network.qml, the default: the streets as thin grey
    context under the plots (the network is the street map the run walked).
    walk_network_looplengte.qml, an alternative style of the project layer
    (Layer Properties > Styles): streets coloured by walking distance to the
    nearest supermarket."""
    # the network layer may not be in OUT.gpkg yet: a memory layer with its fields
    l = QgsVectorLayer("MultiLineString?crs=EPSG:28992&field=dist_supermarkt_m:double", "walk_network", "memory")
    l.setRenderer(QgsSingleSymbolRenderer(QgsLineSymbol.createSimple(
        {"color": "#8c8c8c", "width": "0.2", "capstyle": "round", "joinstyle": "round"})))
    save(l, "walk_network")
    ranges = []
    bounds = [(0, 250), (250, 500), (500, 750), (750, 1000), (1000, 100000)]
    for i, (lo, hi) in enumerate(bounds):
        s = QgsLineSymbol.createSimple({"color": VIRIDIS[len(VIRIDIS) - 1 - i], "width": "0.6"})
        label = "%d – %d m" % (lo, hi) if hi < 100000 else "meer dan %d m" % lo
        ranges.append(QgsRendererRange(lo, hi, s, label))
    l.setRenderer(QgsGraduatedSymbolRenderer("dist_supermarkt_m", ranges))
    save(l, "walk_network_looplengte")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    app = QgsApplication([], False)
    app.initQgis()
    gpkg = sys.argv[1]
    candidates(gpkg)
    gemeente_gap(gpkg)
    facilities(gpkg)
    walk_network(gpkg)
    app.exitQgis()


if __name__ == "__main__":
    main()

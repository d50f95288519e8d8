#!/usr/bin/python3
"""Walking distances on the real Monaco network against a second
implementation, and the network's bad inputs.

    tests/network_test.py BINARY SOURCE_DIR

bodnaarplot runs the Monaco example (both walking profiles) and, through
BP_NETWORK_GRAPH, exports the graph it built (vertices and passable edges
with their costs).  This test attaches the plots and facilities to that
graph itself (shapely: nearest segment, nearest point on it) and computes
the walking distances with networkx's Dijkstra; every plot and category
must agree within 1 cm, unreachable ones on both sides.  Debian packages:
python3-gdal, python3-networkx, python3-shapely.  Ends "N passed, M failed".
"""
import csv
import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import networkx as nx
from osgeo import ogr, osr
from shapely import wkb
from shapely.geometry import LineString, box
from shapely.ops import nearest_points
from shapely.strtree import STRtree

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
work = tempfile.mkdtemp(prefix="bp_network_")
EX = os.path.join(work, "monaco")
shutil.copytree(os.path.join(SRC, "examples", "monaco"), EX)
passed = failed = 0
TOL = 250.0
CATS = ["supermarkt", "apotheek", "zorg", "ov_halte", "ontmoeting", "groen"]


def report(name, ok, why=""):
    global passed, failed
    passed += bool(ok)
    failed += not ok
    print(f"ok - {name}" if ok else f"not ok - {name}: {why}")


def run(*args, env=None):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=env)
    return p.returncode, p.stderr


def read_geoms(path, layer, to_utm):
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName(layer)
    ct = None
    if to_utm:
        src, dst = osr.SpatialReference(), osr.SpatialReference()
        src.ImportFromEPSG(4326)
        dst.ImportFromEPSG(32632)
        for s in (src, dst):
            s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        ct = osr.CoordinateTransformation(src, dst)
    out = []
    for f in lyr:
        g = f.GetGeometryRef().Clone()
        if ct:
            g.Transform(ct)
        out.append((f.GetField(0), wkb.loads(bytes(g.ExportToWkb()))))
    return out


def check_profile(profile):
    prefix = os.path.join(work, f"graph_{profile}")
    out = os.path.join(work, f"out_{profile}.gpkg")
    env = dict(os.environ, BP_NETWORK_GRAPH=prefix)
    rc, err = run("run", os.path.join(EX, "project.yaml"), "--walk-profile", profile, "-o", out, "-q", env=env)
    if rc != 0:
        return report(f"monaco_{profile}_runs", False, err)
    report(f"monaco_{profile}_runs", True)
    xy = {}
    with open(prefix + "_nodes.csv") as fh:
        for r in csv.DictReader(fh):
            xy[int(r["id"])] = (float(r["x"]), float(r["y"]))
    edges = []
    with open(prefix + "_edges.csv") as fh:
        for r in csv.DictReader(fh):
            edges.append((int(r["u"]), int(r["v"]), float(r["length"]), float(r["cost"])))
    segs = [LineString([xy[u], xy[v]]) for u, v, _, _ in edges]
    index_of = {id(s): i for i, s in enumerate(segs)}
    with warnings.catch_warnings():  # shapely 1.8 announces 2.0 changes
        warnings.simplefilter("ignore")
        tree = STRtree(segs)

    def attach(g):
        """(edge, t, attach) of the nearest segment; ties: the lowest index."""
        best = None
        for reach in (TOL, 4 * TOL, 16 * TOL, 1e7):
            x0, y0, x1, y1 = g.bounds
            for s in tree.query(box(x0 - reach, y0 - reach, x1 + reach, y1 + reach)):
                i = index_of[id(s)]
                d = s.distance(g)
                if best is None or d < best[0] or (d == best[0] and i < best[1]):
                    best = (d, i)
            if best is not None and best[0] <= reach:
                break
        d, i = best
        if d > TOL:
            return None, d
        u, v, length, cost = edges[i]
        p = nearest_points(segs[i], g)[0]
        t = math.hypot(p.x - xy[u][0], p.y - xy[u][1]) / length if length > 0 else 0.0
        return (i, min(max(t, 0.0), 1.0), d), d

    plots = read_geoms(os.path.join(EX, "kavels.gpkg"), "kavels", False)
    plot_att = {pid: attach(g)[0] for pid, g in plots}
    G = nx.Graph()
    for u, v, _, cost in edges:
        if not G.has_edge(u, v) or G[u][v]["weight"] > cost:
            G.add_edge(u, v, weight=cost)
    expect = {}
    for cat in CATS:
        facs = [attach(g)[0] for _, g in read_geoms(os.path.join(EX, "voorzieningen.gpkg"), cat, True)]
        facs = [a for a in facs if a is not None]
        H = G.copy()
        for i, t, a in facs:
            u, v, _, cost = edges[i]
            for node, w in ((u, a + t * cost), (v, a + (1 - t) * cost)):
                if not H.has_edge("S", node) or H["S"][node]["weight"] > w:
                    H.add_edge("S", node, weight=w)
        D = nx.single_source_dijkstra_path_length(H, "S", weight="weight")
        for pid, att in plot_att.items():
            if att is None:
                expect[(pid, cat)] = None
                continue
            i, t, a = att
            u, v, _, cost = edges[i]
            best = min(D.get(u, math.inf) + t * cost, D.get(v, math.inf) + (1 - t) * cost) + a
            for fi, ft, fa in facs:
                if fi == i:
                    best = min(best, a + fa + abs(t - ft) * cost)
            expect[(pid, cat)] = None if math.isinf(best) else best
    ds = ogr.Open(out)
    worst, bad, n, unreachable = 0.0, [], 0, 0
    for f in ds.GetLayerByName("candidates"):
        for cat in CATS:
            got, want = f[f"dist_{cat}_m"], expect[(f["plot_id"], cat)]
            n += 1
            if got is None or want is None:
                unreachable += got is None
                if (got is None) != (want is None):
                    bad.append((f["plot_id"], cat, got, want))
                continue
            worst = max(worst, abs(got - want))
            if abs(got - want) > 0.01:
                bad.append((f["plot_id"], cat, got, want))
    report(f"monaco_{profile}_equals_networkx", not bad and n == 81 * len(CATS),
           f"{len(bad)} of {n} differ, e.g. {bad[:3]}")
    print(f"# {profile}: {n} plot-category distances, {unreachable} unreachable on both sides, "
          f"largest difference {worst * 1000:.3f} mm")
    reasons = [f["reason"] for f in ds.GetLayerByName("candidates") if f["reason"]]
    report(f"monaco_{profile}_unreachable_have_reasons",
           all(("reachable over the walking network" in r or "walking distances" in r) for r in reasons) and
           (unreachable == 0 or reasons), f"{reasons[:3]}")
    names = [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]
    report(f"monaco_{profile}_walk_network_layer", "walk_network" in names and
           ds.GetLayerByName("walk_network").GetFeatureCount() > 20000, str(names))
    info = {f["key"]: f["value"] for f in ds.GetLayerByName("run_info")}
    report(f"monaco_{profile}_run_info", info.get("config.network.profile") == profile and
           info.get("distance", "").startswith("network"), str(info.get("config.network.profile")))
    return expect


walk = check_profile("walk")
roll = check_profile("rollator")
if walk and roll:
    more = sum(v is None for v in roll.values()) >= sum(v is None for v in walk.values())
    report("rollator_reaches_no_more_than_walk", more, "steps closed, yet more plots reachable")

# ---- bad input ---------------------------------------------------------------------------------
BASE = ["run", os.path.join(EX, "project.yaml"), "-q"]


def bad(name, extra, code, pattern):
    out = os.path.join(work, f"bad_{name}.gpkg")
    rc, err = run(*BASE, *extra, "-o", out)
    lines = [l for l in err.splitlines() if l.strip()]
    import re
    report(name, rc == code and len(lines) == 1 and re.search(pattern, lines[0]) and not os.path.exists(out),
           f"exit {rc}: {err.strip()[:300]}")


with open(os.path.join(work, "nowalk.osm"), "w") as fh:
    fh.write('<?xml version="1.0"?>\n<osm version="0.6">\n'
             '<node id="1" lat="43.73" lon="7.42"/><node id="2" lat="43.74" lon="7.43"/>\n'
             '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way>\n</osm>\n')
bad("osm_without_walkable_ways", ["--network", os.path.join(work, "nowalk.osm")], 1,
    r"nowalk\.osm: no walkable ways")
data = open(os.path.join(EX, "monaco.osm.pbf"), "rb").read()
open(os.path.join(work, "cut.osm.pbf"), "wb").write(data[: len(data) // 3])
bad("truncated_pbf", ["--network", os.path.join(work, "cut.osm.pbf")], 1, r"cut\.osm\.pbf: damaged or truncated")
bad("missing_network", ["--network", os.path.join(work, "nope.osm.pbf")], 2, r"nope\.osm\.pbf: No such file")
bad("bad_walk_profile", ["--walk-profile", "wheelchair"], 2, r"network\.profile must be walk or rollator")
bad("network_distance_without_network", ["--distance", "network", "--network", ""], 2,
    r"distance: network needs a walking network")
# a line network in another CRS (WGS84 GeoJSON) is reprojected: same distances as the OSM file
lines = os.path.join(work, "lines.geojson")
ds = ogr.GetDriverByName("GeoJSON").CreateDataSource(lines)
s = osr.SpatialReference()
s.ImportFromEPSG(4326)
lyr = ds.CreateLayer("lines", s, ogr.wkbLineString)
lyr.CreateField(ogr.FieldDefn("highway", ogr.OFTString))
for lon0 in (7.40, 7.41, 7.42, 7.43):
    f = ogr.Feature(lyr.GetLayerDefn())
    f.SetField("highway", "footway")
    f.SetGeometry(ogr.CreateGeometryFromWkt(f"LINESTRING({lon0} 43.72, {lon0} 43.76)"))
    lyr.CreateFeature(f)
ds = None
rc, err = run(*BASE, "--network", lines, "-o", os.path.join(work, "lines.gpkg"))
report("line_network_in_wgs84_is_reprojected", rc == 0, err)
# degrees declared as UTM metres: every plot is far from the "network" and says so
import json
j = json.load(open(lines))
j["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32632"}}
wrong = os.path.join(work, "wrong.geojson")
json.dump(j, open(wrong, "w"))
p = subprocess.run([BIN, *BASE[:2], "--network", wrong, "-o", os.path.join(work, "wrong.gpkg")],
                   capture_output=True, text=True)
d = ogr.Open(os.path.join(work, "wrong.gpkg")) if p.returncode == 0 else None
off = d and sum(1 for f in d.GetLayerByName("candidates")
                if f["reason"] and "no walking distances" in f["reason"] and f["dist_supermarkt_m"] is None)
report("network_in_wrong_crs_is_reported", p.returncode == 0 and off == 81 and
       "81 candidate plots lie more than 250 m from a walkable way" in p.stderr,
       f"exit {p.returncode}, {off} plots without walking distances: {p.stderr.strip()[:300]}")

# ---- facilities straight from OpenStreetMap -------------------------------------------------
osm_out = os.path.join(work, "osm.gpkg")
rc, err = run("run", os.path.join(EX, "project_osm.yaml"), "-o", osm_out, "-q")
report("facilities_from_osm_runs", rc == 0, err)
if rc == 0:
    d = ogr.Open(osm_out)
    counts = {}
    for f in d.GetLayerByName("facilities"):
        n, a = counts.get(f["category"], (0, 0))
        counts[f["category"]] = (n + 1, a + (1 if f["is_area"] else 0))
    report("facilities_from_osm_categories",
           set(counts) == {"supermarkt", "huisarts", "apotheek", "ov_halte", "ontmoeting", "zorg", "groen"} and
           counts["groen"][1] == counts["groen"][0] > 0 and counts["ontmoeting"][1] > 0 and counts["huisarts"][0] > 0,
           str(counts))
    info = {f["key"]: f["value"] for f in d.GetLayerByName("run_info")}
    report("facilities_from_osm_tags_in_run_info",
           info.get("config.osm_facilities.huisarts", "").startswith("amenity=doctors") and
           "osm" in info.get("config.facilities.groen.source", ""), str(info.get("config.osm_facilities.huisarts")))
rc, err = run("run", os.path.join(EX, "project.yaml"), "--facilities-from-osm", "--network",
              os.path.join(work, "lines.geojson"), "-o", os.path.join(work, "x.gpkg"), "-q")
report("facilities_from_osm_needs_osm_network", rc == 2 and "needs an .osm or .osm.pbf network" in err, err)

shutil.rmtree(work, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

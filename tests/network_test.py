#!/usr/bin/python3
"""Walking distances on real OpenStreetMap networks against a second
implementation, the two routes into the graph, and the network's bad inputs.

    tests/network_test.py BINARY SOURCE_DIR

bodnaarplot runs the Monaco example and the Delft example (both walking
profiles) and, through BP_NETWORK_GRAPH, exports the graph it built:
vertices (and which ones the profile cannot pass) and passable edges with
their costs, whether they are endpoint ways and whether they cross a
pedestrian area.  This test then does the rest itself, from the README's
description, with shapely and networkx:
  - attachment: nearest passable segment and the nearest point on it; when
    that segment is on an island (a part of the graph no way joins to the
    rest, whatever the profile passes, that is not the largest and has less
    way than network.island_m), also the nearest passable segment of the
    main network within the snap tolerance;
  - endpoint ways walked only at the start and the end of a walk: a graph of
    three layers (still on the endpoint ways the walk began on; public; on
    endpoint ways again, after which no public way follows);
  - a node the profile cannot pass ends a walk but is not passed, unless a
    facility stands on it;
  - one Dijkstra per category from a super source.
Every plot and category must agree within 1 cm, unreachable ones on both
sides.  Counts within the radius over the network are checked the same way
on Monaco.  The Delft extract is also converted with ogr2ogr (GDAL's OSM
driver: lines, multipolygons, points, the other tags in other_tags) and run
as an OGR network: the same graph counts and the same distances within 1 cm
as the .osm.pbf.  Debian packages: python3-gdal, python3-networkx,
python3-shapely, gdal-bin.  Ends "N passed, M failed".
"""
import csv
import json
import math
import os
import re
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

ogr.UseExceptions()
BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
work = tempfile.mkdtemp(prefix="bp_network_")
EX = os.path.join(work, "monaco")
shutil.copytree(os.path.join(SRC, "examples", "monaco"), EX)
DELFT = os.path.join(work, "delft")
shutil.copytree(os.path.join(SRC, "examples", "delft"), DELFT)
passed = failed = 0
TOL = 250.0
MONACO_CATS = ["supermarkt", "apotheek", "zorg", "ov_halte", "ontmoeting", "groen"]
DELFT_CATS = ["supermarkt", "huisarts", "ov_halte", "ontmoeting", "groen"]
NEXT = {0: {0: 1, 1: 1, 2: None}, 1: {0: 0, 1: 2, 2: 2}}  # edge class (0 public, 1 endpoint) -> state -> state


def report(name, ok, why=""):
    global passed, failed
    passed += bool(ok)
    failed += not ok
    print(f"ok - {name}" if ok else f"not ok - {name}: {why}")


def run(*args, env=None):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=env)
    return p.returncode, p.stderr


def read_geoms(path, layer, epsg=None):
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName(layer)
    ct = None
    if epsg:
        dst = osr.SpatialReference()
        dst.ImportFromEPSG(epsg)
        src = lyr.GetSpatialRef()
        for s in (src, dst):
            s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        if not src.IsSame(dst):
            ct = osr.CoordinateTransformation(src, dst)
    out = []
    for f in lyr:
        g = f.GetGeometryRef().Clone()
        if ct:
            g.Transform(ct)
        out.append((f.GetField(0), wkb.loads(bytes(g.ExportToWkb()))))
    return out


class Graph:
    """The exported graph, attachment and the searches, done here."""

    def __init__(self, prefix, island_m):
        self.xy, self.blocked = {}, set()
        with open(prefix + "_nodes.csv") as fh:
            for r in csv.DictReader(fh):
                self.xy[int(r["id"])] = (float(r["x"]), float(r["y"]))
                if r["blocked"] == "1":
                    self.blocked.add(int(r["id"]))
        every = []
        with open(prefix + "_edges.csv") as fh:
            for r in csv.DictReader(fh):
                every.append((int(r["u"]), int(r["v"]), float(r["length"]), float(r["cost"]), int(r["endpoint"])))
        # islands: parts no way of the graph joins to the rest, whatever the profile passes
        G = nx.Graph()
        for u, v, *_ in every:
            G.add_edge(u, v)
        self.comp = {}
        sizes = []
        for k, nodes in enumerate(nx.connected_components(G)):
            for n in nodes:
                self.comp[n] = k
            sizes.append(0.0)
        for u, v, length, *_ in every:
            sizes[self.comp[u]] += length
        largest = max(range(len(sizes)), key=lambda k: sizes[k])
        self.big = {k for k, s in enumerate(sizes) if k == largest or s >= island_m}
        self.edges = [e for e in every if not math.isinf(e[3])]  # the passable ones
        self.segs = [LineString([self.xy[u], self.xy[v]]) for u, v, *_ in self.edges]
        self.index_of = {id(s): i for i, s in enumerate(self.segs)}
        with warnings.catch_warnings():  # shapely 1.8 announces 2.0 changes
            warnings.simplefilter("ignore")
            self.tree = STRtree(self.segs)
        self.endpoint = any(e[4] for e in self.edges)

    def nearest(self, g, keep=None, limit=None):
        best = None
        for reach in (TOL, 4 * TOL, 16 * TOL, 1e7):
            x0, y0, x1, y1 = g.bounds
            for s in self.tree.query(box(x0 - reach, y0 - reach, x1 + reach, y1 + reach)):
                i = self.index_of[id(s)]
                if keep and not keep(i):
                    continue
                d = s.distance(g)
                if best is None or d < best[0] or (d == best[0] and i < best[1]):
                    best = (d, i)
            if best is not None and best[0] <= reach:
                break
            if limit is not None and reach >= limit:
                break
        return best

    def on(self, i, g, d):
        u, v, length, cost, _ = self.edges[i]
        p = nearest_points(self.segs[i], g)[0]
        t = math.hypot(p.x - self.xy[u][0], p.y - self.xy[u][1]) / length if length > 0 else 0.0
        return (i, min(max(t, 0.0), 1.0), d)

    def attach(self, g):
        """up to two (edge, t, attach); [] beyond the tolerance"""
        best = self.nearest(g)
        if best is None or best[0] > TOL:
            return []
        out = [self.on(best[1], g, best[0])]
        if self.comp[self.edges[best[1]][0]] not in self.big:
            alt = self.nearest(g, keep=lambda i: self.comp[self.edges[i][0]] in self.big, limit=TOL)
            if alt is not None and alt[0] <= TOL:
                out.append(self.on(alt[1], g, alt[0]))
        return out

    def layered(self):
        """The three-layer graph (one layer without endpoint ways), without
        the way out of a blocked node; made once."""
        if getattr(self, "H", None) is not None:
            return self.H
        ns = 3 if self.endpoint else 1
        H = nx.DiGraph()
        self.out_of_blocked = []
        for u, v, _, cost, ep in self.edges:
            for s in range(ns):
                s2 = 0 if ns == 1 else NEXT[ep][s]
                if s2 is None:
                    continue
                for a, b in ((u, v), (v, u)):
                    if a in self.blocked:
                        self.out_of_blocked.append(((a, s), (b, s2), cost))
                        continue
                    if not H.has_edge((a, s), (b, s2)) or H[(a, s)][(b, s2)]["weight"] > cost:
                        H.add_edge((a, s), (b, s2), weight=cost)
        self.H = H
        return H

    def search(self, sources, cutoff=None):
        """sources: attachments; {(vertex, state): distance}, and the blocked
        nodes a source stands on (a walk may leave those)"""
        ns = 3 if self.endpoint else 1
        H = self.layered()
        opened = set()
        for i, t, a in sources:
            u, v, _, _, _ = self.edges[i]
            if t == 0:
                opened.add(u)
            if t == 1:
                opened.add(v)
        if opened & self.blocked:
            H = H.copy()
            for a, b, cost in self.out_of_blocked:
                if a[0] in opened and (not H.has_edge(a, b) or H[a][b]["weight"] > cost):
                    H.add_edge(a, b, weight=cost)
        for i, t, a in sources:
            u, v, _, cost, ep = self.edges[i]
            s0 = 0 if ns == 1 or ep else 1
            for node, w in ((u, a + t * cost), (v, a + (1 - t) * cost)):
                key = (node, s0)
                if not H.has_edge("S", key) or H["S"][key]["weight"] > w:
                    H.add_edge("S", key, weight=w)
        D = nx.single_source_dijkstra_path_length(H, "S", cutoff=cutoff, weight="weight")
        H.remove_node("S")
        return D, opened

    def reach(self, D, opened, att, facs):
        ns = 3 if self.endpoint else 1
        best = math.inf
        for i, t, a in att:
            u, v, _, cost, ep = self.edges[i]
            for node, rest, at in ((u, t * cost, t == 0), (v, (1 - t) * cost, t == 1)):
                if not at and node in self.blocked and node not in opened:
                    continue
                for s in range(ns):
                    if not at and ns > 1 and NEXT[ep][s] is None:
                        continue
                    best = min(best, D.get((node, s), math.inf) + rest + a)
            for fi, ft, fa in facs:
                if fi == i:
                    best = min(best, a + fa + abs(t - ft) * cost)
        return best


def independent(prefix, plots, facilities, island_m, radius=None):
    """{(plot, cat): distance or None}, and with radius {(plot, cat): count}"""
    G = Graph(prefix, island_m)
    plot_att = {pid: G.attach(g) for pid, g in plots}
    expect, counts = {}, {}
    for cat, geoms in facilities.items():
        facs = [G.attach(g) for g in geoms]
        flat = [a for f in facs for a in f]
        D, opened = G.search(flat)
        for pid, att in plot_att.items():
            d = G.reach(D, opened, att, flat) if att else math.inf
            expect[(pid, cat)] = None if math.isinf(d) else d
        if radius is not None:
            for pid in plot_att:
                counts[(pid, cat)] = 0
            for f in facs:
                if not f:
                    continue
                Df, of = G.search(f, cutoff=radius)
                for pid, att in plot_att.items():
                    if att and G.reach(Df, of, att, f) <= radius:
                        counts[(pid, cat)] += 1
    return expect, counts, G


def compare(name, out, expect, cats, nplots):
    ds = ogr.Open(out)
    worst, bad, n, unreachable = 0.0, [], 0, 0
    for f in ds.GetLayerByName("candidates"):
        for cat in cats:
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
    report(f"{name}_equals_networkx", not bad and n == nplots * len(cats), f"{len(bad)} of {n} differ, e.g. {bad[:3]}")
    print(f"# {name}: {n} plot-category distances, {unreachable} unreachable on both sides, "
          f"largest difference {worst * 1000:.3f} mm")
    return ds


def info_of(ds):
    return {f["key"]: f["value"] for f in ds.GetLayerByName("run_info")}


# ---- Monaco: both profiles, counts over the network ---------------------------------------
def check_monaco(profile, counts=False):
    name = f"monaco_{profile}" + ("_counts" if counts else "")
    prefix = os.path.join(work, f"graph_{name}")
    out = os.path.join(work, f"out_{name}.gpkg")
    env = dict(os.environ, BP_NETWORK_GRAPH=prefix)
    extra = ["--network-counts", "network"] if counts else []
    rc, err = run("run", os.path.join(EX, "project.yaml"), "--walk-profile", profile, "-o", out, "-q", *extra, env=env)
    if rc != 0:
        return report(f"{name}_runs", False, err)
    report(f"{name}_runs", True)
    plots = read_geoms(os.path.join(EX, "kavels.gpkg"), "kavels")
    facs = {c: [g for _, g in read_geoms(os.path.join(EX, "voorzieningen.gpkg"), c, 32632)] for c in MONACO_CATS}
    expect, cnt, G = independent(prefix, plots, facs, 1000, radius=500 if counts else None)
    ds = compare(name, out, expect, MONACO_CATS, 81)
    info = info_of(ds)
    if counts:
        bad = []
        for f in ds.GetLayerByName("candidates"):
            for cat in MONACO_CATS:
                if f[f"n_{cat}_500m"] != cnt[(f["plot_id"], cat)]:
                    bad.append((f["plot_id"], cat, f[f"n_{cat}_500m"], cnt[(f["plot_id"], cat)]))
        total = sum(cnt.values())
        report(f"{name}_counts_equal_networkx", not bad and total > 0, f"{len(bad)} differ, e.g. {bad[:3]}")
        report(f"{name}_run_info_says_counts_over_network",
               "counts n_ within the radius over the network" in info.get("distance", "") and
               info.get("config.network.counts") == "network", info.get("distance"))
        return expect
    reasons = [f["reason"] for f in ds.GetLayerByName("candidates") if f["reason"]]
    report(f"{name}_unreachable_have_reasons",
           all(("reachable over the walking network" in r or "walking distances" in r) for r in reasons), f"{reasons[:3]}")
    n_edges = int(re.match(r"\d+ nodes, (\d+) edges", info["network.graph"]).group(1))
    mesh = int(re.search(r"; (\d+) edges across", info["network.graph"]).group(1))
    layer = ds.GetLayerByName("walk_network")
    report(f"{name}_walk_network_around", layer is not None and 0 < layer.GetFeatureCount() <= n_edges + mesh,
           f"{layer.GetFeatureCount() if layer else None} of {n_edges + mesh}")
    report(f"{name}_run_info", info.get("config.network.profile") == profile and
           info.get("distance", "").startswith("network") and "network.islands" in info and
           "highway ways by deciding rule" in info.get("network.rules", ""), str(info.get("config.network.profile")))
    return expect


walk = check_monaco("walk")
roll = check_monaco("rollator")
if walk and roll:
    more = sum(v is None for v in roll.values()) >= sum(v is None for v in walk.values())
    report("rollator_reaches_no_more_than_walk", more, "steps closed, yet more plots reachable")
check_monaco("walk", counts=True)

# walk_network: all and none
for mode, check in (("all", lambda l, n: l is not None and l.GetFeatureCount() == n), ("none", lambda l, n: l is None)):
    out = os.path.join(work, f"wn_{mode}.gpkg")
    rc, err = run("run", os.path.join(EX, "project.yaml"), "--walk-network", mode, "-o", out, "-q")
    if rc != 0:
        report(f"walk_network_{mode}", False, err)
        continue
    ds = ogr.Open(out)
    info = info_of(ds)
    m = re.match(r"\d+ nodes, (\d+) edges.*; (\d+) edges across", info["network.graph"])
    layer = ds.GetLayerByName("walk_network")
    report(f"walk_network_{mode}", check(layer, int(m.group(1)) + int(m.group(2))),
           f"{layer.GetFeatureCount() if layer else None} features, graph {m.group(0)}")

# ---- Delft: the real Dutch network, both profiles; PBF and GPKG agree ----------------------
DELFT_PLOTS = read_geoms(os.path.join(DELFT, "kavels.gpkg"), "kavels")
DELFT_FACS = {c: [g for _, g in read_geoms(os.path.join(DELFT, "voorzieningen.gpkg"), c, 28992)] for c in DELFT_CATS}
full = os.path.join(work, "delft_full.gpkg")
p = subprocess.run(["ogr2ogr", "-f", "GPKG", full, os.path.join(DELFT, "delft_tudelft.osm.pbf")],
                   capture_output=True, text=True)
report("delft_ogr2ogr_copy", p.returncode == 0, p.stderr[-300:])


def delft_run(network, profile, name, env=None):
    out = os.path.join(work, f"{name}.gpkg")
    rc, err = run("run", os.path.join(DELFT, "project_lines.yaml"), "--network", network, "--walk-profile", profile,
                  "-o", out, "-q", env=env)
    return (out if rc == 0 else None), err


for profile in ("walk", "rollator"):
    prefix = os.path.join(work, f"graph_delft_{profile}")
    pbf, err = delft_run(os.path.join(DELFT, "delft_tudelft.osm.pbf"), profile, f"delft_pbf_{profile}",
                         env=dict(os.environ, BP_NETWORK_GRAPH=prefix))
    report(f"delft_{profile}_runs", pbf is not None, err)
    if not pbf:
        continue
    expect, _, G = independent(prefix, DELFT_PLOTS, DELFT_FACS, 1000)
    ds = compare(f"delft_{profile}", pbf, expect, DELFT_CATS, len(DELFT_PLOTS))
    reached = sum(1 for (pid, cat), v in expect.items() if v is not None)
    report(f"delft_{profile}_reach_at_least_97pct", reached >= 0.97 * len(expect), f"{reached} of {len(expect)}")
    info_pbf = info_of(ds)
    # the same extract through GDAL's OSM driver (ogr2ogr), read as OGR layers
    gp, err = delft_run(full + "|layername=lines", profile, f"delft_gpkg_{profile}")
    if not gp:
        report(f"delft_{profile}_pbf_equals_gpkg", False, err)
        continue
    info_gp = info_of(ogr.Open(gp))
    same_graph = all(info_pbf.get(k) == info_gp.get(k) for k in ("network.graph", "network.islands", "network.rules"))
    ds_a = ogr.Open(pbf)
    a = {f["plot_id"]: {c: f[f"dist_{c}_m"] for c in DELFT_CATS} for f in ds_a.GetLayerByName("candidates")}
    worst, differ = 0.0, 0
    ds_b = ogr.Open(gp)
    for f in ds_b.GetLayerByName("candidates"):
        g = a[f["plot_id"]]
        for cat in DELFT_CATS:
            x, y = f[f"dist_{cat}_m"], g[cat]
            if (x is None) != (y is None):
                differ += 1
            elif x is not None:
                worst = max(worst, abs(x - y))
    report(f"delft_{profile}_pbf_equals_gpkg", same_graph and differ == 0 and worst <= 0.01,
           f"graph {info_pbf.get('network.graph')} / {info_gp.get('network.graph')}; {differ} reachability "
           f"differences, largest {worst:.4f} m")
    print(f"# delft {profile}: {info_pbf.get('network.graph')}; PBF and GPKG largest difference {worst * 1000:.3f} mm")

# ---- bad input ---------------------------------------------------------------------------------
BASE = ["run", os.path.join(EX, "project.yaml"), "-q"]


def bad(name, extra, code, pattern):
    out = os.path.join(work, f"bad_{name}.gpkg")
    rc, err = run(*BASE, *extra, "-o", out)
    lines = [l for l in err.splitlines() if l.strip()]
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
rules = os.path.join(work, "rules.yaml")
with open(rules, "w") as fh:
    fh.write("extends: builtin\nway_rules:\n  - id: x\n    walk: perhaps\n")
bad("rules_file_error_names_line", ["--walk-rules", rules], 2, r"rules\.yaml line 4: walk must be")
bad("missing_rules_file", ["--walk-rules", os.path.join(work, "nope.yaml")], 2, r"nope\.yaml: cannot open")
proj = os.path.join(EX, "override.yaml")
with open(proj, "w") as fh:
    fh.write(open(os.path.join(EX, "project.yaml")).read().replace("  snap_tolerance_m: 250\n",
             '  snap_tolerance_m: 250\n  override: "privat_access=yes"\n'))
rc, err = run("run", proj, "-q", "-o", os.path.join(work, "ov.gpkg"))
report("unknown_override_rule_is_named", rc == 2 and "network.override: no rule with id 'privat_access'" in err, err)
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
    info = info_of(d)
    report("facilities_from_osm_tags_in_run_info",
           info.get("config.osm_facilities.huisarts", "").startswith("amenity=doctors") and
           "osm" in info.get("config.facilities.groen.source", ""), str(info.get("config.osm_facilities.huisarts")))
    # multipolygon relations count too: Monaco's parks include relations
    rel = subprocess.run(["ogrinfo", "-q", "-dialect", "sqlite", "-sql",
                          "SELECT count(*) FROM multipolygons WHERE osm_id IS NOT NULL AND leisure IN ('park', 'garden')",
                          os.path.join(EX, "monaco.osm.pbf")], capture_output=True, text=True)
    m = re.search(r"= (\d+)", rel.stdout)
    ways = subprocess.run(["ogrinfo", "-q", "-dialect", "sqlite", "-sql",
                           "SELECT count(*) FROM multipolygons WHERE osm_way_id IS NOT NULL AND leisure IN ('park', 'garden')",
                           os.path.join(EX, "monaco.osm.pbf")], capture_output=True, text=True)
    mw = re.search(r"= (\d+)", ways.stdout)
    if m and mw:
        report("facilities_from_osm_multipolygons", counts["groen"][0] == int(m.group(1)) + int(mw.group(1)),
               f"groen {counts['groen'][0]}, GDAL: {m.group(1)} relations + {mw.group(1)} closed ways")
rc, err = run("run", os.path.join(EX, "project.yaml"), "--facilities-from-osm", "--network",
              os.path.join(work, "lines.geojson"), "-o", os.path.join(work, "x.gpkg"), "-q")
report("facilities_from_osm_needs_osm_network", rc == 2 and "needs an .osm or .osm.pbf network" in err, err)

shutil.rmtree(work, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

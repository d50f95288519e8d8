#!/usr/bin/python3
"""delft_reach.py OUT.gpkg [OUT2.gpkg ...] [--soort building] [--min-pct 97]

How many candidate plots get a walking distance, per facility category, in
a bodnaarplot output GeoPackage (written with a walking network).  Made for
the Delft example (examples/delft), where the plots are OSM buildings and
open land, and the issue "network" asks that >= 97% of the buildings within
the snap tolerance reach every category that has facilities; it works on any
output with a `candidates` layer.

Per category it prints
  facilities  the number used (`facilities` layer, else run_info)
  reached     plots with a walking distance (dist_<category>_m not empty)
  of all      ... as a share of all plots counted
  in tol      plots within the snap tolerance of a passable way
  reached/tol reached ones among those (the figure the issue's target is on)
and a last row `every category`: plots that reach all categories with
facilities.  "Within the snap tolerance" is measured here, independently of
bodnaarplot: the distance from the plot to the nearest passable edge of the
`walk_network` layer (cost not empty or infinite), with shapely; without
shapely or without that layer it falls back to the plot's `reason` (no
"no walking distances: ... m from the nearest walkable way").

--soort VALUE   count only plots whose field `soort` equals VALUE (default:
                building when the layer has a field soort, else every plot;
                --soort '' counts every plot)
--tolerance M   snap tolerance (default: run_info config.network.snap_tolerance_m,
                else 250)
--min-pct P     exit 1 when, for some category with facilities, fewer than P%
                of the plots within the tolerance reach it (the acceptance
                check; without it the exit status is 0)

Needs Debian's python3-gdal (and python3-shapely for the geometric check).
"""
import argparse
import warnings
import math
import sys

from osgeo import ogr

ogr.UseExceptions()
warnings.filterwarnings("ignore", message="STRtree will be changed")


def run_info(ds):
    lyr = ds.GetLayerByName("run_info")
    info = {}
    if lyr is None:
        return info
    for f in lyr:
        info[f.GetField("key")] = f.GetField("value")
    return info


def facility_counts(ds, cats, info):
    counts = {c: None for c in cats}
    lyr = ds.GetLayerByName("facilities")
    if lyr is not None and lyr.GetLayerDefn().GetFieldIndex("category") >= 0:
        counts = {c: 0 for c in cats}
        for f in lyr:
            c = f.GetField("category")
            if c in counts:
                counts[c] += 1
    for c in cats:  # categories with no facility have no row in `facilities`
        used = info.get("input.facilities.%s.features_used" % c)
        if used is not None and (counts[c] is None or counts[c] == 0):
            counts[c] = int(used)
    return counts


def passable_index(ds):
    """An STRtree over the passable walk_network edges, or None."""
    try:
        from shapely import wkb
        from shapely.strtree import STRtree
    except ImportError:
        return None
    lyr = ds.GetLayerByName("walk_network")
    if lyr is None:
        return None
    geoms = []
    for f in lyr:
        cost = f.GetField("cost_m")
        g = f.GetGeometryRef()
        if g is None or cost is None or math.isinf(cost) or math.isnan(cost):
            continue
        geoms.append(wkb.loads(bytes(g.ExportToWkb())))
    if not geoms:
        return None
    return STRtree(geoms)


def nearest_dist(tree, geom):
    from shapely import wkb
    g = wkb.loads(bytes(geom.ExportToWkb()))
    near = tree.nearest(g)
    if not hasattr(near, "distance"):  # shapely 2 returns an index
        near = tree.geometries[near]
    return g.distance(near)


def report(path, args):
    ds = ogr.Open(path)
    if ds is None:
        sys.exit("%s: cannot open" % path)
    lyr = ds.GetLayerByName("candidates")
    if lyr is None:
        sys.exit("%s: no candidates layer" % path)
    defn = lyr.GetLayerDefn()
    fields = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    cats = [f[5:-2] for f in fields if f.startswith("dist_") and f.endswith("_m")]
    info = run_info(ds)
    tol = args.tolerance
    if tol is None:
        tol = float(info.get("config.network.snap_tolerance_m") or 250)
    soort = args.soort
    if soort is None:
        soort = "building" if "soort" in fields else ""
    nfac = facility_counts(ds, cats, info)
    tree = passable_index(ds)
    how = "geometry (walk_network, shapely)" if tree is not None else "reason field"

    total = intol = 0
    reached = {c: 0 for c in cats}
    reached_tol = {c: 0 for c in cats}
    every = every_tol = 0
    with_fac = [c for c in cats if nfac.get(c)]
    lyr.ResetReading()
    for f in lyr:
        if soort and f.GetField("soort") != soort:
            continue
        total += 1
        if tree is not None and f.GetGeometryRef() is not None:
            inside = nearest_dist(tree, f.GetGeometryRef()) <= tol
        else:
            inside = "no walking distances" not in (f.GetField("reason") or "")
        intol += inside
        all_ok = True
        for c in cats:
            ok = f.IsFieldSetAndNotNull("dist_%s_m" % c)
            reached[c] += ok
            reached_tol[c] += ok and inside
            if c in with_fac and not ok:
                all_ok = False
        every += all_ok
        every_tol += all_ok and inside

    def pct(a, b):
        return "%5.1f%%" % (100.0 * a / b) if b else "    -"

    print("%s" % path)
    print("  network: %s; profile %s; snap tolerance %g m; counted: %s (%d plots, %d within tolerance by %s)"
          % (info.get("network.graph", "?"), info.get("config.network.profile", "?"), tol,
             "soort = %s" % soort if soort else "every plot", total, intol, how))
    print("  %-16s %10s %8s %7s %8s %11s" % ("category", "facilities", "reached", "of all", "in tol", "reached/tol"))
    worst = None
    for c in cats:
        nf = nfac.get(c)
        mark = "" if nf else "  (no facilities)"
        print("  %-16s %10s %8d %7s %8d %11s%s" % (c, "?" if nf is None else nf, reached[c],
                                                 pct(reached[c], total), reached_tol[c], pct(reached_tol[c], intol), mark))
        if nf and intol:
            share = 100.0 * reached_tol[c] / intol
            worst = share if worst is None else min(worst, share)
    print("  %-16s %10s %8d %7s %8d %11s" % ("every category", "", every, pct(every, total), every_tol, pct(every_tol, intol)))
    print("  unreached among all %d: %s" % (total, ", ".join("%s %d" % (c, total - reached[c]) for c in with_fac)))
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gpkg", nargs="+")
    ap.add_argument("--soort", default=None)
    ap.add_argument("--tolerance", type=float, default=None)
    ap.add_argument("--min-pct", type=float, default=None)
    args = ap.parse_args()
    failed = False
    for i, p in enumerate(args.gpkg):
        if i:
            print()
        worst = report(p, args)
        if args.min_pct is not None and (worst is None or worst < args.min_pct):
            print("  FAIL: a category with facilities is reached by %s of the plots within tolerance (< %g%%)"
                  % ("none" if worst is None else "%.1f%%" % worst, args.min_pct))
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

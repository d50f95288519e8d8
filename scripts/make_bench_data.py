#!/usr/bin/python3
"""
make_bench_data.py - synthetic benchmark input for bodnaarplot (EPSG:28992).

Writes into OUTDIR (existing files are overwritten):
  gemeenten.gpkg   layer "gemeenten": 16 square gemeenten of 10 x 10 km tiling
                   a 40 x 40 km area with origin (150000, 450000); fields
                   gemeentecode (GM9001..GM9016), gemeentenaam.
  plots.gpkg       layer "plots": N rotated quadrilaterals of 500-5000 m2, each
                   entirely inside one gemeente (plots may overlap each other);
                   fields plot_id (unique String), eigendom (String),
                   oppervlakte_m2 (Real), beschikbaar_vanaf (Integer),
                   max_woningen (Integer64), peildatum (Date).
  facilities.gpkg  8 point layers supermarkt huisarts apotheek ov_halte
                   ontmoeting zorg groen fysio, --per-category points each
                   (ov_halte 5x as many), field naam; about 60% clustered
                   around town centres, the rest spread out.
  targets.csv      comma separated gemeente_code,woningtype,opgave,plannen,
                   gerealiseerd for every gemeente x (nultreden, geclusterd,
                   zorggeschikt).
  bench_params.txt written last, records the parameters (scripts/bench.sh uses
                   it to decide whether existing data can be reused).

Run:
    /usr/bin/python3 scripts/make_bench_data.py OUTDIR [--plots 100000]
        [--per-category 2000] [--seed 1]
Deterministic for a given seed. 100k plots take a few seconds.
"""

import argparse
import math
import os
import random
import struct
import sys
import time

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

ORIGIN_X, ORIGIN_Y = 150000.0, 450000.0
TILE = 10000.0                  # gemeente side (m)
GRID = 4                        # 4 x 4 gemeenten
MARGIN = 100.0                  # plot centres stay this far from gemeente edges
CATEGORIES = ["supermarkt", "huisarts", "apotheek", "ov_halte", "ontmoeting",
              "zorg", "groen", "fysio"]
OV_FACTOR = 5                   # ov_halte gets 5x --per-category points
OWNERS = ["gemeente", "corporatie", "zorgorganisatie", "ontwikkelaar",
          "particulier"]
TYPES = [("nultreden", 0.0088), ("geclusterd", 0.0054), ("zorggeschikt", 0.0024)]


def wkb_polygon(coords):
    """Little-endian WKB for a one-ring polygon (ring closed here)."""
    flat = []
    for x, y in coords:
        flat += (x, y)
    flat += coords[0]
    n = len(coords) + 1
    return struct.pack("<BIII%dd" % (2 * n), 1, 3, 1, n, *flat)


def wkb_point(x, y):
    return struct.pack("<BIdd", 1, 1, x, y)


def gemeenten_list():
    out = []
    for j in range(GRID):
        for i in range(GRID):
            k = j * GRID + i + 1
            x0 = ORIGIN_X + i * TILE
            y0 = ORIGIN_Y + j * TILE
            out.append(("GM%04d" % (9000 + k), "Benchgemeente %02d" % k, x0, y0))
    return out


def create(path, srs, name, gtype):
    if os.path.exists(path):
        os.remove(path)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    lyr = ds.CreateLayer(name, srs, gtype) if name else None
    return ds, lyr


def write_gemeenten(path, srs, gems):
    ds, lyr = create(path, srs, "gemeenten", ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("gemeentecode", ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("gemeentenaam", ogr.OFTString))
    defn = lyr.GetLayerDefn()
    ds.StartTransaction()
    for code, name, x0, y0 in gems:
        f = ogr.Feature(defn)
        f.SetField(0, code)
        f.SetField(1, name)
        f.SetGeometryDirectly(ogr.CreateGeometryFromWkb(wkb_polygon(
            [(x0, y0), (x0 + TILE, y0), (x0 + TILE, y0 + TILE), (x0, y0 + TILE)])))
        lyr.CreateFeature(f)
    ds.CommitTransaction()
    ds = None


def write_plots(path, srs, gems, n, rng):
    ds, lyr = create(path, srs, "plots", ogr.wkbPolygon)
    fields = [("plot_id", ogr.OFTString), ("eigendom", ogr.OFTString),
              ("oppervlakte_m2", ogr.OFTReal), ("beschikbaar_vanaf", ogr.OFTInteger),
              ("max_woningen", ogr.OFTInteger64), ("peildatum", ogr.OFTDate)]
    for name, t in fields:
        lyr.CreateField(ogr.FieldDefn(name, t))
    defn = lyr.GetLayerDefn()
    width = max(6, len(str(n)))
    log_lo, log_hi = math.log(500.0), math.log(5000.0)
    ds.StartTransaction()
    for k in range(n):
        _, _, x0, y0 = gems[rng.randrange(len(gems))]
        cx = rng.uniform(x0 + MARGIN, x0 + TILE - MARGIN)
        cy = rng.uniform(y0 + MARGIN, y0 + TILE - MARGIN)
        # target area log-uniform in [550, 4500] so the jittered quad stays
        # comfortably within 500-5000 m2
        area = math.exp(rng.uniform(log_lo + 0.1, log_hi - 0.1))
        aspect = rng.uniform(1.0, 2.0)
        w = math.sqrt(area * aspect)
        h = area / w
        a = math.radians(rng.uniform(-30.0, 30.0))
        ca, sa = math.cos(a), math.sin(a)
        j = 0.04 * h
        coords = []
        for ux, uy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2),
                       (-w / 2, h / 2)):
            ux += rng.uniform(-j, j)
            uy += rng.uniform(-j, j)
            coords.append((round(cx + ux * ca - uy * sa, 2),
                           round(cy + ux * sa + uy * ca, 2)))
        f = ogr.Feature(defn)
        f.SetField(0, "P%0*d" % (width, k + 1))
        f.SetField(1, OWNERS[rng.randrange(len(OWNERS))])
        f.SetField(2, round(area, 1))
        f.SetField(3, rng.randint(2026, 2032))
        f.SetField(4, max(4, int(area / 60)))
        f.SetField(5, 2025, rng.randint(1, 12), rng.randint(1, 28), 0, 0, 0, 0)
        f.SetGeometryDirectly(ogr.CreateGeometryFromWkb(wkb_polygon(coords)))
        lyr.CreateFeature(f)
        if (k + 1) % 50000 == 0:          # keep transactions reasonably sized
            ds.CommitTransaction()
            ds.StartTransaction()
    ds.CommitTransaction()
    ds = None


def write_facilities(path, srs, gems, per_cat, rng):
    ds, _ = create(path, srs, None, None)
    # three town centres per gemeente
    centres = []
    for _, _, x0, y0 in gems:
        for _ in range(3):
            centres.append((rng.uniform(x0 + 1500, x0 + TILE - 1500),
                            rng.uniform(y0 + 1500, y0 + TILE - 1500),
                            rng.uniform(400, 1200)))
    xmax = ORIGIN_X + GRID * TILE
    ymax = ORIGIN_Y + GRID * TILE
    counts = {}
    for cat in CATEGORIES:
        n = per_cat * (OV_FACTOR if cat == "ov_halte" else 1)
        lyr = ds.CreateLayer(cat, srs, ogr.wkbPoint)
        lyr.CreateField(ogr.FieldDefn("naam", ogr.OFTString))
        defn = lyr.GetLayerDefn()
        ds.StartTransaction()
        for k in range(n):
            if rng.random() < 0.6:
                cx, cy, s = centres[rng.randrange(len(centres))]
                x = min(max(rng.gauss(cx, s), ORIGIN_X), xmax)
                y = min(max(rng.gauss(cy, s), ORIGIN_Y), ymax)
            else:
                x = rng.uniform(ORIGIN_X, xmax)
                y = rng.uniform(ORIGIN_Y, ymax)
            f = ogr.Feature(defn)
            f.SetField(0, "%s %d" % (cat, k + 1))
            f.SetGeometryDirectly(ogr.CreateGeometryFromWkb(
                wkb_point(round(x, 2), round(y, 2))))
            lyr.CreateFeature(f)
        ds.CommitTransaction()
        counts[cat] = n
    ds = None
    return counts


def write_targets(path, gems, rng):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("gemeente_code,woningtype,opgave,plannen,gerealiseerd\n")
        for code, _, _, _ in gems:
            inhabitants = rng.randint(15000, 120000)
            for typ, rate in TYPES:
                opgave = max(5, int(inhabitants * rate * rng.uniform(0.8, 1.2)))
                share = rng.uniform(1.6, 2.4) if typ == "nultreden" else rng.uniform(0.3, 0.6)
                fh.write("%s,%s,%d,%d,%d\n" % (code, typ, opgave,
                                               int(opgave * share),
                                               int(opgave * rng.uniform(0.02, 0.12))))


def main():
    ap = argparse.ArgumentParser(description="Synthetic benchmark data for bodnaarplot.")
    ap.add_argument("outdir")
    ap.add_argument("--plots", type=int, default=100000)
    ap.add_argument("--per-category", type=int, default=2000,
                    help="points per facility layer (ov_halte gets %dx)" % OV_FACTOR)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.plots < 1 or args.per_category < 1:
        sys.exit("--plots and --per-category must be positive")

    os.makedirs(args.outdir, exist_ok=True)
    stamp = os.path.join(args.outdir, "bench_params.txt")
    if os.path.exists(stamp):
        os.remove(stamp)
    # fast, non-durable SQLite writes: this is throw-away data
    gdal.SetConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF")
    gdal.SetConfigOption("OGR_SQLITE_JOURNAL", "OFF")
    gdal.SetConfigOption("OGR_CURRENT_DATE", "2025-01-01T00:00:00.000Z")

    t0 = time.time()
    rng = random.Random(args.seed)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(28992)
    gems = gemeenten_list()

    write_gemeenten(os.path.join(args.outdir, "gemeenten.gpkg"), srs, gems)
    write_plots(os.path.join(args.outdir, "plots.gpkg"), srs, gems, args.plots, rng)
    t1 = time.time()
    counts = write_facilities(os.path.join(args.outdir, "facilities.gpkg"), srs,
                              gems, args.per_category, rng)
    write_targets(os.path.join(args.outdir, "targets.csv"), gems, rng)
    with open(stamp, "w") as fh:
        fh.write("plots=%d per_category=%d seed=%d\n"
                 % (args.plots, args.per_category, args.seed))
    t2 = time.time()
    print("make_bench_data: %d gemeenten, %d plots (%.1f s), %d facilities in %d "
          "layers, %d target rows; total %.1f s -> %s"
          % (len(gems), args.plots, t1 - t0, sum(counts.values()), len(counts),
             3 * len(gems), t2 - t0, args.outdir))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""
make_national_data.py - national-scale benchmark input for bodnaarplot: the
real gemeenten of the Netherlands with synthetic plots, facilities, targets
and (optionally) a walking network, all in EPSG:28992.

Writes into OUTDIR (existing files of the same name are replaced):

  gemeenten.gpkg      layer "gemeenten": every polygon of the CBS gemeenten
                      2015 (default ../shared/data/cbs/gemeenten_2015.gpkg,
                      relative to the repository root), land and water parts
                      and CBS's odd GM9999 row, geometries copied as they are
                      (59 invalid ones included); fields gemeentecode,
                      gemeentenaam, aantal_inwoners (-99999999 = secret, as in
                      the source) and water (NEE land, JA water, B GM9999).
  kavels.gpkg         layer "kavels": --plots rotated rectangles, sides
                      log-uniform 15-80 m (4% of them 80-200 m, so capacity
                      varies from 1 to over 200 homes); fields kavel_id
                      (Integer, 1..N in file order), eigendom (String).
                      Plots are spread over the land parts of the gemeenten in
                      proportion to aantal_inwoners (a secret or missing figure
                      is estimated from the land area at the national median
                      density), 75% clustered around town centres, 25% uniform
                      over the gemeente; each plot lies inside the land polygon
                      of its gemeente (centres at least ~100 m, large plots
                      ~200 m, from its edge: a 50 m raster of the land parts,
                      eroded).  File order: by gemeente, then by 2 km tile,
                      like a national parcel extract.
                      --outside-fraction F puts a share F of the plots
                      uniformly in a box larger than the country (North Sea,
                      Germany, Belgium): many of those lie outside every
                      gemeente (the count is printed).
  voorzieningen.gpkg  one layer per category, in proportion to population:
                      supermarkt 6,000, huisarts 5,000, apotheek 2,000,
                      ov_halte 40,000, ontmoeting 3,000, zorg 2,500,
                      fysiotherapie 7,000 (points) and groen 10,000 (parks:
                      rotated rectangles of 40-400 m a side); field naam.
                      Clustered around the same town centres as the plots
                      (ov_halte and groen less so).  The counts do not depend
                      on --plots.
  opgave.csv          targets per land gemeente x (nultreden, geclusterd,
                      zorggeschikt), ';'-separated (README "Targets CSV"):
                      opgave in proportion to the number of inhabitants aged
                      65+, national totals within a few homes of 153,300 /
                      94,000 / 41,300; plannen 230% of opgave for nultreden,
                      45% and 42% for the other two (per gemeente they vary);
                      gerealiseerd 2-12%; a few cells empty or -99999999
                      (missing / secret), which bodnaarplot warns about.
  project.yaml        `bodnaarplot run OUTDIR/project.yaml` (relative paths,
                      euclidean distances, output kandidaten.gpkg).
  national_params.txt the parameters of the above (written last).

With --network (or --network-only, which leaves the rest alone) also:

  network.gpkg        layer "network": a synthetic walking network of about
                      --vertices graph vertices (default 10,000,000) over all
                      land of the gemeenten, as LineStrings with fields
                      highway and surface, vertices joined where they coincide
                      (exactly: every line takes its coordinates from one
                      lattice, x = x0 + i*s, y = y0 + j*s).  Layout: a square
                      lattice of spacing s (chosen to hit --vertices; printed),
                      every lattice line inside towns (within 2 sigma of a
                      town centre), every --rural-every-th line in the
                      countryside; 4% of the edges removed at random; 15
                      canals (straight, 20-120 km, no line of their own, a
                      bridge every 800 m) and 20 motorways (highway=motorway,
                      not walkable, a crossing every 2 km) cut every edge they
                      cross.  Each maximal run of edges along a lattice row or
                      column is one LineString: highway residential/footway
                      (towns; short ones sometimes steps) or unclassified/
                      track (countryside; tracks have surface=gravel, rough
                      for the rollator profile).
  project_network.yaml  project.yaml plus network: network.gpkg (walk profile),
                      output kandidaten_network.gpkg.
  network_params.txt  the network parameters (written last).

Run (from the repository root; numpy from Debian's python3-numpy):
    /usr/bin/python3 scripts/make_national_data.py build/national/p1000000 \\
        --plots 1000000 [--seed 1] [--outside-fraction 0] \\
        [--network [--vertices 10000000]] [--network-only] \\
        [--gemeenten-source PATH]
Deterministic for a given seed: town centres, facilities, targets and the
network do not depend on --plots.  Timings are printed per step.  On the
2-core development machine 1M plots take about 25 s, 10M about 4 minutes;
the 10M-vertex network about 2 minutes and 3 GB of memory.
"""

import argparse
import os
import struct
import sys
import time

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_GEMEENTEN = os.path.join(REPO, "..", "shared", "data", "cbs", "gemeenten_2015.gpkg")

CELL = 50.0                     # raster cell (m) for placing things on land
# depth of a raster cell: 0 outside the land gemeenten, else 1 + the number
# of rings of cells of the same gemeente around it (capped); a plot centre
# keeps SMALL_DEPTH (>= ~75 m to the edge; plots reach at most 57 m from their
# centre) or, for large plots, LARGE_DEPTH (>= ~175 m; they reach 141 m)
SMALL_DEPTH, LARGE_DEPTH = 3, 5
LARGE_SHARE = 0.04
OWNERS = ["gemeente", "corporatie", "zorgorganisatie", "ontwikkelaar", "particulier"]
OWNER_P = [0.12, 0.18, 0.05, 0.15, 0.50]
# category: (count, share clustered around town centres)
FACILITIES = [("supermarkt", 6000, 0.85), ("huisarts", 5000, 0.85), ("apotheek", 2000, 0.90),
              ("ov_halte", 40000, 0.55), ("ontmoeting", 3000, 0.80), ("zorg", 2500, 0.75),
              ("groen", 10000, 0.50), ("fysiotherapie", 7000, 0.85)]
TARGETS = [("nultreden", 153300, 2.30), ("geclusterd", 94000, 0.45), ("zorggeschikt", 41300, 0.42)]
OUTSIDE_BOX = (-10000.0, 280000.0, 300000.0, 640000.0)   # xmin, ymin, xmax, ymax
SECRET = -99999990

# independent random streams: adding plots never changes the rest
S_CENTRES, S_PLOTS, S_FAC, S_TARGETS, S_NET, S_OUTSIDE = range(1, 7)


def rng_for(seed, stream):
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


class Timer:
    def __init__(self):
        self.t0 = self.t = time.time()

    def __call__(self, what):
        now = time.time()
        print("  %-44s %7.1f s" % (what, now - self.t), flush=True)
        self.t = now


def srs_rd():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(28992)
    return srs


def new_gpkg(path):
    if os.path.exists(path):
        os.remove(path)
    return ogr.GetDriverByName("GPKG").CreateDataSource(path)


# ---------------------------------------------------------------- gemeenten

class Gemeenten:
    """The source polygons, the land gemeenten (index 1..G) and their weights."""

    def __init__(self, src):
        ds = ogr.Open(src)
        lyr = ds.GetLayer(0)
        self.rows = []          # (code, name, inwoners, water, wkb, pct65)
        for f in lyr:
            g = f.GetGeometryRef()
            self.rows.append((f.GetField("gemeentecode"), f.GetField("gemeentenaam"),
                              f.GetField("aantal_inwoners"), f.GetField("water"),
                              g.ExportToWkb() if g is not None else None,
                              f.GetField("percentage_personen_65_jaar_en_ouder")))
        ds = None
        land = sorted({r[0] for r in self.rows if r[3] == "NEE"})
        self.codes = land                               # index g-1
        self.gid = {c: i + 1 for i, c in enumerate(land)}
        self.G = len(land)
        self.names = [""] * self.G
        self.area = np.zeros(self.G)
        pop = np.full(self.G, np.nan)
        pct = np.full(self.G, np.nan)
        for code, name, inw, water, wkb, p65 in self.rows:
            if water != "NEE" or wkb is None:
                continue
            i = self.gid[code] - 1
            self.names[i] = name or code
            self.area[i] += ogr.CreateGeometryFromWkb(wkb).GetArea()
            if inw is not None and inw >= 0:
                pop[i] = (0 if np.isnan(pop[i]) else pop[i]) + inw
            if p65 is not None and p65 >= 0:
                pct[i] = p65
        dens = pop / self.area
        med = np.nanmedian(dens)
        self.estimated = int(np.isnan(pop).sum())
        self.pop = np.where(np.isnan(pop), self.area * med, pop)
        self.pct65 = np.where(np.isnan(pct), np.nanmean(pct), pct)

    def write(self, path, srs):
        ds = new_gpkg(path)
        lyr = ds.CreateLayer("gemeenten", srs, ogr.wkbMultiPolygon)
        for name, t in (("gemeentecode", ogr.OFTString), ("gemeentenaam", ogr.OFTString),
                        ("aantal_inwoners", ogr.OFTInteger), ("water", ogr.OFTString)):
            lyr.CreateField(ogr.FieldDefn(name, t))
        defn = lyr.GetLayerDefn()
        ds.StartTransaction()
        for code, name, inw, water, wkb, _ in self.rows:
            f = ogr.Feature(defn)
            f.SetField(0, code)
            if name is not None:
                f.SetField(1, name)
            if inw is not None:
                f.SetField(2, inw)
            if water is not None:
                f.SetField(3, water)
            if wkb is not None:
                f.SetGeometryDirectly(ogr.ForceToMultiPolygon(ogr.CreateGeometryFromWkb(wkb)))
            lyr.CreateFeature(f)
        ds.CommitTransaction()
        ds = None


class Land:
    """A 50 m raster: >0 land gemeente index, <0 a water part (or GM9999),
    0 outside every gemeente; and per cell the eroded depth (cells kept from
    the edge of its land gemeente, see SMALL_DEPTH)."""

    def __init__(self, gem, srs):
        xs, ys = [], []
        for r in gem.rows:
            if r[4] is not None:
                e = ogr.CreateGeometryFromWkb(r[4]).GetEnvelope()
                xs += [e[0], e[1]]
                ys += [e[2], e[3]]
        self.x0 = np.floor(min(xs) / 1000.0) * 1000.0 - 1000.0
        self.y0 = np.floor(min(ys) / 1000.0) * 1000.0 - 1000.0
        self.x1 = np.ceil(max(xs) / 1000.0) * 1000.0 + 1000.0
        self.y1 = np.ceil(max(ys) / 1000.0) * 1000.0 + 1000.0
        self.nx = int(round((self.x1 - self.x0) / CELL))
        self.ny = int(round((self.y1 - self.y0) / CELL))
        rds = gdal.GetDriverByName("MEM").Create("", self.nx, self.ny, 1, gdal.GDT_Int16)
        rds.SetGeoTransform((self.x0, CELL, 0.0, self.y1, 0.0, -CELL))
        mds = ogr.GetDriverByName("Memory").CreateDataSource("")
        for land in (False, True):                   # water first, land on top
            lyr = mds.CreateLayer("land" if land else "water", srs, ogr.wkbUnknown)
            lyr.CreateField(ogr.FieldDefn("burn", ogr.OFTInteger))
            for code, _, _, water, wkb, _ in gem.rows:
                if wkb is None or (water == "NEE") != land:
                    continue
                g = gem.gid.get(code, 32000)
                f = ogr.Feature(lyr.GetLayerDefn())
                f.SetField(0, g if land else -g)
                f.SetGeometryDirectly(ogr.CreateGeometryFromWkb(wkb))
                lyr.CreateFeature(f)
            gdal.RasterizeLayer(rds, [1], lyr, options=["ATTRIBUTE=burn"])
        self.gid = rds.GetRasterBand(1).ReadAsArray().astype(np.int16)
        rds = mds = None
        # erosion per gemeente: a cell reaches depth d when its 8 neighbours
        # all have depth d-1 (and, for d = 1, the same gemeente)
        g = self.gid
        cur = g > 0
        same = cur.copy()
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dx or dy:
                    same &= self._shift(g, dy, dx) == g
        self.depth = cur.astype(np.uint8)
        cur = same
        for rings in range(1, LARGE_DEPTH):
            if rings > 1:
                nxt = cur.copy()
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        if dx or dy:
                            nxt &= self._shift(cur, dy, dx)
                cur = nxt
            self.depth[cur] += 1
        self._cells = {}

    @staticmethod
    def _shift(a, dy, dx):
        """a shifted so out[r, c] = a[r+dy, c+dx] (zero/False outside)."""
        out = np.zeros_like(a)
        ny, nx = a.shape
        out[max(0, -dy):ny - max(0, dy), max(0, -dx):nx - max(0, dx)] = \
            a[max(0, dy):ny - max(0, -dy), max(0, dx):nx - max(0, -dx)]
        return out

    def cell_of(self, x, y):
        c = np.floor((x - self.x0) / CELL).astype(np.int64)
        r = np.floor((self.y1 - y) / CELL).astype(np.int64)
        ok = (c >= 0) & (c < self.nx) & (r >= 0) & (r < self.ny)
        return r, c, ok

    def lookup(self, x, y):
        """(gid, depth) at points; gid 0 and depth 0 outside the raster."""
        r, c, ok = self.cell_of(x, y)
        gid = np.zeros(len(x), np.int16)
        dep = np.zeros(len(x), np.uint8)
        gid[ok] = self.gid[r[ok], c[ok]]
        dep[ok] = self.depth[r[ok], c[ok]]
        return gid, dep

    def cells(self, depth, G):
        """Flat indices of the cells of depth >= depth, grouped by gemeente,
        and per gemeente g the slice start[g]:start[g+1]."""
        if depth not in self._cells:
            flat = np.flatnonzero((self.gid > 0).ravel() & (self.depth.ravel() >= depth))
            g = self.gid.ravel()[flat]
            order = np.argsort(g, kind="stable")
            flat = flat[order].astype(np.int64)
            start = np.searchsorted(g[order], np.arange(G + 2))
            self._cells[depth] = (flat, start)
        return self._cells[depth]

    def uniform(self, gids, depth, rng, G):
        """Uniform points in the cells of depth >= depth of each gemeente
        (a gemeente without such cells falls back to shallower cells)."""
        x = np.empty(len(gids))
        y = np.empty(len(gids))
        todo = np.ones(len(gids), bool)
        for d in range(depth, 0, -1):
            flat, start = self.cells(d, G)
            n = start[gids + 1] - start[gids]
            sel = todo & (n > 0)
            k = start[gids[sel]] + np.floor(rng.random(sel.sum()) * n[sel]).astype(np.int64)
            k = np.minimum(k, start[gids[sel] + 1] - 1)
            cell = flat[k]
            r, c = np.divmod(cell, self.nx)
            x[sel] = self.x0 + (c + rng.random(len(c))) * CELL
            y[sel] = self.y1 - (r + rng.random(len(r))) * CELL
            todo &= ~sel
            if not todo.any():
                break
        if todo.any():
            raise RuntimeError("gemeente without land cells: %s" % np.unique(gids[todo]))
        return x, y


class Centres:
    """Town centres: per land gemeente 1 + inhabitants/25,000 (at most 25),
    Zipf-weighted, each with a spread sigma growing with its population."""

    def __init__(self, gem, land, rng):
        G = gem.G
        nc = np.clip(1 + (gem.pop / 25000.0).astype(int), 1, 25)
        self.gem_of = np.repeat(np.arange(1, G + 1), nc)
        rank = np.arange(len(self.gem_of)) - np.repeat(np.cumsum(nc) - nc, nc)
        w = 1.0 / (rank + 1.0)
        wsum = np.bincount(self.gem_of, weights=w, minlength=G + 1)[self.gem_of]
        share = w / wsum
        cpop = share * gem.pop[self.gem_of - 1]
        self.sigma = np.clip(600.0 * np.sqrt(cpop / 20000.0), 250.0, 4000.0)
        # cumulative weights offset by gemeente index: centre of gemeente g
        # for uniform u is searchsorted(cum, g - 1 + u)
        self.cum = (self.gem_of - 1) + self._within_cum(share, nc)
        self.x, self.y = land.uniform(self.gem_of, SMALL_DEPTH, rng, G)
        self.n = len(self.gem_of)

    @staticmethod
    def _within_cum(share, nc):
        c = np.cumsum(share)
        ends = np.cumsum(nc)
        base = np.repeat(np.concatenate(([0.0], c[ends[:-1] - 1])), nc)
        return np.minimum(c - base, 1.0)

    def pick(self, gids, rng):
        u = np.minimum(rng.random(len(gids)), 1 - 1e-12)
        k = np.searchsorted(self.cum, (gids - 1) + u, side="left")
        return np.minimum(k, self.n - 1)


def place(gids, depth, clustered, land, centres, rng, G):
    """Points for the gemeenten gids: a share `clustered` Gaussian around a
    town centre of their gemeente (kept only where the cell belongs to that
    gemeente at the depth asked; else retried, at last uniform), the rest
    uniform over the gemeente."""
    n = len(gids)
    x = np.empty(n)
    y = np.empty(n)
    clus = rng.random(n) < clustered
    ci = np.flatnonzero(clus)
    k = centres.pick(gids[ci], rng)
    for _ in range(25):
        if len(ci) == 0:
            break
        px = centres.x[k] + rng.standard_normal(len(ci)) * centres.sigma[k]
        py = centres.y[k] + rng.standard_normal(len(ci)) * centres.sigma[k]
        g, d = land.lookup(px, py)
        ok = (g == gids[ci]) & (d >= depth)
        x[ci[ok]] = px[ok]
        y[ci[ok]] = py[ok]
        ci = ci[~ok]
        k = k[~ok]
    rest = np.concatenate((np.flatnonzero(~clus), ci))
    x[rest], y[rest] = land.uniform(gids[rest], depth, rng, G)
    return x, y


def counts_by_population(n, pop, rng):
    return rng.multinomial(n, pop / pop.sum())


# ------------------------------------------------------------------ writing

POLY = np.dtype([("bo", "u1"), ("type", "<u4"), ("nr", "<u4"), ("np", "<u4"),
                 ("xy", "<f8", (10,))])                                  # 93 bytes
POINT = np.dtype([("bo", "u1"), ("type", "<u4"), ("xy", "<f8", (2,))])  # 21 bytes


def rect_wkb(cx, cy, w, h, a):
    """WKB polygons (one record each) of rectangles w x h rotated by a,
    corners rounded to the centimetre."""
    n = len(cx)
    rec = np.zeros(n, POLY)
    rec["bo"], rec["type"], rec["nr"], rec["np"] = 1, 3, 1, 5
    ca, sa = np.cos(a), np.sin(a)
    xy = rec["xy"]
    for k, (ux, uy) in enumerate(((-.5, -.5), (.5, -.5), (.5, .5), (-.5, .5), (-.5, -.5))):
        xy[:, 2 * k] = np.round(cx + ux * w * ca - uy * h * sa, 2)
        xy[:, 2 * k + 1] = np.round(cy + ux * w * sa + uy * h * ca, 2)
    rec["xy"] = xy
    return rec


def point_wkb(x, y):
    rec = np.zeros(len(x), POINT)
    rec["bo"], rec["type"] = 1, 1
    rec["xy"][:, 0] = np.round(x, 2)
    rec["xy"][:, 1] = np.round(y, 2)
    return rec


def write_records(lyr, ds, rec, fields, first=0, commit_every=500000):
    """One feature per WKB record; fields: list of (index, array) set per
    feature.  Commits every commit_every features."""
    defn = lyr.GetLayerDefn()
    b = rec.tobytes()
    L = rec.itemsize
    cols = [(i, a.tolist()) for i, a in fields]
    ds.StartTransaction()
    for k in range(len(rec)):
        f = ogr.Feature(defn)
        for i, vals in cols:
            f.SetField(i, vals[k])
        f.SetGeometryDirectly(ogr.CreateGeometryFromWkb(b[k * L:(k + 1) * L]))
        lyr.CreateFeature(f)
        if (k + 1) % commit_every == 0:
            ds.CommitTransaction()
            ds.StartTransaction()
    ds.CommitTransaction()


# -------------------------------------------------------------------- plots

def make_plots(path, srs, n, outside_fraction, gem, land, centres, seed, tm):
    rng = rng_for(seed, S_PLOTS)
    G = gem.G
    n_out = int(round(n * outside_fraction))
    n_in = n - n_out
    per_gem = counts_by_population(n_in, gem.pop, rng)
    gids = np.repeat(np.arange(1, G + 1), per_gem).astype(np.int64)
    large = rng.random(n_in) < LARGE_SHARE
    x = np.empty(n_in)
    y = np.empty(n_in)
    for is_large, depth in ((False, SMALL_DEPTH), (True, LARGE_DEPTH)):
        sel = np.flatnonzero(large == is_large)
        x[sel], y[sel] = place(gids[sel], depth, 0.75, land, centres, rng, G)
    lo = np.where(large, np.log(80.0), np.log(15.0))
    hi = np.where(large, np.log(200.0), np.log(80.0))
    w = np.exp(lo + (hi - lo) * rng.random(n_in))
    h = np.exp(lo + (hi - lo) * rng.random(n_in))
    n_outside_all = 0
    if n_out:
        ro = rng_for(seed, S_OUTSIDE)
        ox = ro.uniform(OUTSIDE_BOX[0], OUTSIDE_BOX[2], n_out)
        oy = ro.uniform(OUTSIDE_BOX[1], OUTSIDE_BOX[3], n_out)
        og, _ = land.lookup(ox, oy)
        n_outside_all = int((og == 0).sum())
        ow = np.exp(ro.uniform(np.log(15.0), np.log(80.0), n_out))
        oh = np.exp(ro.uniform(np.log(15.0), np.log(80.0), n_out))
        x = np.concatenate((x, ox))
        y = np.concatenate((y, oy))
        w = np.concatenate((w, ow))
        h = np.concatenate((h, oh))
        gids = np.concatenate((gids, np.where(og > 0, og, G + 1).astype(np.int64)))
    a = rng.random(n) * (np.pi / 2)
    owner = rng.choice(len(OWNERS), size=n, p=OWNER_P)
    # file order: gemeente, then 2 km tile, then as drawn
    tile = (np.floor((y - land.y0) / 2000.0) * 1000 + np.floor((x - land.x0) / 2000.0)).astype(np.int64)
    order = np.lexsort((tile, gids))
    x, y, w, h, a, owner, gids = (v[order] for v in (x, y, w, h, a, owner, gids))
    tm("plots: placed %d (%d outside the land)" % (n, n_out))

    # QA: a sample of plots must lie inside the land polygon of their gemeente
    qa = rng_for(seed, 99).choice(np.flatnonzero(gids <= G), size=min(2000, n_in), replace=False)
    inside = qa_inside(qa, x, y, w, h, a, gids, gem)
    tm("plots: checked %d against the land polygons" % len(qa))

    ds = new_gpkg(path)
    lyr = ds.CreateLayer("kavels", srs, ogr.wkbPolygon, options=["FID=fid"])
    lyr.CreateField(ogr.FieldDefn("kavel_id", ogr.OFTInteger))
    lyr.CreateField(ogr.FieldDefn("eigendom", ogr.OFTString))
    names = np.array(OWNERS, dtype=object)
    chunk = 1000000
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        rec = rect_wkb(x[s:e], y[s:e], w[s:e], h[s:e], a[s:e])
        write_records(lyr, ds, rec, [(0, np.arange(s + 1, e + 1)), (1, names[owner[s:e]])])
        print("    ... %d plots written" % e, flush=True)
    ds = None
    tm("plots: written")
    area = w * h
    return {"inside_checked": len(qa), "inside_ok": inside, "outside_all": n_outside_all,
            "n_out": n_out, "area_min": float(area.min()), "area_max": float(area.max()),
            "ge_2000m2": int((area >= 2000).sum())}


def qa_inside(idx, x, y, w, h, a, gids, gem):
    if len(idx) == 0:
        return 0
    polys = {}
    gdal.PushErrorHandler("CPLQuietErrorHandler")     # GEOS on the invalid polygons
    for code, _, _, water, wkb, _ in gem.rows:
        if water == "NEE" and wkb is not None:
            g = ogr.CreateGeometryFromWkb(wkb)
            if not g.IsValid():
                g = g.MakeValid()
            polys[gem.gid[code]] = g if gem.gid[code] not in polys else polys[gem.gid[code]].Union(g)
    gdal.PopErrorHandler()
    rec = rect_wkb(x[idx], y[idx], w[idx], h[idx], a[idx])
    b = rec.tobytes()
    ok = 0
    for k, i in enumerate(idx):
        plot = ogr.CreateGeometryFromWkb(b[k * 93:(k + 1) * 93])
        if polys[int(gids[i])].Contains(plot):
            ok += 1
    return ok


# --------------------------------------------------------------- facilities

def make_facilities(path, srs, gem, land, centres, seed, tm):
    rng = rng_for(seed, S_FAC)
    ds = new_gpkg(path)
    counts = {}
    for cat, n, clustered in FACILITIES:
        per_gem = counts_by_population(n, gem.pop, rng)
        gids = np.repeat(np.arange(1, gem.G + 1), per_gem).astype(np.int64)
        x, y = place(gids, 1, clustered, land, centres, rng, gem.G)
        if cat == "groen":
            w = np.exp(rng.uniform(np.log(40.0), np.log(400.0), n))
            h = np.exp(rng.uniform(np.log(40.0), np.log(400.0), n))
            rec = rect_wkb(x, y, w, h, rng.random(n) * (np.pi / 2))
            lyr = ds.CreateLayer(cat, srs, ogr.wkbPolygon)
        else:
            rec = point_wkb(x, y)
            lyr = ds.CreateLayer(cat, srs, ogr.wkbPoint)
        lyr.CreateField(ogr.FieldDefn("naam", ogr.OFTString))
        names = np.array(["%s %s %d" % (cat, gem.names[g - 1], k + 1)
                          for k, g in enumerate(gids)], dtype=object)
        write_records(lyr, ds, rec, [(0, names)])
        counts[cat] = n
    ds = None
    tm("facilities: %d in %d layers" % (sum(counts.values()), len(counts)))
    return counts


# ------------------------------------------------------------------ targets

def make_targets(path, gem, seed, tm):
    rng = rng_for(seed, S_TARGETS)
    G = gem.G
    old = gem.pop * gem.pct65 / 100.0
    rows = {}
    for typ, total, plan_share in TARGETS:
        wgt = old * rng.uniform(0.7, 1.3, G)
        raw = total * wgt / wgt.sum()
        opg = np.floor(raw).astype(np.int64)
        # largest remainders get the rest: the national total is exact
        rest = total - opg.sum()
        opg[np.argsort(-(raw - opg))[:rest]] += 1
        if plan_share > 1:
            share = rng.uniform(1.5, 3.1, G)
        else:
            share = rng.uniform(0.1, 0.9, G)
        share *= plan_share * opg.sum() / (opg * share).sum()
        plan = np.round(opg * share).astype(np.int64)
        real = np.round(opg * rng.uniform(0.02, 0.12, G)).astype(np.int64)
        rows[typ] = (opg, plan, real)
    cells = {}
    # a few missing (empty) and secret values
    for k, val in enumerate(["", "", "", "", "-99999999", "-99999999"]):
        g = int(rng.integers(G))
        typ = TARGETS[int(rng.integers(3))][0]
        col = int(rng.integers(3))
        cells[(g, typ, col)] = val
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("gemeente_code;woningtype;opgave;plannen;gerealiseerd\n")
        for g in range(G):
            for typ, _, _ in TARGETS:
                vals = [str(int(v[g])) for v in rows[typ]]
                for col in range(3):
                    if (g, typ, col) in cells:
                        vals[col] = cells[(g, typ, col)]
                fh.write("%s;%s;%s\n" % (gem.codes[g], typ, ";".join(vals)))
    sums = {t: tuple(int(v.sum()) for v in rows[t]) for t in rows}
    tm("targets: %d rows, %d missing or secret cells" % (3 * G, len(cells)))
    return sums


# ------------------------------------------------------------------ project

def write_project(path, args, network):
    cats = "\n".join("  %s: voorzieningen.gpkg|layername=%s" % (c, c) for c, _, _ in FACILITIES)
    net = ""
    out = "kandidaten.gpkg"
    if network:
        net = "network:\n  source: network.gpkg|layername=network\n  profile: walk\n"
        out = "kandidaten_network.gpkg"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("""# bodnaarplot project over national benchmark data, written by
# scripts/make_national_data.py --plots %d --seed %d --outside-fraction %g
# Paths are relative to this file.  Run: bodnaarplot run %s
profile: geclusterd
crs: EPSG:28992
candidates:
  source: kavels.gpkg|layername=kavels
  id_field: kavel_id
gemeenten:
  source: gemeenten.gpkg|layername=gemeenten
  code_field: gemeentecode
  name_field: gemeentenaam
targets: opgave.csv
facilities:
%s
%soutput: %s
overwrite: true
""" % (args.plots, args.seed, args.outside_fraction, os.path.basename(path), cats, net, out))


# ------------------------------------------------------------------ network

def urban_raster(land, centres):
    """Cells within 2 sigma of a town centre (and on land)."""
    urb = np.zeros(land.gid.shape, bool)
    for k in range(centres.n):
        rad = 2.0 * centres.sigma[k]
        r0, c0, _ = land.cell_of(np.array([centres.x[k] - rad]), np.array([centres.y[k] + rad]))
        r1, c1, _ = land.cell_of(np.array([centres.x[k] + rad]), np.array([centres.y[k] - rad]))
        r0, c0 = max(0, int(r0[0])), max(0, int(c0[0]))
        r1, c1 = min(land.ny - 1, int(r1[0])), min(land.nx - 1, int(c1[0]))
        if r1 < r0 or c1 < c0:
            continue
        cy = land.y1 - (np.arange(r0, r1 + 1) + 0.5) * CELL
        cx = land.x0 + (np.arange(c0, c1 + 1) + 0.5) * CELL
        disk = (cx[None, :] - centres.x[k]) ** 2 + (cy[:, None] - centres.y[k]) ** 2 <= rad * rad
        urb[r0:r1 + 1, c0:c1 + 1] |= disk
    urb &= land.gid > 0
    return urb


class Lattice:
    def __init__(self, land, urb, s, every):
        self.s = s
        self.xs = land.x0 + np.arange(int((land.x1 - land.x0) / s) + 1) * s
        self.ys = land.y0 + np.arange(int((land.y1 - land.y0) / s) + 1) * s
        r, c, _ = land.cell_of(self.xs, np.full(len(self.xs), land.y1 - 1))
        cols = np.minimum(c, land.nx - 1)
        r, _, _ = land.cell_of(np.full(len(self.ys), land.x0 + 1), self.ys)
        rows = np.clip(r, 0, land.ny - 1)
        self.land = land.gid[rows[:, None], cols[None, :]] > 0      # [j, i]
        self.urb = urb[rows[:, None], cols[None, :]]
        nj, ni = self.land.shape
        jr = (np.arange(nj) % every == 0)[:, None]
        ic = (np.arange(ni) % every == 0)[None, :]
        L, U = self.land, self.urb
        self.erow = L[:, :-1] & L[:, 1:] & ((U[:, :-1] & U[:, 1:]) | jr)   # (j,i)-(j,i+1)
        self.ecol = L[:-1, :] & L[1:, :] & ((U[:-1, :] & U[1:, :]) | ic)   # (j,i)-(j+1,i)

    def vertices(self):
        v = np.zeros(self.land.shape, bool)
        v[:, :-1] |= self.erow
        v[:, 1:] |= self.erow
        v[:-1, :] |= self.ecol
        v[1:, :] |= self.ecol
        return int(v.sum())


def cut_barrier(lat, p, d, length, every_m, window):
    """Remove every lattice edge the segment p + t d (0 <= t <= length)
    crosses, except within `window` metres after each multiple of every_m."""
    s = lat.s
    x0, y0 = lat.xs[0], lat.ys[0]
    removed = 0
    # row edges: the segment crosses y = ys[j] once, at x*
    if abs(d[1]) > 1e-9:
        t = (lat.ys - p[1]) / d[1]
        xs = p[0] + t * d[0]
        i = np.floor((xs - x0) / s).astype(np.int64)
        ok = (t >= 0) & (t <= length) & (i >= 0) & (i < lat.erow.shape[1]) & (np.mod(t, every_m) >= window)
        j = np.flatnonzero(ok)
        removed += int(lat.erow[j, i[ok]].sum())
        lat.erow[j, i[ok]] = False
    if abs(d[0]) > 1e-9:
        t = (lat.xs - p[0]) / d[0]
        ys = p[1] + t * d[1]
        j = np.floor((ys - y0) / s).astype(np.int64)
        ok = (t >= 0) & (t <= length) & (j >= 0) & (j < lat.ecol.shape[0]) & (np.mod(t, every_m) >= window)
        i = np.flatnonzero(ok)
        removed += int(lat.ecol[j[ok], i].sum())
        lat.ecol[j[ok], i] = False
    return removed


def runs(e):
    """Maximal runs of True along axis 1 of e: (row, first edge, last edge + 1)."""
    pad = np.zeros((e.shape[0], e.shape[1] + 2), np.int8)
    pad[:, 1:-1] = e
    dd = np.diff(pad, axis=1)
    sr, sc = np.nonzero(dd == 1)
    er, ec = np.nonzero(dd == -1)
    assert len(sr) == len(er) and (sr == er).all()
    return sr, sc, ec


def write_lines(lyr, ds, starts, n, coords, highway, surface):
    """LineStrings: line k has the n[k] vertices coords[starts[k]:][:n[k]]
    (coords: float64 (x, y) pairs)."""
    b = coords.tobytes()
    defn = lyr.GetLayerDefn()
    hw = highway.tolist()
    sf = surface.tolist()
    ds.StartTransaction()
    for k in range(len(n)):
        f = ogr.Feature(defn)
        f.SetField(0, hw[k])
        if sf[k]:
            f.SetField(1, sf[k])
        a = int(starts[k]) * 16
        f.SetGeometryDirectly(ogr.CreateGeometryFromWkb(
            struct.pack("<BII", 1, 2, int(n[k])) + b[a:a + int(n[k]) * 16]))
        lyr.CreateFeature(f)
        if (k + 1) % 500000 == 0:
            ds.CommitTransaction()
            ds.StartTransaction()
    ds.CommitTransaction()


def make_network(path, srs, target, every, gem, land, centres, seed, tm):
    rng = rng_for(seed, S_NET)
    urb = urban_raster(land, centres)
    cells_land = int((land.gid > 0).sum())
    cells_urb = int(urb.sum())
    tm("network: town areas %.0f of %.0f km2 land" % (cells_urb * CELL * CELL / 1e6,
                                                    cells_land * CELL * CELL / 1e6))
    eff = (cells_urb + (cells_land - cells_urb) * 2.0 / every) * CELL * CELL
    s = round(float(np.sqrt(eff / target)), 2)
    for _ in range(4):
        lat = Lattice(land, urb, s, every)
        v = lat.vertices()
        if abs(v - target) <= 0.01 * target:
            break
        s = round(s * float(np.sqrt(v / target)), 2)
        del lat
    tm("network: spacing %.2f m, %d lattice vertices" % (s, v))
    # random gaps
    p_remove = 0.04
    lat.erow &= rng.random(lat.erow.shape, dtype=np.float32) >= p_remove
    lat.ecol &= rng.random(lat.ecol.shape, dtype=np.float32) >= p_remove
    # canals and motorways: straight segments starting on land
    land_cells = np.flatnonzero((land.gid > 0).ravel())
    motorways = []
    cut = {"canal": 0, "motorway": 0}
    for kind, count, every_m in (("canal", 15, 800.0), ("motorway", 20, 2000.0)):
        for _ in range(count):
            r, c = np.divmod(land_cells[int(rng.integers(len(land_cells)))], land.nx)
            p = np.array([land.x0 + (c + 0.5) * CELL, land.y1 - (r + 0.5) * CELL])
            ang = rng.uniform(0, np.pi)
            d = np.array([np.cos(ang), np.sin(ang)])
            length = rng.uniform(20000.0, 120000.0)
            p = p - d * length * rng.uniform(0.2, 0.8)      # the start lies somewhere before
            cut[kind] += cut_barrier(lat, p, d, length, every_m, 1.5 * every * s)
            if kind == "motorway":
                motorways.append((p, p + d * length))
    vcount = lat.vertices()
    nedges = int(lat.erow.sum() + lat.ecol.sum())
    tm("network: %d vertices, %d edges (%d cut by canals, %d by motorways)"
       % (vcount, nedges, cut["canal"], cut["motorway"]))

    ds = new_gpkg(path)
    lyr = ds.CreateLayer("network", srs, ogr.wkbLineString)
    lyr.CreateField(ogr.FieldDefn("highway", ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("surface", ogr.OFTString))
    nlines = 0
    for axis in ("row", "col"):
        e = lat.erow if axis == "row" else lat.ecol.T           # runs along axis 1
        line, first, last = runs(e)                             # edges first..last-1
        n = (last - first + 1).astype(np.int64)                 # vertices
        starts = np.concatenate(([0], np.cumsum(n)[:-1]))
        idx = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(starts - first, n)
        coords = np.empty((len(idx), 2))
        if axis == "row":
            coords[:, 0] = lat.xs[idx]
            coords[:, 1] = np.repeat(lat.ys[line], n)
            town = lat.urb[line, first]
        else:
            coords[:, 0] = np.repeat(lat.xs[line], n)
            coords[:, 1] = lat.ys[idx]
            town = lat.urb[first, line]
        del idx
        u = rng.random(len(n))
        highway = np.where(town, np.where(u < 0.7, "residential", "footway"),
                           np.where(u < 0.6, "unclassified", "track")).astype(object)
        highway[town & (n <= 3) & (rng.random(len(n)) < 0.1)] = "steps"
        surface = np.where(highway == "track", "gravel", "").astype(object)
        write_lines(lyr, ds, starts, n, coords, highway, surface)
        nlines += len(n)
        del coords
        tm("network: %d %s lines written" % (len(n), "row" if axis == "row" else "column"))
    defn = lyr.GetLayerDefn()
    ds.StartTransaction()
    for a, b in motorways:
        f = ogr.Feature(defn)
        f.SetField(0, "motorway")
        g = ogr.Geometry(ogr.wkbLineString)
        g.AddPoint_2D(round(float(a[0]), 2), round(float(a[1]), 2))
        g.AddPoint_2D(round(float(b[0]), 2), round(float(b[1]), 2))
        f.SetGeometryDirectly(g)
        lyr.CreateFeature(f)
    ds.CommitTransaction()
    ds = None
    tm("network: written")
    return {"vertices": vcount, "edges": nedges, "lines": nlines + len(motorways), "spacing": s}


# --------------------------------------------------------------------- main

def size_mb(path):
    return os.path.getsize(path) / 1e6 if os.path.exists(path) else 0.0


def main():
    ap = argparse.ArgumentParser(description="National-scale benchmark data for bodnaarplot "
                                 "(real gemeenten, synthetic plots, facilities, targets, network).")
    ap.add_argument("outdir")
    ap.add_argument("--plots", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--outside-fraction", type=float, default=0.0,
                    help="share of plots in a box larger than the country (default 0)")
    ap.add_argument("--network", action="store_true", help="also write network.gpkg")
    ap.add_argument("--network-only", action="store_true",
                    help="only (re)write network.gpkg and project_network.yaml")
    ap.add_argument("--vertices", type=int, default=10000000,
                    help="about this many network vertices (default 10,000,000)")
    ap.add_argument("--rural-every", type=int, default=3,
                    help="countryside keeps every Nth lattice line (default 3)")
    ap.add_argument("--gemeenten-source", default=DEFAULT_GEMEENTEN,
                    help="CBS gemeenten (default ../shared/data/cbs/gemeenten_2015.gpkg "
                         "from the repository root)")
    args = ap.parse_args()
    if args.plots < 1 or not 0 <= args.outside_fraction <= 1 or args.vertices < 1000 \
            or args.rural_every < 1:
        sys.exit("make_national_data: --plots >= 1, 0 <= --outside-fraction <= 1, "
                 "--vertices >= 1000, --rural-every >= 1")
    if not os.path.exists(args.gemeenten_source):
        sys.exit("make_national_data: %s not found (--gemeenten-source)" % args.gemeenten_source)
    network = args.network or args.network_only
    out = args.outdir
    os.makedirs(out, exist_ok=True)
    for stamp in (["network_params.txt"] if args.network_only else
                  ["national_params.txt", "network_params.txt"]):
        if os.path.exists(os.path.join(out, stamp)) and (stamp != "network_params.txt" or network):
            os.remove(os.path.join(out, stamp))
    gdal.SetConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF")
    gdal.SetConfigOption("OGR_SQLITE_JOURNAL", "OFF")
    gdal.SetConfigOption("OGR_SQLITE_CACHE", "512")
    gdal.SetConfigOption("OGR_CURRENT_DATE", "2025-01-01T00:00:00.000Z")
    srs = srs_rd()
    tm = Timer()
    print("make_national_data: %s" % out, flush=True)

    gem = Gemeenten(args.gemeenten_source)
    tm("gemeenten: %d polygons, %d land gemeenten read" % (len(gem.rows), gem.G))
    land = Land(gem, srs)
    tm("land raster %d x %d cells of %g m, eroded" % (land.nx, land.ny, CELL))
    centres = Centres(gem, land, rng_for(args.seed, S_CENTRES))
    tm("town centres: %d" % centres.n)

    files = []
    if not args.network_only:
        gem.write(os.path.join(out, "gemeenten.gpkg"), srs)
        tm("gemeenten.gpkg written")
        pst = make_plots(os.path.join(out, "kavels.gpkg"), srs, args.plots, args.outside_fraction,
                         gem, land, centres, args.seed, tm)
        counts = make_facilities(os.path.join(out, "voorzieningen.gpkg"), srs, gem, land,
                                 centres, args.seed, tm)
        sums = make_targets(os.path.join(out, "opgave.csv"), gem, args.seed, tm)
        write_project(os.path.join(out, "project.yaml"), args, False)
        files += ["gemeenten.gpkg", "kavels.gpkg", "voorzieningen.gpkg", "opgave.csv", "project.yaml"]
    if network:
        nst = make_network(os.path.join(out, "network.gpkg"), srs, args.vertices, args.rural_every,
                           gem, land, centres, args.seed, tm)
        write_project(os.path.join(out, "project_network.yaml"), args, True)
        files += ["network.gpkg", "project_network.yaml"]

    print("make_national_data: done in %.1f s" % (time.time() - tm.t0))
    if gem.estimated:
        print("  %d land gemeenten without a population figure: estimated from their area"
              % gem.estimated)
    if not args.network_only:
        print("  plots: %d; sample inside the land polygon of their gemeente: %d of %d; "
              "area %.0f-%.0f m2, %d plots >= 2,000 m2 (12 homes at 60/ha)"
              % (args.plots, pst["inside_ok"], pst["inside_checked"], pst["area_min"],
                 pst["area_max"], pst["ge_2000m2"]))
        if pst["n_out"]:
            print("  outside box: %d plots, %d of them outside every gemeente polygon"
                  % (pst["n_out"], pst["outside_all"]))
        print("  facilities: " + ", ".join("%s %d" % kv for kv in counts.items()))
        print("  targets (opgave/plannen/gerealiseerd): " + ", ".join(
            "%s %d/%d/%d" % ((t,) + sums[t]) for t, _, _ in TARGETS))
        with open(os.path.join(out, "national_params.txt"), "w") as fh:
            fh.write("plots=%d seed=%d outside=%g\n" % (args.plots, args.seed, args.outside_fraction))
    if network:
        print("  network: %d vertices, %d edges, %d lines, lattice spacing %.2f m"
              % (nst["vertices"], nst["edges"], nst["lines"], nst["spacing"]))
        with open(os.path.join(out, "network_params.txt"), "w") as fh:
            fh.write("vertices=%d seed=%d rural_every=%d\n" % (args.vertices, args.seed, args.rural_every))
    print("  sizes: " + ", ".join("%s %.1f MB" % (f, size_mb(os.path.join(out, f))) for f in files))


if __name__ == "__main__":
    main()

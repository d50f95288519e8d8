#!/usr/bin/python3
"""make_bench_network.py OUTDIR [--size N] — a synthetic walking network for
scripts/bench_network.sh: an N x N grid of vertices (default 1000 x 1000 =
1 million) 40 m apart over the 40 km x 40 km of scripts/make_bench_data.py
(EPSG:28992, origin 150000,450000), as N rows and N columns of footways
joined where their vertices coincide.  A canal crosses the area halfway: the
columns are cut there but for a bridge every 25 columns."""
import argparse
import os

from osgeo import ogr, osr

ap = argparse.ArgumentParser()
ap.add_argument("outdir")
ap.add_argument("--size", type=int, default=1000)
a = ap.parse_args()
n = a.size
step = 40000.0 / (n - 1)
x0, y0 = 150000.0, 450000.0
os.makedirs(a.outdir, exist_ok=True)
path = os.path.join(a.outdir, "network.gpkg")
if os.path.exists(path):
    os.unlink(path)
srs = osr.SpatialReference()
srs.ImportFromEPSG(28992)
ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
lyr = ds.CreateLayer("network", srs, ogr.wkbLineString, options=["SPATIAL_INDEX=NO"])
lyr.CreateField(ogr.FieldDefn("highway", ogr.OFTString))
ds.StartTransaction()
canal = n // 2


def add(points):
    line = ogr.Geometry(ogr.wkbLineString)
    for x, y in points:
        line.AddPoint_2D(x, y)
    f = ogr.Feature(lyr.GetLayerDefn())
    f.SetField("highway", "footway")
    f.SetGeometry(line)
    lyr.CreateFeature(f)


for j in range(n):  # rows
    add([(x0 + i * step, y0 + j * step) for i in range(n)])
for i in range(n):  # columns, cut at the canal except at bridges
    if i % 25 == 0:
        add([(x0 + i * step, y0 + j * step) for j in range(n)])
    else:
        add([(x0 + i * step, y0 + j * step) for j in range(canal)])
        add([(x0 + i * step, y0 + j * step) for j in range(canal + 1, n)])
ds.CommitTransaction()
ds = None
print(f"make_bench_network: {n * n} vertices, about {2 * n * (n - 1)} edges -> {path}")

#!/usr/bin/python3
"""Hardening tests: hostile and broken input, faults, the read-only SQL
filter and determinism.

    tests/hardening_test.py BINARY SOURCE_DIR

Every bad input must give one clear line on stderr naming what is wrong, the
documented exit code, no new output file, an existing output left byte-for-
byte as it was, and no temporary file left behind.  Fixtures are made here,
from the bundled example, with GDAL's Python bindings (Debian python3-gdal).
Ends with a line "N passed, M failed".
"""
import filecmp
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from osgeo import gdal, ogr, osr

gdal.UseExceptions()

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
work = tempfile.mkdtemp(prefix="bp_hardening_")
EX = os.path.join(work, "ex")
shutil.copytree(os.path.join(SRC, "examples", "zwolle"), EX)
os.chdir(work)

passed = failed = 0
RELAXED = False  # set while testing the filter: SpatiaLite then offers its file functions


def report(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"not ok - {name}: {why}")


KAVELS = "ex/kavels.gpkg|layername=kavels"
GEM = "ex/gemeenten.gpkg"
CSV = "ex/woondeal_opgave.csv"
FAC = ["--facility", "supermarkt=ex/voorzieningen.gpkg|layername=supermarkt",
       "--facility", "zorg=ex/voorzieningen.gpkg|layername=zorg"]


def score_args(candidates=KAVELS, id_field="kavel_id", gemeenten=GEM, targets=CSV, extra=()):
    a = ["score", "--candidates", candidates, "--gemeenten", gemeenten, "--targets", targets] + FAC
    if id_field:
        a += ["--id-field", id_field]
    return a + list(extra)


def run(args, out, env=None, preexec=None, timeout=120):
    if env is None and RELAXED:
        env = dict(os.environ, SPATIALITE_SECURITY="relaxed")
    p = subprocess.run([BIN] + args + ["-o", out], capture_output=True, text=True, env=env,
                       preexec_fn=preexec, timeout=timeout, errors="replace")
    return p.returncode, p.stderr


# A known-good output to protect in every failing case.
GOOD = os.path.join(work, "good.gpkg")
rc, err = run(score_args(extra=["-q"]), GOOD)
assert rc == 0, err


def temp_files(folder):
    return glob.glob(os.path.join(folder, ".*.bodnaarplot-tmp-*"))


def bad(name, args, code, pattern, timeout=120):
    """A failing run: code, one-line message, existing output untouched."""
    out = os.path.join(work, "out", name + ".gpkg")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copy(GOOD, out)
    try:
        rc, err = run(args + ["--overwrite", "-q"], out, timeout=timeout)
    except subprocess.TimeoutExpired:
        return report(name, False, "timed out")
    lines = [l for l in err.splitlines() if l.strip()]
    if rc != code:
        return report(name, False, f"exit {rc}, expected {code}: {err.strip()[:300]}")
    if len(lines) != 1 or not lines[0].startswith("bodnaarplot: error: "):
        return report(name, False, f"expected one error line, got {lines!r}")
    if not re.search(pattern, lines[0]):
        return report(name, False, f"message {lines[0]!r} does not match {pattern!r}")
    if not filecmp.cmp(GOOD, out, shallow=False):
        return report(name, False, "the existing output was changed")
    if temp_files(os.path.dirname(out)):
        return report(name, False, f"temporary files left: {temp_files(os.path.dirname(out))}")
    report(name, True)


def good(name, args, pattern_warning=None, check=None):
    out = os.path.join(work, "out", name + ".gpkg")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if os.path.exists(out):
        os.unlink(out)
    rc, err = run(args, out)
    if rc != 0:
        return report(name, False, f"exit {rc}: {err.strip()[:300]}")
    if pattern_warning and not re.search(pattern_warning, err):
        return report(name, False, f"no warning matching {pattern_warning!r} in {err!r}")
    if check:
        why = check(out)
        if why:
            return report(name, False, why)
    report(name, True)


def write(path, data, mode="w"):
    with open(path, mode) as f:
        f.write(data)
    return path


def srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def make_layer(path, driver, epsg, geoms, fields=(("kavel_id", ogr.OFTString),), values=None,
               layer="kavels", options=()):
    """A layer of WKT geometries (None = no geometry) with string ids."""
    ds = ogr.GetDriverByName(driver).CreateDataSource(path)
    lyr = ds.CreateLayer(layer, srs(epsg) if epsg else None, ogr.wkbUnknown, options=list(options))
    for fname, ftype in fields:
        lyr.CreateField(ogr.FieldDefn(fname, ftype))
    for i, wkt in enumerate(geoms):
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("kavel_id", values[i] if values else f"K{i + 1}")
        if wkt is not None:
            f.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        lyr.CreateFeature(f)
    ds = None
    return path


# Plots inside Zwolle (RD New) for the hand-made fixtures.
SQ = "POLYGON((203000 503000,203060 503000,203060 503060,203000 503060,203000 503000))"
SQ2 = "POLYGON((203200 503200,203260 503200,203260 503260,203200 503260,203200 503200))"

# ---- corrupt and odd data sources ----------------------------------------
src = os.path.join(EX, "kavels.gpkg")
data = open(src, "rb").read()
write("truncated.gpkg", data[: len(data) // 2], "wb")
bad("truncated_geopackage", score_args("truncated.gpkg|layername=kavels"), 1, r"truncated\.gpkg")
garbled = bytearray(data)
for i in range(8192, len(garbled) - 8192, 97):
    garbled[i] = (garbled[i] * 31 + 7) & 0xFF
write("garbled.gpkg", bytes(garbled), "wb")
bad("garbled_geopackage", score_args("garbled.gpkg|layername=kavels"), 1, r"garbled\.gpkg")
write("empty.gpkg", b"", "wb")
bad("zero_byte_file", score_args("empty.gpkg"), 1, r"empty\.gpkg: not a vector data source")
write("notes.gpkg", "dit is geen geopackage\n")
bad("text_named_gpkg", score_args("notes.gpkg"), 1, r"notes\.gpkg: not a vector data source")
os.mkdir("adir")
bad("directory_as_layer", score_args("adir"), 1, r"adir: not a vector data source")

# ---- GeoJSON with wrong types --------------------------------------------
write("wrongtype.geojson", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
      '{"kavel_id":"a"},"geometry":{"type":"Polygon","coordinates":[1,2]}}]}')
bad("geojson_polygon_with_point_coordinates", score_args("wrongtype.geojson"), 1, r"wrongtype\.geojson")
write("strcoords.geojson", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
      '{"kavel_id":"a"},"geometry":{"type":"Point","coordinates":["x","y"]}}]}')
bad("geojson_string_coordinates", score_args("strcoords.geojson"), 1, r"strcoords\.geojson")
write("idtypes.geojson", '{"type":"FeatureCollection","features":['
      '{"type":"Feature","properties":{"kavel_id":1},"geometry":{"type":"Point","coordinates":[6.09,52.51]}},'
      '{"type":"Feature","properties":{"kavel_id":"twee"},"geometry":{"type":"Point","coordinates":[6.1,52.52]}}]}')
def valid_gpkg(out):
    """GDAL's GeoPackage validator (python3-gdal's validate_gpkg.py)."""
    p = subprocess.run(["/usr/bin/python3", "/usr/share/doc/python3-gdal/examples/validate_gpkg.py", out],
                       capture_output=True, text=True)
    return None if p.returncode == 0 else p.stdout + p.stderr


# JSON-typed fields make GDAL register gpkg_data_columns itself
good("geojson_mixed_id_types", score_args("idtypes.geojson"), check=valid_gpkg)
write("notjson.geojson", '{"type":"FeatureCollection","features":[{"type":')
bad("geojson_cut_off", score_args("notjson.geojson"), 1, r"notjson\.geojson")

# ---- geometry collections, empty and null geometries, curves, 3D ----------
make_layer("coll.gpkg", "GPKG", 28992,
           [f"GEOMETRYCOLLECTION({SQ},POINT(203100 503100))", SQ2])
good("geometry_collection_plots", score_args("coll.gpkg"))
make_layer("someempty.gpkg", "GPKG", 28992, [SQ, "POLYGON EMPTY", None, SQ2])
good("empty_and_null_geometries_skipped", score_args("someempty.gpkg"),
     r"2 features? without geometry skipped")
make_layer("allnull.gpkg", "GPKG", 28992, [None, None])
bad("only_null_geometries", score_args("allnull.gpkg"), 1, r"allnull\.gpkg, layer kavels: no features with geometry")
make_layer("curves.gpkg", "GPKG", 28992,
           ["CURVEPOLYGON(CIRCULARSTRING(203000 503000,203050 503050,203100 503000,203050 502950,203000 503000))", SQ2])
good("curved_polygons", score_args("curves.gpkg"))
make_layer("z.gpkg", "GPKG", 28992,
           ["POLYGON Z((203000 503000 5,203060 503000 5,203060 503060 5,203000 503060 5,203000 503000 5))"])
good("polygons_with_z", score_args("z.gpkg"))
make_layer("lines.gpkg", "GPKG", 28992, ["LINESTRING(203000 503000,203300 503300)", SQ2])
good("line_plots_have_no_capacity", score_args("lines.gpkg"))
make_layer("bowtie.gpkg", "GPKG", 28992,
           ["POLYGON((203000 503000,203100 503100,203100 503000,203000 503100,203000 503000))", SQ2])
good("self_intersecting_plot_repaired", score_args("bowtie.gpkg"), r"1 invalid geometry repaired")

# ---- coordinates and CRS ---------------------------------------------------
make_layer("far.gpkg", "GPKG", 4326, ["POINT(5.1 1000)"])
bad("coordinates_outside_the_crs", score_args("far.gpkg"), 1, r"far\.gpkg.*feature 1 cannot be transformed")
make_layer("degrees.gpkg", "GPKG", 28992, ["POLYGON((6.1 52.5,6.2 52.5,6.2 52.6,6.1 52.5))"])
bad("degrees_declared_as_metres", score_args("degrees.gpkg"), 1, r"plot K1 lies outside every gemeente.*wrong CRS")
make_layer("noprj.shp", "ESRI Shapefile", None, [SQ, SQ2])
bad("shapefile_without_prj", score_args("noprj.shp"), 2, r"noprj\.shp.*has no CRS.*--assume-crs")
good("shapefile_without_prj_assumed", score_args("noprj.shp", extra=["--assume-crs", "EPSG:28992"]))
bad("analysis_crs_geographic", score_args(extra=["--crs", "EPSG:4326"]), 2, r"--crs: EPSG:4326 is not a projected CRS")
bad("analysis_crs_unknown", score_args(extra=["--crs", "EPSG:999999"]), 2, r"--crs: 'EPSG:999999'")

# ---- shapefile encodings ---------------------------------------------------
make_layer("latin.shp", "ESRI Shapefile", 28992, [SQ, SQ2],
           fields=(("kavel_id", ogr.OFTString), ("naam", ogr.OFTString)))
ds = ogr.Open("latin.shp", 1)
lyr = ds.GetLayer(0)
for f in lyr:
    f.SetField("naam", "Cafe Re")
    lyr.SetFeature(f)
ds = None
# Latin-1 bytes in the .dbf while the .cpg claims UTF-8
dbf = open("latin.dbf", "rb").read().replace(b"Cafe Re", "Café Ré".encode("latin-1"))
write("latin.dbf", dbf, "wb")
write("latin.cpg", "UTF-8")
good("dbf_with_broken_encoding", score_args("latin.shp"))

# ---- the targets CSV ---------------------------------------------------------
HDR = "gemeente_code;woningtype;opgave;plannen;gerealiseerd\n"
rows = "".join(f"{c};{t};100;40;5\n" for c in ("GM0193", "GM0166", "GM0148", "GM1896", "GM0244")
               for t in ("nultreden", "geclusterd", "zorggeschikt"))
write("bom.csv", "\ufeff" + HDR + rows, "w")
good("csv_with_bom", score_args(targets="bom.csv"))
write("quoted.csv", 'gemeente_code,woningtype,opgave,plannen,gerealiseerd,toelichting\n' +
      "".join(f'"{c}","{t}","100","40","5","plan ""De Enk"", fase 1"\n'
              for c in ("GM0193", "GM0166") for t in ("nultreden", "geclusterd")))
good("csv_with_quotes", score_args(targets="quoted.csv"))
write("decimal.csv", HDR + "GM0193;geclusterd;100,5;40,25;0\n")
# homes are counted whole: a fraction is refused with its line (issue 10)
bad("csv_decimal_commas", score_args(targets="decimal.csv"), 1, r"decimal\.csv line 2, column opgave: '100,5' is not a count")
write("exceldate.csv", HDR + "GM0193;geclusterd;100;40;0\nGM0166;geclusterd;1-3-2025;40;0\n")
bad("csv_excel_date", score_args(targets="exceldate.csv"), 1, r"exceldate\.csv line 3, column opgave: '1-3-2025'")
write("utf16.csv", (HDR + rows).encode("utf-16"), "wb")
bad("csv_utf16", score_args(targets="utf16.csv"), 1, r"utf16\.csv")
write("empty.csv", "")
bad("csv_empty_file", score_args(targets="empty.csv"), 1, r"empty\.csv")
write("negative.csv", HDR + "GM0193;geclusterd;100;-4;0\n")
bad("csv_negative_count", score_args(targets="negative.csv"), 1, r"negative\.csv line 2, column plannen")
write("secret.csv", HDR + "GM0193;geclusterd;-99999999;40;0\n")
good("csv_cbs_secret_value", score_args(targets="secret.csv"), r"secret\.csv line 2, column opgave: CBS marks")

# ---- project files -----------------------------------------------------------
BASE = ("candidates: {source: ex/kavels.gpkg, id_field: kavel_id}\ngemeenten: ex/gemeenten.gpkg\n"
        "targets: ex/woondeal_opgave.csv\nfacilities: {supermarkt: ex/voorzieningen.gpkg|layername=supermarkt}\n")


def proj(name, text):
    return write(name, text)


bad("yaml_wrong_type_list", ["run", proj("p1.yaml", BASE + "radius_m: [1, 2]\n")], 2, r"p1\.yaml line 5: radius_m must not be a list")
bad("yaml_wrong_type_text", ["run", proj("p2.yaml", BASE + "gap_weight: veel\n")], 2, r"p2\.yaml line 5: gap_weight must be a number")
bad("yaml_unknown_key", ["run", proj("p3.yaml", BASE + "straal_m: 400\n")], 2, r"p3\.yaml line 5: unknown key 'straal_m'")
bad("yaml_huge_number", ["run", proj("p4.yaml", BASE + "radius_m: 1e400\n")], 2, r"p4\.yaml line 5: radius_m must be a number")
bad("yaml_number_out_of_range", ["run", proj("p5.yaml", BASE + "density_homes_per_ha: 99999999999\n")], 2, r"between 0.1 and 1000")
laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
t0 = time.time()
bad("yaml_billion_laughs", ["run", proj("p6.yaml", laughs)], 2, r"p6\.yaml line 1: YAML anchors and aliases are not supported", timeout=10)
write("p7.yaml", bytes(range(256)) * 4, "wb")
bad("yaml_binary_garbage", ["run", "p7.yaml"], 2, r"p7\.yaml")
bad("yaml_tabs", ["run", proj("p8.yaml", "candidates:\n\tsource: a.gpkg\n")], 2, r"p8\.yaml line 2: YAML syntax error")
bad("yaml_deep_nesting", ["run", proj("p9.yaml", "a: " + "[" * 200 + "]" * 200 + "\n")], 2, r"p9\.yaml.*deeper than")
bad("yaml_empty", ["run", proj("p10.yaml", "")], 2, r"no candidate plots given")
bad("yaml_is_a_directory", ["run", "adir"], 2, r"adir")
bad("yaml_duplicate_key", ["run", proj("p11.yaml", BASE + "radius_m: 300\nradius_m: 400\n")], 2, r"line 6: key 'radius_m' appears twice")

# ---- attributes --------------------------------------------------------------
make_layer("nullid.gpkg", "GPKG", 28992, [SQ, SQ2], values=["K1", None])
bad("plot_id_null", score_args("nullid.gpkg"), 1, r"nullid\.gpkg, layer kavels: feature 2 has no kavel_id")
make_layer("dupid.gpkg", "GPKG", 28992, [SQ, SQ2], values=["K1", "K1"])
bad("plot_id_duplicate", score_args("dupid.gpkg"), 1, r"duplicate kavel_id 'K1' \(features 1 and 2\)")
bad("facility_where_matches_nothing",
    ["run", proj("p12.yaml", BASE.replace("facilities: {supermarkt: ex/voorzieningen.gpkg|layername=supermarkt}",
                                          "facilities:\n  supermarkt: {source: ex/voorzieningen.gpkg|layername=supermarkt, where: \"naam = 'x'\"}"))],
    1, r"facility category supermarkt: .*no features with geometry match the where filter")
bad("facility_where_invalid",
    ["run", proj("p13.yaml", BASE.replace("facilities: {supermarkt: ex/voorzieningen.gpkg|layername=supermarkt}",
                                          "facilities:\n  supermarkt: {source: ex/voorzieningen.gpkg|layername=supermarkt, where: \"naam = = 'x'\"}"))],
    2, r"bad where filter")

# ---- the SQL filter runs read-only ----------------------------------------------
marker = os.path.join(work, "pwned")
attempts = {
    "filter_second_statement": ("1); DROP TABLE candidates; --", r"only one expression|candidates\.filter"),
    "filter_attach": ("1) OR (SELECT 1 FROM (ATTACH '%s' AS x))" % marker, r"candidates\.filter"),
    "filter_load_extension": ("load_extension('mod_spatialite') IS NULL", r"(?i)function load_extension is not allowed"),
    "filter_write_file": ("BlobToFile(x'41', '%s') = 1" % marker, r"(?i)function BlobToFile is not allowed"),
    "filter_read_file": ("length(BlobFromFile('/etc/passwd')) > 0", r"(?i)function BlobFromFile is not allowed"),
    "filter_export_shapefile": ("ExportSHP('candidates', 'geom', '%s', 'UTF-8') > 0" % marker, r"(?i)function ExportSHP is not allowed"),
    "filter_import_dbf": ("ImportDBF('/etc/x.dbf', 't', 'UTF-8') > 0", r"(?i)function ImportDBF is not allowed"),
    "filter_pragma": ("(SELECT writable_schema FROM pragma_writable_schema) = 0", r"candidates\.filter"),
    "filter_runaway": ("(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r) > 0",
                       r"takes too long"),
    "filter_escapes_where": ("area_m2 > 2000) UNION SELECT rowid FROM candidates WHERE (1", r"only one expression is allowed"),
    "filter_syntax_error": ("eigendom = = 'gemeente'", r"candidates\.filter 'eigendom = = 'gemeente'': .*syntax error"),
}
# SpatiaLite registers its file functions (BlobToFile, ExportSHP, ...) only
# with SPATIALITE_SECURITY=relaxed; the authorizer must refuse them anyway.
RELAXED = True
for name, (expr, pattern) in attempts.items():
    bad(name, score_args(extra=["--filter", expr]), 2, pattern, timeout=300)
    if os.path.exists(marker) or glob.glob(marker + "*"):
        report(name + "_wrote_nothing", False, "the filter created a file")
        for f in glob.glob(marker + "*"):
            os.unlink(f)


def filter_applied(out):
    ds = ogr.Open(out)
    lyr = ds.GetLayerByName("candidates")
    for f in lyr:
        if f["eigendom"] != "gemeente" and not (f["knocked_out"] and "filter" in (f["reason"] or "")):
            return f"plot {f['plot_id']} of {f['eigendom']} not knocked out by the filter"
    return None


RELAXED = False
good("filter_spatialite_functions", score_args(extra=["--filter", "eigendom = 'gemeente' AND ST_Area(geom) > 0"]),
     check=filter_applied)

# ---- output paths ------------------------------------------------------------------
os.mkdir("dir.gpkg")
rc, err = run(score_args(extra=["-q"]), "dir.gpkg")
report("output_is_directory", rc == 2 and re.search(r"dir\.gpkg: is a directory", err) and not os.listdir("dir.gpkg"),
       f"exit {rc}: {err.strip()}")
rc, err = run(score_args(extra=["-q"]), "nowhere/out.gpkg")
report("output_folder_missing", rc == 2 and "folder nowhere does not exist" in err, f"exit {rc}: {err.strip()}")
rc, err = run(score_args(extra=["-q"]), GOOD)
report("output_exists_without_overwrite", rc == 2 and "exists; pass --overwrite" in err, f"exit {rc}: {err.strip()}")


# ---- determinism ----------------------------------------------------------------------
def table(path):
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName("candidates")
    rows = []
    for f in lyr:
        rows.append((f.GetFID(), tuple(f.GetField(i) for i in range(f.GetFieldCount())),
                     f.GetGeometryRef().ExportToWkt()))
    return rows


outs = []
for threads in ("1", "2", "4", "2"):
    o = os.path.join(work, f"det{len(outs)}.gpkg")
    rc, err = run(["run", os.path.join(EX, "project.yaml"), "--threads", threads, "-q", "--overwrite"], o)
    outs.append(table(o) if rc == 0 else None)
report("deterministic_across_runs_and_threads", all(t is not None and t == outs[0] for t in outs),
       "candidates differ between runs or thread counts")

# ---- faults: killed mid-write, disk full ------------------------------------------------
big = os.path.join(work, "big")
subprocess.run(["/usr/bin/python3", os.path.join(SRC, "scripts", "make_bench_data.py"), big,
                "--plots", "60000", "--per-category", "200"], check=True, capture_output=True)
BIG = ["score", "--candidates", f"{big}/plots.gpkg|layername=plots", "--id-field", "plot_id",
       "--gemeenten", f"{big}/gemeenten.gpkg", "--targets", f"{big}/targets.csv",
       "--facility", f"supermarkt={big}/facilities.gpkg|layername=supermarkt", "--threads", "1", "-q", "--overwrite"]
fault_dir = os.path.join(work, "fault")
os.makedirs(fault_dir)
fout = os.path.join(fault_dir, "result.gpkg")
shutil.copy(GOOD, fout)
p = subprocess.Popen([BIN] + BIG + ["-o", fout], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.time() + 120
while time.time() < deadline and not temp_files(fault_dir) and p.poll() is None:
    time.sleep(0.005)
time.sleep(0.3)  # well into the write
killed_mid_write = p.poll() is None and bool(temp_files(fault_dir))
p.send_signal(signal.SIGKILL)
p.wait()
if not killed_mid_write:
    report("killed_mid_write_keeps_output", False, "could not catch the run while writing")
else:
    report("killed_mid_write_keeps_output", filecmp.cmp(GOOD, fout, shallow=False), "output changed")
    left = temp_files(fault_dir)
    rc, err = run(score_args(extra=["-q", "--overwrite"]), fout)
    report("next_run_removes_stale_temporary", rc == 0 and bool(left) and not temp_files(fault_dir),
           f"rc {rc}, before {left}, after {temp_files(fault_dir)}")
    report("next_run_replaces_output", rc == 0 and not filecmp.cmp(GOOD, fout, shallow=False) or
           rc == 0 and filecmp.cmp(GOOD, fout, shallow=False), err)

shutil.copy(GOOD, fout)


def small_file_limit():
    import resource
    resource.setrlimit(resource.RLIMIT_FSIZE, (2 * 1024 * 1024, 2 * 1024 * 1024))


rc, err = run(BIG, fout, preexec=small_file_limit)
lines = [l for l in err.splitlines() if l.strip()]
report("disk_full_clear_error", rc == 3 and len(lines) == 1 and "result.gpkg" in lines[0],
       f"exit {rc}: {err.strip()[:300]}")
report("disk_full_keeps_output", filecmp.cmp(GOOD, fout, shallow=False), "output changed")
report("disk_full_no_temporary", not temp_files(fault_dir), f"left: {temp_files(fault_dir)}")

shutil.rmtree(work, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

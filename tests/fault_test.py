#!/usr/bin/python3
"""Fault injection in SQLite's style: the same small run again and again,
each time with every allocation failing from a later point on (an
LD_PRELOAD wrapper, tests/fault/failmalloc.c), until the run succeeds.

    tests/fault_test.py BINARY SOURCE_DIR LIBFAILMALLOC [STEPS]

Every run must end cleanly: exit 0 with the output written, or exit 4 with
exactly one line "bodnaarplot: error: ..."; never a crash or another exit
code, never a temporary file left, never a changed existing output.  (When
GDAL cannot even allocate for its error handling it prints "FATAL: ... Out
of memory" or a mutex failure itself and aborts, as glibc does with
"Unexpected error."; the CLI turns the abort into its one line and exit 4;
those lines of the libraries are let through.)  The
outputs cycle through GPKG, FlatGeobuf, GeoJSON and CSV so that the
conversions are swept too.  Under AddressSanitizer (the build-asan suite)
every memory error on these failure paths is a failure as well.
Ends with a line "N passed, M failed".
"""
import filecmp
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN, SRC, LIB = (os.path.abspath(a) for a in sys.argv[1:4])
STEPS = int(sys.argv[4]) if len(sys.argv) > 4 else int(os.environ.get("BP_FAULT_STEPS", "48"))
work = tempfile.mkdtemp(prefix="bp_fault_")
os.chdir(work)

CRS = '"crs":{"type":"name","properties":{"name":"EPSG:28992"}}'


def square(x, y, d):
    return f"[[[{x},{y}],[{x + d},{y}],[{x + d},{y + d}],[{x},{y + d}],[{x},{y}]]]"


def fc(features):
    return '{"type":"FeatureCollection",' + CRS + ',"features":[' + ",".join(features) + "]}"


def feature(props, gtype, coords):
    import json
    return json.dumps({"type": "Feature", "properties": props,
                       "geometry": {"type": gtype, "coordinates": json.loads(coords)}})


open("gem.geojson", "w").write(fc([feature({"gemeentecode": "GM0193", "gemeentenaam": "Zwolle"}, "Polygon",
                                           square(200000, 500000, 10000))]))
open("fac.geojson", "w").write(fc([feature({"naam": "a"}, "Point", "[203500,503500]"),
                                   feature({"naam": "b"}, "Point", "[206000,506000]")]))
open("plots.geojson", "w").write(fc([feature({"id": "A", "eigendom": "gemeente"}, "Polygon", square(203000, 503000, 60)),
                                     feature({"id": "B", "eigendom": "corporatie"}, "Polygon", square(204000, 504000, 80)),
                                     feature({"id": "C", "eigendom": "gemeente"}, "Point", "[205000,505000]")]))
open("t.csv", "w").write("gemeente_code;woningtype;opgave;plannen;gerealiseerd\nGM0193;geclusterd;100;40;5\n")
ARGS = ["score", "--candidates", "plots.geojson", "--id-field", "id", "--gemeenten", "gem.geojson",
        "--targets", "t.csv", "--facility", "supermarkt=fac.geojson", "--facility", "zorg=fac.geojson",
        "--filter", "eigendom = 'gemeente'", "--threads", "2", "-q", "--overwrite"]
FORMATS = ["gpkg", "fgb", "geojson", "csv"]

env = dict(os.environ)
# the wrapper comes first; ASan then finds itself second, which is fine
env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0:detect_leaks=0"


def run(out, fail_after=None, count=None):
    e = dict(env, LD_PRELOAD=LIB)
    if fail_after is not None:
        e["BP_FAIL_AFTER"] = str(fail_after)
    if count:
        e["BP_FAIL_COUNT"] = count
    p = subprocess.run([BIN] + ARGS + ["-o", out], capture_output=True, text=True, env=e, timeout=300,
                       errors="replace")
    return p.returncode, p.stderr


# good outputs to protect, and the number of allocations of a whole run
goods = {}
for ext in FORMATS:
    goods[ext] = os.path.abspath(f"good.{ext}")
    rc, err = run(goods[ext], count=os.path.abspath(f"count.{ext}"))
    assert rc == 0, err
total = {ext: int(open(f"count.{ext}").read()) for ext in FORMATS}
rc, err = subprocess.run([BIN, "--version"], capture_output=True, text=True,
                         env=dict(env, LD_PRELOAD=LIB, BP_FAIL_COUNT=os.path.abspath("count.start"))).returncode, ""
start = int(open("count.start").read())  # the libraries' own start-up, before main

GDAL_LAST_RESORT = re.compile(r"^(FATAL: CPL\w+\(\): Out of memory|CPLCreateMutexInternal\(\) failed|"
                              r"CPLMutexHolder: Failed to acquire mutex|Unexpected error\.$)")
passed = failed = 0
os.mkdir("out")
for k in range(STEPS + 1):
    # spread over the run, off a regular grid so phases do not alias
    ext = FORMATS[k % len(FORMATS)]
    n = start + (total[ext] - start) * k // STEPS + (k * 7919) % 97
    out = os.path.join(work, "out", f"result.{ext}")
    shutil.copy(goods[ext], out)
    rc, err = run(out, fail_after=n)
    # GDAL's last resort when even its error handling cannot allocate: it
    # prints these itself, before any handler could run, then aborts
    lines = [l for l in err.splitlines() if l.strip() and not GDAL_LAST_RESORT.match(l)]
    why = None
    if rc == 0:
        if lines:
            why = f"exit 0 but stderr {lines[:3]!r}"
    elif rc != 4:
        why = f"exit {rc}, expected 0 or 4: {err.strip()[:400]}"
    elif len(lines) != 1 or not lines[0].startswith("bodnaarplot: error: "):
        why = f"expected one error line, got {lines[:5]!r}"
    elif not filecmp.cmp(goods[ext], out, shallow=False):
        why = "the existing output was changed"
    left = glob.glob(os.path.join(work, "out", ".*")) + glob.glob(os.path.join(work, ".*bodnaarplot-tmp*"))
    if not why and left:
        why = f"temporary files left: {left}"
    for f in left:
        os.unlink(f)
    name = f"allocation {n} of {total[ext]} fails ({ext})"
    if why:
        failed += 1
        print(f"not ok - {name}: {why}")
    else:
        passed += 1
        print(f"ok - {name}: exit {rc}")

shutil.rmtree(work, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

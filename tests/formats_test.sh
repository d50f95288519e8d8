#!/usr/bin/env bash
# formats_test.sh — the outputs through GDAL: the GeoPackage passes GDAL's
# GeoPackage validation (validate_gpkg.py of python3-gdal, ogrinfo with
# CPL_DEBUG, SQLite integrity and foreign keys), and -f FlatGeobuf, GeoJSON
# (WGS84, RFC 7946) and CSV (ranked list) hold the ranked candidates.
#   tests/formats_test.sh BODNAARPLOT SOURCE_DIR
set -uo pipefail
exe=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { local msg=$1; shift; if "$@"; then ok "$msg"; else no "$msg"; fi; }
project=$src/examples/zwolle/project.yaml

"$exe" run "$project" -o "$tmp/out.gpkg" -q || no "run into a GeoPackage"
check "validate_gpkg.py: no errors" /usr/bin/python3 -m osgeo_utils.samples.validate_gpkg "$tmp/out.gpkg"
dbg=$(CPL_DEBUG=ON ogrinfo -ro -al -so "$tmp/out.gpkg" 2>&1 >/dev/null | grep -E "^(ERROR|Warning)" || true)
check "ogrinfo opens it without warnings or errors ($dbg)" test -z "$dbg"
check "PRAGMA integrity_check" test "$(sqlite3 "$tmp/out.gpkg" 'PRAGMA integrity_check')" = ok
check "PRAGMA foreign_key_check" test -z "$(sqlite3 "$tmp/out.gpkg" 'PRAGMA foreign_key_check')"
check "layer_styles is registered in gpkg_contents" \
    test "$(sqlite3 "$tmp/out.gpkg" "SELECT data_type FROM gpkg_contents WHERE table_name='layer_styles'")" = attributes
check "a default style per styled layer, schema '' and geometry column geom" \
    test "$(sqlite3 "$tmp/out.gpkg" "SELECT group_concat(f_table_name) FROM layer_styles WHERE useAsDefault=1 AND f_table_schema='' AND f_geometry_column='geom' ORDER BY f_table_name")" = "candidates,facilities,gemeente_gap"
check "qgis_projects holds the project as hex text" \
    test "$(sqlite3 "$tmp/out.gpkg" "SELECT name || ' ' || typeof(content) || ' ' || substr(content,1,8) FROM qgis_projects")" = "bodnaarplot text 504b0304"
check "gpkg_data_columns describes dist_supermarkt_m" \
    test "$(sqlite3 "$tmp/out.gpkg" "SELECT title FROM gpkg_data_columns WHERE table_name='candidates' AND column_name='dist_supermarkt_m'")" = "Afstand supermarkt (m)"

n=$(sqlite3 "$tmp/out.gpkg" "SELECT count(*) FROM candidates")
"$exe" run "$project" -o "$tmp/out.fgb" -q || no "run into FlatGeobuf"
check "FlatGeobuf: every candidate, in EPSG:28992" \
    bash -c "ogrinfo -ro -so -al '$tmp/out.fgb' | grep -q 'Feature Count: $n' && ogrinfo -ro -so -al '$tmp/out.fgb' | grep -q 'ID\[\"EPSG\",28992\]'"
"$exe" run "$project" -o "$tmp/out.json" -f GeoJSON -q || no "run into GeoJSON"
check "GeoJSON: every candidate in WGS84 (RFC 7946), rank 1 first" /usr/bin/python3 - "$tmp/out.json" "$n" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["features"]
c = f[0]["geometry"]["coordinates"]
while isinstance(c[0], list):
    c = c[0]
x, y = c
assert len(f) == int(sys.argv[2]) and "crs" not in d, (len(f), d.get("crs"))
assert 3 < x < 8 and 50 < y < 54, (x, y)
assert f[0]["properties"]["rank"] == 1
PY
"$exe" run "$project" -o "$tmp/out.csv" -q || no "run into CSV"
check "CSV: the ranked list with x_rd/y_rd, rank 1 first" /usr/bin/python3 - "$tmp/out.csv" "$n" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
assert len(rows) == int(sys.argv[2]), len(rows)
assert rows[0]["rank"] == "1" and rows[1]["rank"] == "2"
assert 100000 < float(rows[0]["x_rd"]) < 300000 and 300000 < float(rows[0]["y_rd"]) < 650000
assert "dist_supermarkt_m" in rows[0]
PY
# the example sets overwrite: true; a copy without it refuses an existing file
cp -r "$src/examples/zwolle" "$tmp/ex"
sed -i 's/^overwrite: true/overwrite: false/' "$tmp/ex/project.yaml"
before=$(md5sum < "$tmp/out.csv")
"$exe" run "$tmp/ex/project.yaml" -o "$tmp/out.csv" -q 2>/dev/null
check "an existing CSV is refused without --overwrite (exit 2), and left as it was" \
    test "$?" -eq 2 -a "$(md5sum < "$tmp/out.csv")" = "$before"
check "no temporary files are left" test -z "$(ls -A "$tmp" | grep bodnaarplot-tmp || true)"
check "unknown format refused" bash -c "! '$exe' run '$project' -o '$tmp/x.shp' -f shapefile -q 2>/dev/null"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

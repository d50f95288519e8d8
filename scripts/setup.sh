#!/usr/bin/env bash
# setup.sh — installs what bodnaarplot needs from Debian 12's packages.
#   scripts/setup.sh          build and run: compiler, CMake, GDAL, GEOS, PROJ,
#                             SpatiaLite, libyaml, readosm, expat, GDAL's tools,
#                             CBC (the programme), libmicrohttpd and Leaflet
#                             (bodnaarplot serve)
#   scripts/setup.sh --test   also what the tests use: cmocka, sqlite3, the
#                             GDAL Python bindings, QGIS (python3-qgis,
#                             qgis-providers) for tests/qgis_test.py and
#                             tests/report_test.py, poppler-utils (pdftoppm,
#                             pdftotext) for the latter,
#                             PostgreSQL and PostGIS for tests/postgis_test.sh,
#                             Chromium and python3-websocket for the browser
#                             test of bodnaarplot serve
# Runs apt-get through sudo when not root; does nothing when all is there.
set -euo pipefail

pkgs=(build-essential cmake pkg-config
      libgdal-dev gdal-bin libgeos-dev libproj-dev proj-bin
      libspatialite-dev libsqlite3-dev libyaml-dev libreadosm-dev libexpat1-dev coinor-libcbc-dev
      libmicrohttpd-dev libjs-leaflet)
if [ "${1:-}" = "--test" ]; then
    pkgs+=(libcmocka-dev sqlite3 python3-gdal valgrind python3-networkx python3-shapely
           python3-qgis qgis-providers poppler-utils
           postgresql postgis postgresql-15-postgis-3
           chromium python3-websocket)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "setup.sh: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# make_monaco_example.sh — builds examples/monaco/ from the OpenStreetMap
# extract of Monaco (© OpenStreetMap contributors, ODbL 1.0):
#   monaco.osm.pbf   the extract itself (the walking network)
#   kavels.gpkg      candidate plots: OSM parking areas, construction sites,
#                    grass, schools and public buildings (EPSG:32632)
#   voorzieningen.gpkg  facilities from OSM: supermarkt, apotheek, zorg,
#                    ov_halte, ontmoeting, groen (EPSG:4326, as OSM)
#   gemeente.gpkg    one illustrative "gemeente" around Monaco (code MC0001)
#   opgave.csv       illustrative targets for it
# Usage: scripts/make_monaco_example.sh [SHARED_DATA_DIR]  (default ../shared/data)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shared=${1:-../shared/data}
out=examples/monaco
mkdir -p "$out"
install -m 644 "$shared/osm/monaco.osm.pbf" "$out/monaco.osm.pbf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ogr2ogr -q -f GPKG "$tmp/osm.gpkg" "$out/monaco.osm.pbf" 2>/dev/null  # a few unclosed rings: warnings
rm -f "$out/kavels.gpkg" "$out/voorzieningen.gpkg" "$out/gemeente.gpkg"
ogr2ogr -q -f GPKG "$out/kavels.gpkg" "$tmp/osm.gpkg" -nln kavels -t_srs EPSG:32632 -dialect sqlite -sql \
  "SELECT 'OSM-' || CASE WHEN osm_id IS NOT NULL THEN 'w' || osm_id ELSE 'r' || osm_way_id END AS kavel_id,
          name AS naam, COALESCE(amenity, landuse) AS huidig_gebruik, geom
     FROM multipolygons
    WHERE amenity IN ('parking', 'school', 'public_building') OR landuse IN ('construction', 'grass')
    ORDER BY kavel_id"
sel() { # layer, category, source layer, where
    local upd=()
    [ -e "$out/voorzieningen.gpkg" ] && upd=(-update)
    ogr2ogr -q -f GPKG "${upd[@]}" "$out/voorzieningen.gpkg" "$tmp/osm.gpkg" -nln "$1" -dialect sqlite -sql \
      "SELECT name AS naam, geom FROM $2 WHERE $3 ORDER BY osm_id"
}
sel supermarkt points "other_tags LIKE '%\"shop\"=>\"supermarket\"%' OR other_tags LIKE '%\"shop\"=>\"convenience\"%'"
sel apotheek points "other_tags LIKE '%\"amenity\"=>\"pharmacy\"%'"
sel zorg points "other_tags LIKE '%\"amenity\"=>\"hospital\"%' OR other_tags LIKE '%\"amenity\"=>\"doctors\"%'"
sel ov_halte points "highway = 'bus_stop'"
sel ontmoeting points "other_tags LIKE '%\"amenity\"=>\"place_of_worship\"%' OR other_tags LIKE '%\"amenity\"=>\"community_centre\"%' OR other_tags LIKE '%\"amenity\"=>\"library\"%'"
ogr2ogr -q -f GPKG -update "$out/voorzieningen.gpkg" "$tmp/osm.gpkg" -nln groen -nlt MULTIPOLYGON -dialect sqlite -sql \
  "SELECT name AS naam, geom FROM multipolygons WHERE leisure IN ('park', 'garden') ORDER BY osm_id, osm_way_id"
ogr2ogr -q -f GPKG "$out/gemeente.gpkg" "$tmp/osm.gpkg" -nln gemeente -t_srs EPSG:32632 -dialect sqlite -sql \
  "SELECT 'MC0001' AS gemeentecode, 'Monaco (illustratief)' AS gemeentenaam,
          ST_Buffer(ST_ConvexHull(ST_Collect(geom)), 0.01) AS geom FROM lines"
printf 'gemeente_code;woningtype;opgave;plannen;gerealiseerd;toelichting\nMC0001;nultreden;300;420;20;illustratief\nMC0001;geclusterd;180;60;5;illustratief\nMC0001;zorggeschikt;80;20;0;illustratief\n' > "$out/opgave.csv"
echo "make_monaco_example: done"

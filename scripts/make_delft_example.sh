#!/usr/bin/env bash
# make_delft_example.sh — builds examples/delft/ from the shared real-world data:
#   delft_tudelft.osm.pbf  OpenStreetMap extract of Delft: TU Delft campus and
#                          Wippolder (lon 4.355–4.386, lat 51.995–52.005; 2022),
#                          © OpenStreetMap contributors, ODbL 1.0: the walking
#                          network and, with facilities_from_osm, the facilities
#   gemeente.gpkg          the gemeente Delft (GM0503) from the CBS/PDOK Wijk- en
#                          buurtkaart 2015 (CC BY 4.0): geometry repaired
#                          (MakeValid), a few key figures, CBS secret markers
#                          (<= -99999990) turned into NULL (EPSG:28992)
#   kavels.gpkg            candidate plots from OSM (EPSG:28992): every building
#                          polygon (soort = building) except the rings the extract
#                          cut to nothing (area 0: 2- and 3-point rings at the
#                          edge), and open land of at least 500 m2
#                          (soort = open_land: landuse grass, brownfield,
#                          greenfield, meadow, village_green, construction)
#   voorzieningen.gpkg     the facilities of layers/osm_facilities.yaml as OGR
#                          layers (one per category that has any: nodes as points,
#                          closed ways and multipolygon relations as polygons,
#                          field naam; EPSG:4326), for project_lines.yaml, which
#                          walks over the OGR layers of the same extract instead
#                          of the .osm.pbf
#   delft_lines.gpkg       the same extract as GDAL's OSM driver gives it (every tag
#                          it has no column for in the HSTORE field other_tags):
#                          layer lines whole; multipolygons only where a way rule
#                          could walk them (a highway, public_transport, railway or
#                          man_made tag: pedestrian squares, platforms); points only
#                          where a node rule could flag them (barrier, kerb,
#                          wheelchair, access, foot).  The network of
#                          project_lines.yaml, which gives the graph the .osm.pbf
#                          gives (tests/network_test.py checks it on a plain
#                          ogr2ogr copy)
#   opgave.csv             ILLUSTRATIVE woondeal targets for GM0503 (see README)
# Usage: scripts/make_delft_example.sh [SHARED_DATA_DIR]   (default ../shared/data)
# Needs ogr2ogr (gdal-bin) with the OSM driver and SQLite/SpatiaLite dialect.
# The output depends only on the inputs: features are written in a fixed order
# and the GeoPackage timestamps are pinned (OGR_CURRENT_DATE).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shared=${1:-../shared/data}
out=examples/delft
mkdir -p "$out"
export OGR_CURRENT_DATE=2022-01-24T01:00:00Z   # the extract's replication timestamp
install -m 644 "$shared/osm/delft_tudelft.osm.pbf" "$out/delft_tudelft.osm.pbf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# OSM -> GeoPackage once (GDAL OSM driver: closed ways with area keys and
# multipolygon relations land in 'multipolygons'; other tags in 'other_tags').
# Ways cut at the extract's edge give "Non closed ring" warnings: expected.
ogr2ogr -q -f GPKG "$tmp/osm.gpkg" "$out/delft_tudelft.osm.pbf" 2>/dev/null

rm -f "$out/gemeente.gpkg" "$out/kavels.gpkg" "$out/voorzieningen.gpkg" "$out/delft_lines.gpkg"

# --- gemeente: Delft, GM0503 ---------------------------------------------------
nz() { echo "CASE WHEN $1 <= -99999990 THEN NULL ELSE $1 END AS $1"; }
ogr2ogr -q -f GPKG "$out/gemeente.gpkg" "$shared/cbs/gemeenten_2015.gpkg" -nln gemeente \
  -makevalid -nlt MULTIPOLYGON -dialect sqlite -sql \
  "SELECT gemeentecode, gemeentenaam, water,
          $(nz aantal_inwoners), $(nz aantal_huishoudens),
          $(nz percentage_personen_65_jaar_en_ouder),
          $(nz aantal_personen_met_een_aow_uitkering_totaal),
          $(nz oppervlakte_land_in_ha), geom
     FROM gemeenten_2015 WHERE gemeentecode = 'GM0503' ORDER BY fid"

# --- kavels: OSM buildings and open land --------------------------------------
# kavel_id: w<way id> or r<relation id>; building_levels from the building:levels
# tag where it is a plain integer; naam from name.
ogr2ogr -q -f GPKG "$out/kavels.gpkg" "$tmp/osm.gpkg" -nln kavels -t_srs EPSG:28992 \
  -makevalid -nlt MULTIPOLYGON -dialect sqlite -sql \
  "SELECT kavel_id, soort, osm_tag, building_levels, naam, geom FROM (
     SELECT CASE WHEN osm_way_id IS NOT NULL THEN 'w' || osm_way_id ELSE 'r' || osm_id END AS kavel_id,
            CASE WHEN building IS NOT NULL THEN 'building' ELSE 'open_land' END AS soort,
            CASE WHEN building IS NOT NULL THEN 'building=' || building ELSE 'landuse=' || landuse END AS osm_tag,
            CASE WHEN hstore_get_value(other_tags, 'building:levels') GLOB '[0-9]*'
                  AND NOT hstore_get_value(other_tags, 'building:levels') GLOB '*[^0-9]*'
                 THEN CAST(hstore_get_value(other_tags, 'building:levels') AS INTEGER) END AS building_levels,
            name AS naam,
            COALESCE(CAST(osm_way_id AS INTEGER), CAST(osm_id AS INTEGER)) AS sort_id,
            CASE WHEN osm_way_id IS NOT NULL THEN 0 ELSE 1 END AS sort_kind,
            CASE WHEN ST_NPoints(geom) < 4 THEN 0  -- the 2-point ring cut by the extract
                 ELSE ST_Area(ST_Transform(ST_MakeValid(geom), 28992)) END AS area_m2,
            geom
       FROM multipolygons
      WHERE building IS NOT NULL
         OR landuse IN ('grass', 'brownfield', 'greenfield', 'meadow', 'village_green', 'construction'))
    WHERE (soort = 'building' AND area_m2 > 0) OR (soort = 'open_land' AND area_m2 >= 500)
    ORDER BY soort, sort_kind, sort_id"

# --- voorzieningen: the tags of layers/osm_facilities.yaml, as layers ---------
# The same objects bodnaarplot's facilities_from_osm takes from the .osm.pbf:
# nodes, closed ways and multipolygon relations.  A key that is no column of the
# GDAL OSM layer is read from other_tags.
cond() { # layer columns..., then "key=value, key=value"
    local spec=${!#} cols=" ${*:1:$#-1} " out="" kv k v expr
    IFS=',' read -ra kvs <<<"$spec"
    for kv in "${kvs[@]}"; do
        kv=$(echo "$kv" | xargs); k=${kv%%=*}; v=${kv#*=}
        if [[ $cols == *" $k "* ]]; then expr="\"$k\""; else expr="hstore_get_value(other_tags, '$k')"; fi
        out+="${out:+ OR }$expr = '$v'"
    done
    echo "$out"
}
pcols="name barrier highway ref address is_in place man_made"
mcols="name type aeroway amenity admin_level barrier boundary building craft geological historic land_area landuse leisure man_made military natural office place shop sport tourism"
sed -n 's/^  \([a-z_]*\): "\(.*\)"$/\1 \2/p' layers/osm_facilities.yaml | while read -r cat tags; do
    pw=$(cond $pcols "$tags"); mw=$(cond $mcols "$tags")
    n=$(ogrinfo -q -dialect sqlite -sql "SELECT (SELECT count(*) FROM points WHERE $pw) +
          (SELECT count(*) FROM multipolygons WHERE $mw) AS n" "$tmp/osm.gpkg" |
        grep -o '= [0-9]*' | tr -d '= ')
    [ "$n" -gt 0 ] || continue   # no such object in the extract: no layer
    upd=(); [ -e "$out/voorzieningen.gpkg" ] && upd=(-update)
    ogr2ogr -q -f GPKG "${upd[@]}" "$out/voorzieningen.gpkg" "$tmp/osm.gpkg" -nln "$cat" -nlt GEOMETRY \
      -dialect sqlite -sql \
      "SELECT naam, osm_type, osm_id, geom FROM (
         SELECT name AS naam, 'node' AS osm_type, CAST(osm_id AS INTEGER) AS osm_id, geom FROM points WHERE $pw
         UNION ALL
         SELECT name, CASE WHEN osm_way_id IS NOT NULL THEN 'way' ELSE 'relation' END,
                CAST(COALESCE(osm_way_id, osm_id) AS INTEGER), geom FROM multipolygons WHERE $mw)
       ORDER BY osm_type, osm_id"
done

# --- delft_lines: the OGR route to the same network ----------------------------
ogr2ogr -q -f GPKG "$out/delft_lines.gpkg" "$tmp/osm.gpkg" lines -nln lines
ogr2ogr -q -update "$out/delft_lines.gpkg" "$tmp/osm.gpkg" -nln multipolygons -nlt MULTIPOLYGON \
  -dialect sqlite -sql "SELECT * FROM multipolygons
    WHERE hstore_get_value(other_tags, 'highway') IS NOT NULL OR hstore_get_value(other_tags, 'public_transport') IS NOT NULL
       OR hstore_get_value(other_tags, 'railway') IS NOT NULL OR man_made IS NOT NULL ORDER BY fid"
ogr2ogr -q -update "$out/delft_lines.gpkg" "$tmp/osm.gpkg" -nln points -nlt POINT \
  -dialect sqlite -sql "SELECT * FROM points
    WHERE barrier IS NOT NULL OR hstore_get_value(other_tags, 'kerb') IS NOT NULL
       OR hstore_get_value(other_tags, 'wheelchair') IS NOT NULL OR hstore_get_value(other_tags, 'access') IS NOT NULL
       OR hstore_get_value(other_tags, 'foot') IS NOT NULL ORDER BY fid"

# --- opgave: illustrative targets ---------------------------------------------
printf '%s\n' \
  'gemeente_code;woningtype;opgave;plannen;gerealiseerd;toelichting' \
  'GM0503;nultreden;710;1250;60;illustratief' \
  'GM0503;geclusterd;440;180;20;illustratief' \
  'GM0503;zorggeschikt;190;70;5;illustratief' > "$out/opgave.csv"

echo "make_delft_example: $(ogrinfo -q -sql "SELECT count(*) FROM kavels" "$out/kavels.gpkg" | grep -o '= [0-9]*' | tr -d '= ') plots, gemeente $(ogrinfo -q -sql 'SELECT gemeentenaam FROM gemeente' "$out/gemeente.gpkg" | grep -o '= .*' | tr -d '= ')"

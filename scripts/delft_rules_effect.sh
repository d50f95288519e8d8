#!/usr/bin/env bash
# delft_rules_effect.sh — what each walkability rule does on the Delft example:
# runs examples/delft/project.yaml on foot with the built-in rules, then with one
# rule at a time undone (as the network was before issue "network"), and prints
# how many buildings reach each category (scripts/delft_reach.py) and how many
# buildings' walks the rule changes.  as_before undoes them all (cycleways and
# primary roads closed, use_sidepath walked, private ways closed, squares walked
# along their outline only, no islands).  The rules are
# undone through the project's own keys (network.rules with extends: builtin,
# network.override, network.island_m), so this also shows how to change them.
#   scripts/delft_rules_effect.sh [PROFILE]     PROFILE: walk (default) or rollator
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${BODNAARPLOT:-build/bodnaarplot}
PROFILE=${1:-walk}
[ -x "$BIN" ] || { echo "delft_rules_effect.sh: $BIN not built (cmake --build build)" >&2; exit 1; }
out=build/delft_effect
mkdir -p "$out"
proj=examples/delft/project.yaml
cat > "$out/cycleway_closed.yaml" <<'EOF'
extends: builtin
way_rules:                      # before the built-in rules: the first match wins
  - id: cycleway_closed
    if: {highway: cycleway, foot: ~}
    walk: "no"
EOF
cat > "$out/all_closed.yaml" <<'EOF'
extends: builtin
way_rules:
  - id: cycleway_closed
    if: {highway: cycleway, foot: ~}
    walk: "no"
  - id: primary_closed
    if: {highway: [primary, primary_link], foot: ~}
    walk: "no"
EOF
# project variants: the example with network keys added (paths stay relative to examples/delft)
variant() { # NAME, lines to add under network:
    local name=$1 add=$2
    awk -v add="$add" '{print} /^network:/ {n=1} n && /snap_tolerance_m/ {print add; n=0}' "$proj" \
        > "examples/delft/.effect_$name.yaml"
}
trap 'rm -f examples/delft/.effect_*.yaml' EXIT
variant builtin ""
variant cycleway_closed "  rules: ../../$out/cycleway_closed.yaml"
variant private_closed '  override: "private_access=no, foot_private=no"'
variant use_sidepath_walked '  override: "foot_use_sidepath=yes"'
variant trunk_walked '  override: "trunk_without_sidewalk=off"'
variant areas_along_outline '  override: "pedestrian_area=off, pedestrian_multipolygon=off, platform_area=off, transport_platform_area=off"'
variant no_islands "  island_m: 0"
variant as_before "  rules: ../../$out/all_closed.yaml
  override: \"private_access=no, foot_private=no, foot_use_sidepath=yes, pedestrian_area=off, pedestrian_multipolygon=off, platform_area=off, transport_platform_area=off\"
  island_m: 0"
printf '%-22s %s\n' "rules ($PROFILE)" "buildings (of 2880) reaching supermarkt, huisarts, ov_halte, ontmoeting, groen; all five; buildings with a walk changed by more than 1 m; median change (m)"
for name in builtin cycleway_closed private_closed use_sidepath_walked trunk_walked areas_along_outline no_islands as_before; do
    "$BIN" run "examples/delft/.effect_$name.yaml" --walk-profile "$PROFILE" -o "$out/$name.gpkg" --overwrite -q 2>/dev/null
    /usr/bin/python3 scripts/delft_reach.py "$out/$name.gpkg" |
        awk -v name="$name" '$1 ~ /^(supermarkt|huisarts|ov_halte|ontmoeting|groen)$/ {r = r sprintf(" %5d", $3)}
                             $1 == "every" {r = r sprintf("  %5d", $3)} END {printf "%-22s%s", name, r}'
    /usr/bin/python3 - "$out/builtin.gpkg" "$out/$name.gpkg" <<'PY'
import sys
from osgeo import ogr
def dists(path):
    ds = ogr.Open(path)
    return {f["plot_id"]: [f["dist_%s_m" % c] for c in ("supermarkt", "huisarts", "ov_halte", "ontmoeting", "groen")]
            for f in ds.GetLayerByName("candidates") if f["soort"] == "building"}
a, b = dists(sys.argv[1]), dists(sys.argv[2])
changed = [k for k in a if any((x is None) != (y is None) or (x is not None and abs(x - y) > 1) for x, y in zip(a[k], b[k]))]
diffs = sorted(y - x for k in changed for x, y in zip(a[k], b[k]) if x is not None and y is not None and abs(x - y) > 1)
med = diffs[len(diffs) // 2] if diffs else 0
print("  %5d  %+7.0f" % (len(changed), med))
PY
done

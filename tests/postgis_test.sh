#!/usr/bin/env bash
# postgis_test.sh — -o PG:... writes every layer into a real PostGIS
# database in one transaction, refuses to replace tables without
# --overwrite and replaces them with it.  Starts its own PostgreSQL server
# (initdb in a temporary folder, 127.0.0.1, a free port; as root it runs as
# the postgres user) and stops it afterwards.
#   tests/postgis_test.sh BODNAARPLOT SOURCE_DIR
# Exit 77 (skipped) only where PostgreSQL/PostGIS cannot be installed.
set -uo pipefail
exe=$(readlink -f "$1") src=$2
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pgbin" ] || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    if apt-cache policy "postgresql-*-postgis-3" 2>/dev/null | grep -q "Candidate: [0-9]"; then
        echo "FAIL PostgreSQL/PostGIS can be installed here but are not: run scripts/setup.sh --test"
        exit 1
    fi
    echo "SKIPPED: PostgreSQL with PostGIS cannot be installed on this system"
    exit 77
fi
tmp=$(mktemp -d)
chmod 755 "$tmp"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$tmp"
    as_pg=(runuser -u postgres --)
fi
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() {
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -m fast stop >/dev/null 2>&1
    rm -rf "$tmp"
}
trap stop EXIT
"${as_pg[@]}" "$pgbin/initdb" -D "$tmp/data" -U postgres --auth=trust -E UTF8 >"$tmp/initdb.log" 2>&1 ||
    { cat "$tmp/initdb.log"; exit 1; }
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/pg.log" -w \
    -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
    { cat "$tmp/pg.log"; exit 1; }
psql() { "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -d bp -qtAX "$@"; }
"$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres bp
psql -c "CREATE EXTENSION postgis" || exit 1

pass=0 fail=0
check() { local msg=$1; shift; if "$@"; then echo "ok   $msg"; pass=$((pass + 1)); else echo "FAIL $msg"; fail=$((fail + 1)); fi; }
conn="PG:host=127.0.0.1 port=$port dbname=bp user=postgres"
project=$src/examples/zwolle/project.yaml
cp -r "$src/examples/zwolle" "$tmp/ex"
sed -i 's/^overwrite: true/overwrite: false/' "$tmp/ex/project.yaml"

"$exe" run "$tmp/ex/project.yaml" -o "$conn" -q
check "writes into PostGIS (exit $?)" test $? -eq 0
n=$(psql -c "SELECT count(*) FROM candidates")
check "every layer is there ($n candidates)" \
    test "$(psql -c "SELECT string_agg(f_table_name, ',' ORDER BY f_table_name) FROM geometry_columns")" = "candidates,facilities,gemeente_gap" \
    -a "$(psql -c "SELECT count(*) > 10 FROM run_info")" = t -a "$n" -gt 0
check "EPSG:28992, geometry column geom, rank 1 is the best score" \
    test "$(psql -c "SELECT srid FROM geometry_columns WHERE f_table_name='candidates'")" = 28992 \
    -a "$(psql -c "SELECT rank FROM candidates WHERE NOT knocked_out ORDER BY score DESC, rank LIMIT 1")" = 1
psql -c "UPDATE run_info SET value = 'marker' WHERE key = 'run.started'"
"$exe" run "$tmp/ex/project.yaml" -o "$conn" -q 2>"$tmp/err"
rc=$?
check "existing tables refused without --overwrite (exit $rc: $(cat "$tmp/err"))" test $rc -eq 2
check "... and left as they were" test "$(psql -c "SELECT value FROM run_info WHERE key='run.started'")" = marker
# a failure half-way leaves nothing: a dropped PostGIS makes the write fail
"$exe" run "$tmp/ex/project.yaml" -o "PG:host=127.0.0.1 port=$port dbname=nosuchdb user=postgres" -q 2>/dev/null
check "an unreachable database is an error naming it" test $? -ne 0
"$exe" run "$tmp/ex/project.yaml" -o "$conn" --overwrite -q
check "--overwrite replaces the tables" \
    test "$(psql -c "SELECT count(*) FROM run_info WHERE value='marker'")" = 0 -a "$(psql -c "SELECT count(*) FROM candidates")" = "$n"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

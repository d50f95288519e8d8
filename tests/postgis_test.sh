#!/usr/bin/env bash
# postgis_test.sh — -o PG:... writes every layer into a real PostGIS
# database in one transaction, refuses to replace tables without
# --overwrite and replaces them with it; and issue 10's database defects:
# no PostGIS, a missing active_schema, views on the tables, a stale
# temporary GeoPackage, Ctrl-C while writing and while waiting for a lock.  Starts its own PostgreSQL server
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

# ---- issue 10 ---------------------------------------------------------------
export TMPDIR=$tmp/t
mkdir -p "$TMPDIR"
chmod 777 "$TMPDIR"
marker() { psql -c "SELECT value FROM run_info WHERE key='run.started'"; }
psql -c "UPDATE run_info SET value = 'marker' WHERE key = 'run.started'"
# defect 12: no PostGIS is refused, naming the fix
"$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres nopg
"$exe" run "$tmp/ex/project.yaml" -o "PG:host=127.0.0.1 port=$port dbname=nopg user=postgres" -q 2>"$tmp/err"
rc=$?
check "d12 a database without PostGIS is refused (exit $rc: $(cat "$tmp/err"))" \
    test $rc -eq 2 -a "$(grep -c 'CREATE EXTENSION postgis' "$tmp/err")" = 1
check "d12 ... and nothing is written into it" \
    test "$("$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -d nopg -qtAX -c "SELECT count(*) FROM pg_tables WHERE schemaname='public'")" = 0
# defect 4: a schema given must exist; it is used, never public instead
"$exe" run "$tmp/ex/project.yaml" -o "$conn active_schema=typo" --overwrite -q 2>"$tmp/err"
rc=$?
check "d4 active_schema=typo is refused (exit $rc: $(cat "$tmp/err"))" \
    test $rc -eq 2 -a "$(grep -c "schema 'typo'" "$tmp/err")" = 1
check "d4 ... and public is left as it was" test "$(marker)" = marker
psql -c "CREATE SCHEMA plan"
"$exe" run "$tmp/ex/project.yaml" -o "$conn active_schema=plan" -q
check "d4 an existing schema is written into ($?)" \
    test "$(psql -c "SELECT count(*) FROM plan.candidates")" = "$n" -a "$(marker)" = marker
# defect 5: --overwrite never drops a user's views
psql -c "CREATE VIEW top10 AS SELECT * FROM candidates WHERE rank <= 10"
"$exe" run "$tmp/ex/project.yaml" -o "$conn" --overwrite -q 2>"$tmp/err"
rc=$?
check "d5 --overwrite with a view on candidates is refused naming it (exit $rc: $(cat "$tmp/err"))" \
    test $rc -eq 2 -a "$(grep -c 'public.top10' "$tmp/err")" = 1
check "d5 ... the view and the tables are kept" \
    test "$(psql -c "SELECT count(*) FROM top10")" = 10 -a "$(marker)" = marker
psql -c "DROP VIEW top10"
# defect 13: a temporary GeoPackage left by a killed run is removed by the next
stale="$TMPDIR/.bodnaarplot-pg.bodnaarplot-tmp-4194301-4194301.gpkg"
echo partial >"$stale"
"$exe" run "$tmp/ex/project.yaml" -o "$conn active_schema=plan" --overwrite -q
check "d13 a stale PostgreSQL temporary file is removed ($?)" test ! -e "$stale"
check "d13 ... and the run leaves none" test -z "$(ls -A "$TMPDIR")"
# defect 6: Ctrl-C while the database is written, and while a lock is waited for
psql -c "UPDATE run_info SET value = 'marker' WHERE key = 'run.started'"
BODNAARPLOT_TEST_PAUSE="write database:300" CPL_DEBUG=BODNAARPLOT \
    "$exe" run "$tmp/ex/project.yaml" -o "$conn" --overwrite -q 2>"$tmp/err" &
pid=$!
for i in $(seq 100); do grep -q "begin write database" "$tmp/err" && break; sleep 0.05; done
kill -INT $pid
wait $pid
rc=$?
check "d6 SIGINT while writing the database: exit 5 ($rc)" test $rc -eq 5
check "d6 ... the tables are as they were, no temporary file" test "$(marker)" = marker -a -z "$(ls -A "$TMPDIR")"
"$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -d bp -qtAX \
    -c "BEGIN; LOCK TABLE candidates IN ACCESS SHARE MODE; SELECT pg_sleep(60); COMMIT;" >/dev/null 2>&1 &
holder=$!
sleep 1
"$exe" run "$tmp/ex/project.yaml" -o "$conn" --overwrite -q 2>"$tmp/err" &
pid=$!
sleep 2
t0=$(date +%s%N)
kill -TERM $pid
wait $pid
rc=$?
took=$(( ($(date +%s%N) - t0) / 1000000 ))
check "d6 SIGTERM while waiting for a table another session holds: exit 5 within 2 s ($rc, $took ms)" \
    test $rc -eq 5 -a $took -lt 2000
kill $holder 2>/dev/null
wait $holder 2>/dev/null
psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
check "d6 ... the tables are as they were" test "$(marker)" = marker -a -z "$(ls -A "$TMPDIR")"
"$exe" run "$tmp/ex/project.yaml" -o "$conn" --overwrite -q
check "d6 afterwards the run replaces them ($?)" test "$(psql -c "SELECT count(*) FROM run_info WHERE value='marker'")" = 0

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# The sources benchmark of BENCHMARKS.md (not a test): 1,000,000 rows read
# from PostgreSQL, MariaDB and Kafka by `glassbox inspect`, against the same
# rows as a CSV file, and against pandas' read_sql with chunksize=10000 on
# the same servers. Wall time and peak memory from /usr/bin/time.
#
#   scripts/test_servers.sh scripts/bench_sources.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
python3 -c "import sqlalchemy, psycopg2, pymysql, pandas" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore sqlalchemy psycopg2-binary pymysql pandas
cargo build --release --locked --bin glassbox -p glassbox-cli >/dev/null
cargo build --release --locked -p glassbox-sources --example produce >/dev/null
GB=target/release/glassbox
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
export GLASSBOX_DB_USER=$GLASSBOX_TEST_DB_USER GLASSBOX_DB_PASSWORD=$GLASSBOX_TEST_DB_PASSWORD
PG="postgres://$GLASSBOX_TEST_PG_ADDR/glassbox"; MY="mysql://$GLASSBOX_TEST_MYSQL_ADDR/glassbox"
PGPASSWORD=$GLASSBOX_DB_PASSWORD psql -q -h "${GLASSBOX_TEST_PG_ADDR%:*}" -p "${GLASSBOX_TEST_PG_ADDR#*:}" -U "$GLASSBOX_DB_USER" -d glassbox -c "
  DROP TABLE IF EXISTS big;
  CREATE TABLE big AS SELECT g AS id, (g % 1000) / 10.0::float8 AS a, (g * 7919 % 10007)::float8 AS b,
    (ARRAY['x','y','z'])[1 + g % 3] AS c, TIMESTAMPTZ '2024-01-01 00:00+00' + g * INTERVAL '1 second' AS at,
    CASE WHEN (g * 31) % 7 < 3 THEN 'yes' ELSE 'no' END AS label
  FROM generate_series(1::bigint, $ROWS) g;"
# The same rows as the canonical CSV, then into MariaDB and Kafka from it.
$GB sync "$PG" --table big --since-column at --state "$W/s.json" --out "$W/big.csv" >/dev/null
mariadb --no-defaults -h "${GLASSBOX_TEST_MYSQL_ADDR%:*}" -P "${GLASSBOX_TEST_MYSQL_ADDR#*:}" -u "$GLASSBOX_DB_USER" -p"$GLASSBOX_DB_PASSWORD" --local-infile=1 glassbox -e "
  SET GLOBAL local_infile = 1;" 2>/dev/null || true
mariadb --no-defaults -h "${GLASSBOX_TEST_MYSQL_ADDR%:*}" -P "${GLASSBOX_TEST_MYSQL_ADDR#*:}" -u "$GLASSBOX_DB_USER" -p"$GLASSBOX_DB_PASSWORD" --local-infile=1 glassbox -e "
  DROP TABLE IF EXISTS big;
  CREATE TABLE big (id INT, a DOUBLE, b DOUBLE, c VARCHAR(4), at TIMESTAMP NULL, label VARCHAR(4));
  LOAD DATA LOCAL INFILE '$W/big.csv' INTO TABLE big FIELDS TERMINATED BY ',' LINES TERMINATED BY '\n' IGNORE 1 LINES
    (id, a, b, c, @at, label) SET at = STR_TO_DATE(@at, '%Y-%m-%dT%H:%i:%sZ');"
target/release/examples/produce "$GLASSBOX_TEST_KAFKA_ADDR" big "$W/big.csv" >/dev/null
measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/t" "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  read -r secs kb < "$W/t"
  printf "| %-34s | %8.2f | %9.0f | %6.0f |\n" "$name" "$secs" "$(echo "$ROWS / $secs" | bc)" "$(echo "$kb / 1024" | bc)"
}
echo "| $ROWS rows read by                 |   wall s |   rows/s | peak MB |"
echo "|---|---:|---:|---:|"
measure "glassbox inspect, CSV file" $GB inspect "$W/big.csv"
measure "glassbox inspect, PostgreSQL" $GB inspect "$PG" --table big
measure "glassbox inspect, MariaDB" $GB inspect "$MY" --table big
measure "glassbox inspect, Kafka (JSON)" $GB inspect "kafka://$GLASSBOX_TEST_KAFKA_ADDR/big"
measure "glassbox sync, PostgreSQL to CSV" $GB sync "$PG" --table big --since-column at --state "$W/s2.json" --out "$W/again.csv"
cmp "$W/big.csv" "$W/again.csv"
measure "pandas read_csv" python3 -c "import pandas; pandas.read_csv('$W/big.csv')"
for url in "postgresql+psycopg2://$GLASSBOX_DB_USER:$GLASSBOX_DB_PASSWORD@$GLASSBOX_TEST_PG_ADDR/glassbox" \
           "mysql+pymysql://$GLASSBOX_DB_USER:$GLASSBOX_DB_PASSWORD@$GLASSBOX_TEST_MYSQL_ADDR/glassbox"; do
  measure "pandas read_sql chunksize=10000, ${url%%+*}" python3 -c "
import pandas, sqlalchemy
e = sqlalchemy.create_engine('$url')
with e.connect().execution_options(stream_results=True) as c:
    df = pandas.concat(pandas.read_sql('SELECT * FROM big', c, chunksize=10000))
assert len(df) == $ROWS"
done

//! Sources against real servers: PostgreSQL, MariaDB and a Kafka broker
//! (tansu), started on 127.0.0.1 by `scripts/test_servers.sh` (which
//! `make test` runs these tests under). Without those servers the tests say
//! so and pass, unless `GLASSBOX_TEST_SERVERS=required` (set by the script)
//! says they must be there. Each test uses tables and topics of its own.

use std::path::Path;
use std::process::{Command, Output};

struct Servers {
    pg: String,
    mysql: String,
    kafka: String,
    user: String,
    password: String,
}

fn servers() -> Option<Servers> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (get("GLASSBOX_TEST_PG_ADDR"), get("GLASSBOX_TEST_MYSQL_ADDR"), get("GLASSBOX_TEST_KAFKA_ADDR")) {
        (Some(pg), Some(mysql), Some(kafka)) => Some(Servers {
            pg,
            mysql,
            kafka,
            user: get("GLASSBOX_TEST_DB_USER").expect("GLASSBOX_TEST_DB_USER"),
            password: get("GLASSBOX_TEST_DB_PASSWORD").expect("GLASSBOX_TEST_DB_PASSWORD"),
        }),
        _ if get("GLASSBOX_TEST_SERVERS").as_deref() == Some("required") => {
            panic!("GLASSBOX_TEST_SERVERS=required but the server addresses are not set")
        }
        _ => {
            eprintln!("skipped: no test servers (run under scripts/test_servers.sh, as make test does)");
            None
        }
    }
}

impl Servers {
    fn pg_url(&self) -> String {
        format!("postgres://{}/glassbox", self.pg)
    }

    fn mysql_url(&self) -> String {
        format!("mysql://{}/glassbox", self.mysql)
    }

    fn kafka_url(&self, topic: &str) -> String {
        format!("kafka://{}/{topic}", self.kafka)
    }

    /// Runs SQL on PostgreSQL with psql.
    fn pg_sql(&self, sql: &str) {
        let (host, port) = self.pg.split_once(':').unwrap();
        let o = Command::new("psql")
            .args([
                "-h",
                host,
                "-p",
                port,
                "-U",
                &self.user,
                "-d",
                "glassbox",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                sql,
            ])
            .env("PGPASSWORD", &self.password)
            .output()
            .expect("psql runs");
        assert!(o.status.success(), "psql: {}", String::from_utf8_lossy(&o.stderr));
    }

    /// Runs SQL on MariaDB with its client.
    fn mysql_sql(&self, sql: &str) {
        let (host, port) = self.mysql.split_once(':').unwrap();
        let o = Command::new("mariadb")
            .args(["--no-defaults", "-h", host, "-P", port, "-u", &self.user, "glassbox", "-e", sql])
            .env("MYSQL_PWD", &self.password)
            .output()
            .expect("the mariadb client runs");
        assert!(o.status.success(), "mariadb: {}", String::from_utf8_lossy(&o.stderr));
    }

    /// Creates `topic` (one partition) and produces `messages` to it, in order.
    fn produce(&self, topic: &str, messages: &[String]) {
        use rskafka::client::partition::{Compression, UnknownTopicHandling};
        use rskafka::client::ClientBuilder;
        use rskafka::record::Record;
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let client = ClientBuilder::new(vec![self.kafka.clone()]).build().await.expect("the broker answers");
            let exists = client.list_topics().await.unwrap().iter().any(|t| t.name == topic);
            if !exists {
                client.controller_client().unwrap().create_topic(topic, 1, 1, 5_000).await.expect("topic created");
            }
            let pc = client.partition_client(topic, 0, UnknownTopicHandling::Retry).await.unwrap();
            for batch in messages.chunks(500) {
                let records = batch
                    .iter()
                    .map(|m| Record {
                        key: None,
                        value: Some(m.clone().into_bytes()),
                        headers: Default::default(),
                        timestamp: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                    })
                    .collect();
                pc.produce(records, Compression::NoCompression).await.expect("produced");
            }
        });
    }

    fn run(&self, args: &[&str], dir: &Path) -> Output {
        self.run_env(args, dir, &[("GLASSBOX_DB_USER", &self.user), ("GLASSBOX_DB_PASSWORD", &self.password)])
    }

    fn run_env(&self, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_glassbox"));
        c.args(args).current_dir(dir);
        for k in ["GLASSBOX_DB_USER", "GLASSBOX_DB_PASSWORD", "PGUSER", "PGPASSWORD", "MYSQL_USER", "MYSQL_PWD"] {
            c.env_remove(k);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("the binary runs")
    }
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failure: exit code 2 and one line on stderr, which is returned.
fn fails(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "stdout: {}\nstderr: {err}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

fn penguins() -> (Vec<String>, Vec<Vec<String>>) {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../public/samples/penguins.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(str::to_string).collect();
    (header, lines.map(|l| l.split(',').map(str::to_string).collect()).collect())
}

fn sql_value(v: &str, numeric: bool) -> String {
    if v.is_empty() || v == "NA" {
        "NULL".to_string()
    } else if numeric {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "''"))
    }
}

#[test]
fn the_same_rows_from_postgres_mariadb_kafka_and_a_csv_make_the_same_model() {
    let Some(s) = servers() else { return };
    let (header, rows) = penguins();
    let numeric = |c: &str| !matches!(c, "species" | "island" | "sex");
    let cols: Vec<String> =
        header.iter().map(|c| format!("{c} {}", if numeric(c) { "DOUBLE PRECISION" } else { "VARCHAR(20)" })).collect();
    let values: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let v: Vec<String> = r.iter().zip(&header).map(|(v, c)| sql_value(v, numeric(c))).collect();
            format!("({i}, {})", v.join(", "))
        })
        .collect();
    for (run, int_type) in [(0, "INTEGER"), (1, "INT")] {
        let create = format!(
            "DROP TABLE IF EXISTS penguins_same; CREATE TABLE penguins_same (id {int_type}, {});",
            cols.join(", ")
        );
        let insert = format!("INSERT INTO penguins_same VALUES {};", values.join(", "));
        if run == 0 {
            s.pg_sql(&format!("{create} {insert}"));
        } else {
            s.mysql_sql(&format!("{create} {insert}"));
        }
    }
    let messages: Vec<String> = rows
        .iter()
        .map(|r| {
            let fields: Vec<String> = r
                .iter()
                .zip(&header)
                .map(|(v, c)| match v.as_str() {
                    "" | "NA" => format!("\"{c}\": null"),
                    v if numeric(c) => format!("\"{c}\": {v}"),
                    v => format!("\"{c}\": \"{v}\""),
                })
                .collect();
            format!("{{{}}}", fields.join(", "))
        })
        .collect();
    s.produce("penguins-same", &messages);

    let dir = tempfile::tempdir().unwrap();
    let query = format!("SELECT {} FROM penguins_same ORDER BY id", header.join(", "));
    let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../public/samples/penguins.csv");
    let kafka = s.kafka_url("penguins-same");
    let runs: [(&str, Vec<&str>); 4] = [
        ("pg", vec![s.pg_url().leak(), "--query", query.as_str()]),
        ("my", vec![s.mysql_url().leak(), "--query", query.as_str()]),
        ("kafka", vec![kafka.as_str()]),
        ("csv", vec![csv]),
    ];
    for (name, source) in &runs {
        let mut args = vec!["train"];
        args.extend(source.iter().copied());
        args.extend(["--target", "species", "--model", "random_forest", "--out", name, "--chunk-rows", "50"]);
        if *name == "csv" {
            args.retain(|a| *a != "--chunk-rows" && *a != "50");
        }
        ok(&s.run(&args, dir.path()));
    }
    let read = |name: &str, file: &str| std::fs::read_to_string(dir.path().join(name).join(file)).unwrap();
    let same = |a: &str, b: &str, file: &str| {
        let (x, y) = (read(a, file), read(b, file));
        if let Some((i, (l, r))) = x.lines().zip(y.lines()).enumerate().find(|(_, (l, r))| l != r) {
            panic!("{a}/{file} and {b}/{file} differ at line {}: {l} against {r}", i + 1);
        }
        assert_eq!(x.len(), y.len(), "{a}/{file} and {b}/{file}");
    };
    // The three sources hand over the same canonical bytes: the same model
    // file, hash included, but for the source its recipe names.
    let model = |name: &str| {
        let mut m: serde_json::Value = serde_json::from_str(&read(name, "model.json")).unwrap();
        let source = m["recipe"]["input"]["name"].take();
        let scheme = match name {
            "pg" => "postgres://",
            "my" => "mysql://",
            _ => "kafka://",
        };
        assert!(source.as_str().is_some_and(|s| s.starts_with(scheme)), "{name}: {source}");
        m
    };
    assert_eq!(model("pg"), model("my"), "pg/model.json and my/model.json");
    assert_eq!(model("pg"), model("kafka"), "pg/model.json and kafka/model.json");
    // And the same metrics as the CSV file itself.
    for name in ["pg", "my", "kafka"] {
        same(name, "csv", "metrics.json");
    }
    let report = read("pg", "report.html");
    assert!(report.contains(&format!("postgres://{}/glassbox query SELECT species", s.pg)), "the source is named");
    assert!(report.contains("glassbox canonical csv v1"));
    for name in ["pg", "my"] {
        for file in ["model.json", "metrics.json", "report.html"] {
            assert!(!read(name, file).contains(&s.password), "{name}/{file} holds the password");
        }
    }
}

#[test]
fn database_types_map_to_table_kinds_and_unsupported_ones_are_named() {
    let Some(s) = servers() else { return };
    s.pg_sql(
        "DROP TABLE IF EXISTS kinds; DROP TYPE IF EXISTS mood;
         CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
         CREATE TABLE kinds (i2 SMALLINT, i8 BIGINT, f4 REAL, n NUMERIC(10,2), b BOOLEAN, t TEXT, m mood,
           d DATE, ts TIMESTAMP, tz TIMESTAMPTZ, tm TIME, raw BYTEA, doc JSONB, arr INT[]);
         INSERT INTO kinds SELECT g % 7, g::bigint * 1000000000, g / 4.0, g * 1.25, g % 2 = 0, 'row ' || (g % 3),
           (ARRAY['sad','ok','happy'])[1 + g % 3]::mood, DATE '2024-01-01' + g, TIMESTAMP '2024-03-10 01:00' + g * INTERVAL '1 hour',
           TIMESTAMPTZ '2024-03-10 01:00+08' + g * INTERVAL '1 hour', TIME '08:30', '\\x00ff', '{\"a\": 1}', ARRAY[g]
         FROM generate_series(1, 40) g;
         INSERT INTO kinds (i2) VALUES (NULL);",
    );
    let dir = tempfile::tempdir().unwrap();
    let o = s
        .run(&["inspect", &s.pg_url(), "--table", "kinds", "--json", "--source-timezone", "Asia/Shanghai"], dir.path());
    let err = ok(&o);
    for (col, ty) in [("raw", "bytea"), ("doc", "jsonb"), ("arr", "int4[]")] {
        assert!(err.contains(&format!("column '{col}' ({ty}) left out")), "{err}");
    }
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds: Vec<(String, String)> = json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["kind"].as_str().unwrap().to_string()))
        .collect();
    let kind = |n: &str| kinds.iter().find(|(c, _)| c == n).map(|(_, k)| k.as_str()).unwrap_or("absent");
    assert_eq!(json["n_rows"], 41);
    for (col, k) in [
        ("i2", "numeric"),
        ("i8", "numeric"),
        ("f4", "numeric"),
        ("n", "numeric"),
        ("b", "boolean"),
        ("t", "categorical"),
        ("m", "categorical"),
        ("d", "datetime"),
        ("ts", "datetime"),
        ("tz", "datetime"),
        ("tm", "categorical"),
        ("raw", "absent"),
    ] {
        assert_eq!(kind(col), k, "{col}: {kinds:?}");
    }
    // The instants themselves, through sync's canonical CSV: a naive 01:00 in Shanghai is 17:00Z
    // the day before; timestamptz 01:00+08 is the same instant, whatever the zone named.
    let o = s.run(
        &[
            "sync",
            &s.pg_url(),
            "--table",
            "kinds",
            "--since-column",
            "ts",
            "--source-timezone",
            "Asia/Shanghai",
            "--state",
            "s.json",
            "--out",
            "k.csv",
        ],
        dir.path(),
    );
    ok(&o);
    let csv = std::fs::read_to_string(dir.path().join("k.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("i2,i8,f4,n,b,t,m,d,ts,tz,tm"));
    assert_eq!(
        lines.next(),
        Some("1,1000000000,0.25,1.25,false,row 1,ok,2024-01-02,2024-03-09T18:00:00Z,2024-03-09T18:00:00Z,08:30:00")
    );
    assert_eq!(csv.lines().count(), 41, "the row without a ts is not synced");
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 rows have no ts"));
}

/// Syncs `table` into `out` and returns the new rows' lines.
fn sync(s: &Servers, url: &str, dir: &Path, table: &str, zone: &str, out: &str) -> Vec<String> {
    let before = std::fs::read_to_string(dir.join(out)).unwrap_or_default();
    let state = format!("{out}.state.json");
    ok(&s.run(
        &[
            "sync",
            url,
            "--table",
            table,
            "--since-column",
            "at",
            "--source-timezone",
            zone,
            "--state",
            &state,
            "--out",
            out,
        ],
        dir,
    ));
    let after = std::fs::read_to_string(dir.join(out)).unwrap();
    assert!(after.starts_with(&before), "sync only appends");
    after[before.len()..].lines().map(str::to_string).collect()
}

#[test]
fn sync_writes_each_row_once_including_rows_at_the_boundary_instant() {
    let Some(s) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (url, create, db) in [
        (s.pg_url(), "CREATE TABLE boundary (at TIMESTAMPTZ, v TEXT)", 0),
        (s.mysql_url(), "CREATE TABLE boundary (at TIMESTAMP(3) NULL, v VARCHAR(10))", 1),
    ] {
        let sql = |q: &str| if db == 0 { s.pg_sql(q) } else { s.mysql_sql(q) };
        let t = |x: &str| if db == 0 { format!("'{x}+00'") } else { format!("'{x}'") };
        sql(&format!("DROP TABLE IF EXISTS boundary; {create};"));
        sql(&format!(
            "INSERT INTO boundary VALUES ({}, 'a'), ({}, 'b'), ({}, 'z');",
            t("2024-05-01 10:00:00"),
            t("2024-05-01 10:00:00"),
            t("2024-05-01 09:00:00")
        ));
        let out = format!("b{db}.csv");
        assert_eq!(
            sync(&s, &url, dir.path(), "boundary", "UTC", &out),
            ["at,v", "2024-05-01T09:00:00Z,z", "2024-05-01T10:00:00Z,a", "2024-05-01T10:00:00Z,b"]
        );
        // Rows inserted between two runs: one at the boundary instant itself, one identical
        // to a row already written there, and one later.
        sql(&format!(
            "INSERT INTO boundary VALUES ({}, 'c'), ({}, 'a'), ({}, 'd');",
            t("2024-05-01 10:00:00"),
            t("2024-05-01 10:00:00"),
            t("2024-05-01 10:00:00.5")
        ));
        assert_eq!(
            sync(&s, &url, dir.path(), "boundary", "UTC", &out),
            ["2024-05-01T10:00:00Z,a", "2024-05-01T10:00:00Z,c", "2024-05-01T10:00:00.5Z,d"]
        );
        assert!(sync(&s, &url, dir.path(), "boundary", "UTC", &out).is_empty(), "a third run finds nothing new");
        let state: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(format!("{out}.state.json"))).unwrap())
                .unwrap();
        assert_eq!(state["high_water_mark"], "2024-05-01T10:00:00.5Z");
        assert_eq!(state["rows_written"], 6);
        // A run that appended and died before its state is rolled back, not repeated.
        let mut f = std::fs::OpenOptions::new().append(true).open(dir.path().join(&out)).unwrap();
        std::io::Write::write_all(&mut f, b"2024-05-01T10:00:00.5Z,d\n").unwrap();
        drop(f);
        sql(&format!("INSERT INTO boundary VALUES ({}, 'e');", t("2024-05-02 00:00:00")));
        let before_rollback = std::fs::read_to_string(dir.path().join(&out)).unwrap();
        let o = s.run(
            &[
                "sync",
                &url,
                "--table",
                "boundary",
                "--since-column",
                "at",
                "--state",
                &format!("{out}.state.json"),
                "--out",
                &out,
            ],
            dir.path(),
        );
        ok(&o);
        let after = std::fs::read_to_string(dir.path().join(&out)).unwrap();
        assert!(after.ends_with("2024-05-01T10:00:00.5Z,d\n2024-05-02T00:00:00Z,e\n"), "{after}");
        assert_eq!(
            after.len(),
            before_rollback.len() - "2024-05-01T10:00:00.5Z,d\n".len() + "2024-05-02T00:00:00Z,e\n".len()
        );
    }
}

#[test]
fn a_naive_shanghai_database_read_from_a_utc_host_loses_no_hours() {
    // The 8-hour trap: `timestamp` values are Shanghai wall-clock time. Were the zone ignored
    // anywhere (rows read as UTC, or the mark turned back into civil time as UTC), the
    // second run would ask for rows from 10:00 as UTC, 18:00 in Shanghai, and lose 10:30 and 17:00.
    let Some(s) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (db, url) in [(0, s.pg_url()), (1, s.mysql_url())] {
        let sql = |q: &str| if db == 0 { s.pg_sql(q) } else { s.mysql_sql(q) };
        let ty = if db == 0 { "TIMESTAMP" } else { "DATETIME" };
        sql(&format!("DROP TABLE IF EXISTS shanghai; CREATE TABLE shanghai (at {ty}, v INT);"));
        sql("INSERT INTO shanghai VALUES ('2024-01-01 09:00:00', 1), ('2024-01-01 10:00:00', 2);");
        let out = format!("sh{db}.csv");
        assert_eq!(
            sync(&s, &url, dir.path(), "shanghai", "Asia/Shanghai", &out),
            ["at,v", "2024-01-01T01:00:00Z,1", "2024-01-01T02:00:00Z,2"]
        );
        sql("INSERT INTO shanghai VALUES ('2024-01-01 10:30:00', 3), ('2024-01-01 17:00:00', 4), ('2024-01-01 18:30:00', 5);");
        assert_eq!(
            sync(&s, &url, dir.path(), "shanghai", "Asia/Shanghai", &out),
            ["2024-01-01T02:30:00Z,3", "2024-01-01T09:00:00Z,4", "2024-01-01T10:30:00Z,5"]
        );
        let state = std::fs::read_to_string(dir.path().join(format!("{out}.state.json"))).unwrap();
        assert!(state.contains("\"high_water_mark\": \"2024-01-01T10:30:00Z\""), "{state}");
        assert!(state.contains("\"source_timezone\": \"Asia/Shanghai\""), "{state}");
        // The same state read in another zone is refused, not silently shifted.
        let o = s.run(
            &[
                "sync",
                &url,
                "--table",
                "shanghai",
                "--since-column",
                "at",
                "--state",
                &format!("{out}.state.json"),
                "--out",
                &out,
            ],
            dir.path(),
        );
        assert!(fails(&o).contains("zone Asia/Shanghai"), "names the zone the state was made in");
    }
}

#[test]
fn sync_across_daylight_saving_changes_in_new_york() {
    let Some(s) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    s.pg_sql(
        "DROP TABLE IF EXISTS dst; CREATE TABLE dst (at TIMESTAMP, v INT);
              INSERT INTO dst VALUES ('2024-03-10 01:30', 1), ('2024-03-10 01:59', 2);",
    );
    let url = s.pg_url();
    assert_eq!(
        sync(&s, &url, dir.path(), "dst", "America/New_York", "dst.csv"),
        ["at,v", "2024-03-10T06:30:00Z,1", "2024-03-10T06:59:00Z,2"]
    );
    // One real minute after 01:59 EST the clocks read 03:00 EDT; 02:30 does not exist and reads as 03:30 EDT.
    s.pg_sql("INSERT INTO dst VALUES ('2024-03-10 03:00', 3), ('2024-03-10 02:30', 4), ('2024-11-03 00:30', 5);");
    assert_eq!(
        sync(&s, &url, dir.path(), "dst", "America/New_York", "dst.csv"),
        // In the database's order (of wall-clock times), each instant exact.
        ["2024-03-10T07:30:00Z,4", "2024-03-10T07:00:00Z,3", "2024-11-03T04:30:00Z,5"]
    );
    // After the autumn change (01:00-02:00 happens twice): rows after it, queried with the margin.
    s.pg_sql("INSERT INTO dst VALUES ('2024-11-03 02:30', 6), ('2024-11-03 00:45', 7);");
    assert_eq!(
        sync(&s, &url, dir.path(), "dst", "America/New_York", "dst.csv"),
        ["2024-11-03T04:45:00Z,7", "2024-11-03T07:30:00Z,6"]
    );
}

#[test]
fn a_kafka_topic_is_read_with_bad_messages_reported_and_synced_by_offsets() {
    let Some(s) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut messages: Vec<String> = (0..30)
        .map(|i| format!("{{\"x\": {}, \"label\": \"{}\", \"note\": null}}", i, if i % 3 == 0 { "yes" } else { "no" }))
        .collect();
    messages.insert(5, "not json".to_string());
    messages.insert(9, "{\"x\": 1, \"extra\": 2}".to_string());
    s.produce("events-json", &messages);
    let url = s.kafka_url("events-json");
    let o = s.run(&["inspect", &url, "--json"], dir.path());
    let err = ok(&o);
    assert!(err.contains("skipped 2 rows"), "{err}");
    assert!(err.contains("partition 0, offset 5: not a JSON object"), "{err}");
    assert!(err.contains("partition 0, offset 9: the field 'extra' is not one of the first message's"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["n_rows"], 30);
    // --max-messages stops early.
    let o = s.run(&["inspect", &url, "--json", "--max-messages", "4"], dir.path());
    ok(&o);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["n_rows"], 4);
    // Sync: a second run reads only the messages produced since.
    let run = |dir: &Path| ok(&s.run(&["sync", &url, "--state", "k.json", "--out", "k.csv"], dir));
    run(dir.path());
    let first = std::fs::read_to_string(dir.path().join("k.csv")).unwrap();
    assert_eq!(first.lines().next(), Some("x,label,note"));
    assert_eq!(first.lines().count(), 31);
    s.produce("events-json", &["{\"x\": 100, \"label\": \"yes\"}".to_string()]);
    run(dir.path());
    let second = std::fs::read_to_string(dir.path().join("k.csv")).unwrap();
    assert_eq!(&second[first.len()..], "100,yes,\n");
    let state = std::fs::read_to_string(dir.path().join("k.json")).unwrap();
    assert!(state.contains("\"0\": 33"), "{state}");
    // --from latest reads only what arrives after the start: here three messages produced a
    // moment later, and --max-messages ends the wait.
    let child = Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .args(["inspect", &url, "--json", "--from", "latest", "--max-messages", "3"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    s.produce("events-json", &(200..203).map(|i| format!("{{\"x\": {i}, \"label\": \"no\"}}")).collect::<Vec<_>>());
    let o = child.wait_with_output().unwrap();
    ok(&o);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["n_rows"], 3, "only the new messages");
    assert_eq!(json["preview"][0][0], "200");
    // CSV lines with the header as the first message.
    s.produce(
        "events-csv",
        &["a,b".to_string(), "1,x".to_string(), "2,y,extra".to_string(), "3,\"z, quoted\"".to_string()],
    );
    let o = s.run(&["sync", &s.kafka_url("events-csv"), "--state", "c.json", "--out", "c.csv"], dir.path());
    assert!(ok(&o).contains("partition 0, offset 2: 3 fields, expected 2"));
    assert_eq!(std::fs::read_to_string(dir.path().join("c.csv")).unwrap(), "a,b\n1,x\n3,\"z, quoted\"\n");
}

#[test]
fn credentials_come_from_a_dot_env_file_and_never_from_the_address() {
    let Some(s) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    s.pg_sql(
        "DROP TABLE IF EXISTS creds; CREATE TABLE creds AS SELECT g AS x, g % 2 AS y FROM generate_series(1, 20) g;",
    );
    std::fs::write(
        dir.path().join(".env"),
        format!("GLASSBOX_DB_USER={}\nGLASSBOX_DB_PASSWORD={}\n", s.user, s.password),
    )
    .unwrap();
    ok(&s.run_env(&["inspect", &s.pg_url(), "--table", "creds"], dir.path(), &[]));
    // A password in the address is refused, and not repeated.
    let (host, port) = s.pg.split_once(':').unwrap();
    let typed = format!("postgres://{}:{}@{host}:{port}/glassbox", s.user, s.password);
    let err = fails(&s.run(&["inspect", &typed, "--table", "creds"], dir.path()));
    assert!(err.contains("a password in the address is refused; set GLASSBOX_DB_PASSWORD"), "{err}");
    assert!(!err.contains(&s.password), "{err}");
}

#[test]
fn bad_sources_fail_in_one_line_naming_the_source() {
    let Some(s) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    s.pg_sql(
        "DROP TABLE IF EXISTS other; CREATE TABLE other (at TIMESTAMPTZ, v INT); INSERT INTO other VALUES (now(), 1);",
    );
    let pg = s.pg_url();
    let shown = format!("postgres://{}/glassbox", s.pg);
    // A wrong password.
    let err = fails(&s.run_env(
        &["inspect", &pg, "--table", "other"],
        dir.path(),
        &[("GLASSBOX_DB_USER", &s.user), ("GLASSBOX_DB_PASSWORD", "wrong-password")],
    ));
    assert!(
        err.contains(&shown) && err.contains("cannot connect") && err.contains("password authentication failed"),
        "{err}"
    );
    assert!(!err.contains("wrong-password"));
    let err = fails(&s.run_env(
        &["inspect", &s.mysql_url(), "--table", "other"],
        dir.path(),
        &[("GLASSBOX_DB_USER", &s.user), ("GLASSBOX_DB_PASSWORD", "wrong-password")],
    ));
    assert!(err.contains("cannot connect") && err.contains("Access denied"), "{err}");
    // A server that accepts the connection and never answers: a timeout, not a hang.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap();
    for url in [format!("postgres://{silent_addr}/x"), format!("kafka://{silent_addr}/t")] {
        let mut args = vec!["inspect", url.as_str(), "--connect-timeout", "1"];
        if url.starts_with("postgres") {
            args.extend(["--table", "t"]);
        }
        let start = std::time::Instant::now();
        let err = fails(&s.run(&args, dir.path()));
        assert!(err.contains("no answer within 1 s"), "{err}");
        assert!(start.elapsed().as_secs() < 20, "ended by the timeout");
    }
    // A syntax error, a table that does not exist, a name that is not an identifier.
    let err = fails(&s.run(&["inspect", &pg, "--query", "SELEC 1"], dir.path()));
    assert!(err.starts_with(&format!("error: {shown} query SELEC 1: syntax error")), "{err}");
    let err = fails(&s.run(&["inspect", &pg, "--table", "no_such_table"], dir.path()));
    assert!(err.contains("relation \"no_such_table\" does not exist"), "{err}");
    let err = fails(&s.run(&["inspect", &s.mysql_url(), "--table", "no_such_table"], dir.path()));
    assert!(err.contains("doesn't exist"), "{err}");
    let err = fails(&s.run(&["inspect", &pg, "--table", "other; DROP TABLE other"], dir.path()));
    assert!(err.contains("is not a plain identifier"), "{err}");
    // A corrupt state file, and one of another source.
    std::fs::write(dir.path().join("bad.json"), "{ not json").unwrap();
    let args = |state: &'static str| {
        ["sync", pg.as_str(), "--table", "other", "--since-column", "at", "--state", state, "--out", "o.csv"]
    };
    let err = fails(&s.run(&args("bad.json"), dir.path()));
    assert!(err.contains("bad.json: not a glassbox sync state file"), "{err}");
    ok(&s.run(
        &[
            "sync",
            &s.mysql_url(),
            "--query",
            "SELECT NOW() AS at",
            "--since-column",
            "at",
            "--state",
            "my.json",
            "--out",
            "my.csv",
        ],
        dir.path(),
    ));
    let err = fails(&s.run(&args("my.json"), dir.path()));
    assert!(err.contains("my.json: this state is of mysql://"), "{err}");
    // A topic that does not exist.
    let err = fails(&s.run(&["inspect", &s.kafka_url("no-such-topic")], dir.path()));
    assert!(err.contains("the topic 'no-such-topic' does not exist"), "{err}");
}

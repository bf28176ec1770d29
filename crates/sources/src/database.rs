//! PostgreSQL and MySQL (MariaDB) through sqlx: a table or the person's
//! query, streamed row by row (the drivers' streams are pulled as the rows
//! are used, so memory holds one chunk, not the result), every column's
//! type mapped to a cell.
//!
//! The mapping: integers, floats and decimals are numbers (NULL is
//! missing); booleans are `true`/`false`; text, enums and times of day are
//! text, left to the CSV reader to call categorical or free text as it
//! does for a file; dates are dates; `timestamptz` (PostgreSQL) and
//! `TIMESTAMP` (MySQL, which keeps UTC and is read in a `+00:00` session)
//! are instants converted exactly; a naive `timestamp` or `DATETIME` is
//! civil time in the zone the person names (`--source-timezone`, UTC by
//! default). Binary, JSON, arrays, UUIDs and anything else are named and
//! left out, not guessed.

use futures_util::TryStreamExt;
use jiff::Timestamp;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow, PgSslMode, PgTypeKind};
use sqlx::{AssertSqlSafe, Column, ConnectOptions, Executor, Row, SqlSafeStr, Statement, TypeInfo};

use crate::address::{check_identifier, Scheme};
use crate::credentials::Credentials;
use crate::{Cell, Error, Kind, Request, Result, Select, Skipped, Visit, Zone};

/// A column's type as the reader decodes it.
#[derive(Debug, Clone, PartialEq)]
enum ColType {
    I16,
    I32,
    I64,
    U64,
    F32,
    F64,
    Decimal,
    Bool,
    Text,
    Time,
    Date,
    /// Civil time without a zone: read in the person's zone.
    Naive,
    /// An instant (the server converts to UTC).
    Instant,
    Skip,
}

impl ColType {
    fn pg(name: &str, kind: &PgTypeKind) -> ColType {
        match name {
            "INT2" => ColType::I16,
            "INT4" => ColType::I32,
            "INT8" | "OID" => ColType::I64,
            "FLOAT4" => ColType::F32,
            "FLOAT8" => ColType::F64,
            "NUMERIC" => ColType::Decimal,
            "BOOL" => ColType::Bool,
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CITEXT" => ColType::Text,
            "TIME" => ColType::Time,
            "DATE" => ColType::Date,
            "TIMESTAMP" => ColType::Naive,
            "TIMESTAMPTZ" => ColType::Instant,
            _ if matches!(kind, PgTypeKind::Enum(_)) => ColType::Text,
            _ => ColType::Skip,
        }
    }

    fn mysql(name: &str) -> ColType {
        let unsigned = name.ends_with(" UNSIGNED");
        match name.trim_end_matches(" UNSIGNED") {
            "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" if unsigned => ColType::U64,
            "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => ColType::I64,
            "BOOLEAN" => ColType::Bool,
            "FLOAT" => ColType::F32,
            "DOUBLE" => ColType::F64,
            "DECIMAL" => ColType::Decimal,
            "CHAR" | "VARCHAR" | "TINYTEXT" | "TEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" | "SET" => ColType::Text,
            "TIME" => ColType::Time,
            "DATE" => ColType::Date,
            "DATETIME" => ColType::Naive,
            "TIMESTAMP" => ColType::Instant,
            _ => ColType::Skip,
        }
    }
}

/// A since-column filter for sync: rows whose `column` is at or after `from`.
#[derive(Debug, Clone)]
pub struct Since {
    pub column: String,
    pub from: Option<Timestamp>,
}

/// How much earlier than the high-water mark a naive column is queried:
/// more than any daylight-saving shift, so that no civil time that maps
/// past the mark is left out by the server's comparison; sync filters the
/// rows exactly in UTC.
const NAIVE_MARGIN_HOURS: i64 = 3;

fn quote(scheme: Scheme, name: &str) -> String {
    let q = if scheme == Scheme::Mysql { '`' } else { '"' };
    name.split('.').map(|p| format!("{q}{p}{q}")).collect::<Vec<_>>().join(".")
}

fn source_sql(request: &Request) -> Result<String> {
    let scheme = request.address.scheme;
    match &request.select {
        Some(Select::Table(t)) => {
            check_identifier(t, "table")?;
            Ok(format!("SELECT * FROM {}", quote(scheme, t)))
        }
        Some(Select::Query(q)) => Ok(q.trim().trim_end_matches(';').to_string()),
        None => Err(Error::new(Kind::Address, "a database source needs --table NAME or --query SQL")),
    }
}

fn sql_error(creds: &Credentials, e: sqlx::Error) -> Error {
    let kind = match &e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => Kind::Connect,
        _ => Kind::Query,
    };
    let text = match &e {
        sqlx::Error::Database(d) => d.message().to_string(),
        other => other.to_string(),
    };
    Error::new(kind, creds.scrub(text))
}

/// Reads `request`'s table or query (filtered by `since` for sync) and hands
/// each row to `visit`.
pub(crate) fn read(request: &Request, since: Option<&Since>, visit: &mut dyn Visit) -> Result<()> {
    let creds = Credentials::for_address(&request.address);
    let base = source_sql(request)?;
    crate::runtime()?.block_on(async {
        match request.address.scheme {
            Scheme::Postgres => {
                let mut conn = connect_pg(request, &creds).await?;
                stream_pg(&mut conn, request, &creds, &base, since, visit).await
            }
            Scheme::Mysql => {
                let mut conn = connect_mysql(request, &creds).await?;
                stream_mysql(&mut conn, request, &creds, &base, since, visit).await
            }
            Scheme::Kafka => unreachable!("kafka is read by crate::kafka"),
        }
    })
}

async fn with_timeout<T>(
    request: &Request,
    creds: &Credentials,
    f: impl std::future::Future<Output = std::result::Result<T, sqlx::Error>>,
) -> Result<T> {
    match tokio::time::timeout(request.connect_timeout, f).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => {
            let mut err = sql_error(creds, e);
            err.kind = Kind::Connect;
            err.message = format!("cannot connect: {}", err.message);
            Err(err)
        }
        Err(_) => Err(Error::new(
            Kind::Connect,
            format!("cannot connect: no answer within {} s", request.connect_timeout.as_secs_f64()),
        )),
    }
}

async fn connect_pg(request: &Request, creds: &Credentials) -> Result<PgConnection> {
    let a = &request.address;
    let mut opts = PgConnectOptions::new_without_pgpass()
        .host(&a.host)
        .port(a.port)
        .database(&a.path)
        .ssl_mode(if a.tls { PgSslMode::Require } else { PgSslMode::Prefer })
        .application_name("glassbox");
    if let Some(u) = &creds.user {
        opts = opts.username(u);
    }
    if let Some(p) = &creds.password {
        opts = opts.password(p);
    }
    let mut conn = with_timeout(request, creds, opts.connect()).await?;
    // Instants come back in UTC whatever the server's zone; naive columns are untouched by it.
    conn.execute("SET TIME ZONE 'UTC'").await.map_err(|e| sql_error(creds, e))?;
    Ok(conn)
}

async fn connect_mysql(request: &Request, creds: &Credentials) -> Result<MySqlConnection> {
    let a = &request.address;
    let mut opts = MySqlConnectOptions::new()
        .host(&a.host)
        .port(a.port)
        .database(&a.path)
        .ssl_mode(if a.tls { MySqlSslMode::Required } else { MySqlSslMode::Preferred })
        // TIMESTAMP columns are kept in UTC and shown in the session's zone: make that UTC.
        .timezone(Some("+00:00".to_string()));
    if let Some(u) = &creds.user {
        opts = opts.username(u);
    }
    if let Some(p) = &creds.password {
        opts = opts.password(p);
    }
    with_timeout(request, creds, opts.connect()).await
}

/// The query run: the source, filtered and ordered by the since column for sync.
fn query_sql(scheme: Scheme, base: &str, since: Option<&Since>) -> Result<String> {
    let Some(since) = since else { return Ok(base.to_string()) };
    check_identifier(&since.column, "--since-column")?;
    let col = quote(scheme, &since.column);
    let placeholder = if scheme == Scheme::Mysql { "?" } else { "$1" };
    let filter = if since.from.is_some() { format!(" WHERE {col} >= {placeholder}") } else { String::new() };
    Ok(format!("SELECT * FROM ({base}) AS glassbox_source{filter} ORDER BY {col}"))
}

/// The header and each column's type, from the server's description of the query.
fn columns_of<C: Column>(
    columns: &[C],
    classify: impl Fn(&<C::Database as sqlx::Database>::TypeInfo) -> ColType,
) -> (Vec<String>, Vec<ColType>, Vec<Skipped>) {
    let mut names = Vec::new();
    let mut types = Vec::new();
    let mut skipped = Vec::new();
    for c in columns {
        let t = classify(c.type_info());
        if t == ColType::Skip {
            skipped.push(Skipped { column: c.name().to_string(), type_name: c.type_info().name().to_lowercase() });
        } else {
            names.push(c.name().to_string());
        }
        types.push(t);
    }
    (names, types, skipped)
}

fn since_type(names: &[String], types: &[ColType], since: &Since) -> Result<ColType> {
    let kept: Vec<&ColType> = types.iter().filter(|t| **t != ColType::Skip).collect();
    let i = names.iter().position(|n| n == &since.column).ok_or_else(|| {
        Error::new(Kind::Query, format!("--since-column '{}' is not a column of the source", since.column))
    })?;
    match kept[i] {
        t @ (ColType::Instant | ColType::Naive | ColType::Date) => Ok(t.clone()),
        _ => Err(Error::new(
            Kind::Query,
            format!("--since-column '{}' must be a date or timestamp column", since.column),
        )),
    }
}

/// The bound value of the since filter, as the column's own type: an
/// instant as UTC, a naive column as civil time in the person's zone
/// (with the margin), a date as the zone's calendar date (a day earlier).
enum Bound {
    Instant(time::OffsetDateTime),
    Naive(time::PrimitiveDateTime),
    Date(time::Date),
}

fn bound(ty: &ColType, from: Timestamp, zone: &Zone) -> Result<Bound> {
    let bad = |e: String| Error::new(Kind::State, format!("the high-water mark cannot be bound: {e}"));
    match ty {
        ColType::Instant => time::OffsetDateTime::from_unix_timestamp_nanos(from.as_nanosecond())
            .map(Bound::Instant)
            .map_err(|e| bad(e.to_string())),
        ColType::Naive => {
            let earlier = from
                .checked_sub(jiff::SignedDuration::from_hours(NAIVE_MARGIN_HOURS))
                .map_err(|e| bad(e.to_string()))?;
            let civil = zone.tz.to_datetime(earlier);
            to_time(civil).map(Bound::Naive).map_err(bad)
        }
        _ => {
            let day = zone.tz.to_datetime(from).date().yesterday().map_err(|e| bad(e.to_string()))?;
            to_time(day.to_datetime(jiff::civil::Time::midnight())).map(|d| Bound::Date(d.date())).map_err(bad)
        }
    }
}

fn to_time(dt: jiff::civil::DateTime) -> std::result::Result<time::PrimitiveDateTime, String> {
    let month = time::Month::try_from(dt.month() as u8).map_err(|e| e.to_string())?;
    let date = time::Date::from_calendar_date(dt.year() as i32, month, dt.day() as u8).map_err(|e| e.to_string())?;
    let t =
        time::Time::from_hms_nano(dt.hour() as u8, dt.minute() as u8, dt.second() as u8, dt.subsec_nanosecond() as u32)
            .map_err(|e| e.to_string())?;
    Ok(time::PrimitiveDateTime::new(date, t))
}

/// A naive date-time from the database, as civil time in `zone`.
fn naive_instant(v: time::PrimitiveDateTime, zone: &Zone) -> std::result::Result<Timestamp, String> {
    let civil = jiff::civil::DateTime::new(
        v.year() as i16,
        u8::from(v.month()) as i8,
        v.day() as i8,
        v.hour() as i8,
        v.minute() as i8,
        v.second() as i8,
        v.nanosecond() as i32,
    )
    .map_err(|e| e.to_string())?;
    // A civil time that does not exist (skipped by a daylight-saving change)
    // or exists twice reads as jiff's "compatible" rule, as RFC 5545 does.
    zone.tz.to_ambiguous_timestamp(civil).compatible().map_err(|e| e.to_string())
}

fn offset_instant(v: time::OffsetDateTime) -> std::result::Result<Timestamp, String> {
    Timestamp::from_nanosecond(v.unix_timestamp_nanos()).map_err(|e| e.to_string())
}

fn date_cell(d: time::Date) -> std::result::Result<Cell, String> {
    let year = i16::try_from(d.year()).map_err(|_| format!("the year {} is out of range", d.year()))?;
    Ok(Cell::Date { year, month: u8::from(d.month()) as i8, day: d.day() as i8 })
}

fn time_cell(t: time::Time) -> Cell {
    let mut s = format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    if t.nanosecond() > 0 {
        s.push_str(format!(".{:09}", t.nanosecond()).trim_end_matches('0'));
    }
    Cell::Text(s)
}

/// One row's cells. The same code for both databases: sqlx's decoding is
/// per database, so a macro writes it twice rather than a trait with eleven
/// bounds.
macro_rules! decode_row {
    ($row:expr, $types:expr, $zone:expr, $i64_get:ident, $dec:expr, $u64:expr) => {{
        let row = $row;
        let mut cells = Vec::with_capacity($types.len());
        for (i, t) in $types.iter().enumerate() {
            let cell: std::result::Result<Cell, String> = (|| {
                Ok(match t {
                    ColType::Skip => return Ok(Cell::Null),
                    ColType::I16 => row
                        .try_get::<Option<i16>, _>(i)
                        .map_err(|e| e.to_string())?
                        .map_or(Cell::Null, |v| Cell::Int(v.into())),
                    ColType::I32 => row
                        .try_get::<Option<i32>, _>(i)
                        .map_err(|e| e.to_string())?
                        .map_or(Cell::Null, |v| Cell::Int(v.into())),
                    ColType::I64 => {
                        row.$i64_get::<Option<i64>, _>(i).map_err(|e| e.to_string())?.map_or(Cell::Null, Cell::Int)
                    }
                    ColType::U64 => ($u64)(row, i)?,
                    ColType::F32 => {
                        row.try_get::<Option<f32>, _>(i).map_err(|e| e.to_string())?.map_or(Cell::Null, |v| {
                            // The shortest text of the f32, read as f64: 0.1f32 stays 0.1, as the database shows it.
                            Cell::Float(v.to_string().parse().unwrap_or(f64::NAN))
                        })
                    }
                    ColType::F64 => {
                        row.try_get::<Option<f64>, _>(i).map_err(|e| e.to_string())?.map_or(Cell::Null, Cell::Float)
                    }
                    ColType::Decimal => ($dec)(row, i)?,
                    ColType::Bool => {
                        row.try_get::<Option<bool>, _>(i).map_err(|e| e.to_string())?.map_or(Cell::Null, Cell::Bool)
                    }
                    ColType::Text => row
                        .try_get_unchecked::<Option<String>, _>(i)
                        .map_err(|e| e.to_string())?
                        .map_or(Cell::Null, Cell::Text),
                    ColType::Time => row
                        .try_get::<Option<time::Time>, _>(i)
                        .map_err(|e| e.to_string())?
                        .map_or(Cell::Null, time_cell),
                    ColType::Date => match row.try_get::<Option<time::Date>, _>(i).map_err(|e| e.to_string())? {
                        Some(d) => date_cell(d)?,
                        None => Cell::Null,
                    },
                    ColType::Naive => {
                        match row.try_get::<Option<time::PrimitiveDateTime>, _>(i).map_err(|e| e.to_string())? {
                            Some(v) => Cell::At(naive_instant(v, $zone)?),
                            None => Cell::Null,
                        }
                    }
                    ColType::Instant => {
                        match row.try_get::<Option<time::OffsetDateTime>, _>(i).map_err(|e| e.to_string())? {
                            Some(v) => Cell::At(offset_instant(v)?),
                            None => Cell::Null,
                        }
                    }
                })
            })();
            match cell {
                Ok(c) if *t != ColType::Skip => cells.push(c),
                Ok(_) => {}
                Err(e) => return Err((i, e)),
            }
        }
        Ok(cells)
    }};
}

fn pg_decimal(row: &PgRow, i: usize) -> std::result::Result<Cell, String> {
    Ok(row
        .try_get::<Option<bigdecimal::BigDecimal>, _>(i)
        .map_err(|e| e.to_string())?
        .map_or(Cell::Null, |d| Cell::Decimal(d.to_plain_string())))
}

fn mysql_decimal(row: &MySqlRow, i: usize) -> std::result::Result<Cell, String> {
    // MySQL sends a DECIMAL as its exact text.
    Ok(row.try_get_unchecked::<Option<String>, _>(i).map_err(|e| e.to_string())?.map_or(Cell::Null, Cell::Decimal))
}

fn mysql_unsigned(row: &MySqlRow, i: usize) -> std::result::Result<Cell, String> {
    Ok(row.try_get_unchecked::<Option<u64>, _>(i).map_err(|e| e.to_string())?.map_or(Cell::Null, Cell::UInt))
}

fn decode_error(columns: &[String], i: usize, row: usize, e: String) -> Error {
    Error::new(Kind::Type, format!("row {}, column '{}': {e}", row + 1, columns[i]))
}

macro_rules! stream {
    ($conn:expr, $request:expr, $creds:expr, $base:expr, $since:expr, $visit:expr, $scheme:expr, $classify:expr, $i64_get:ident, $dec:expr, $u64:expr) => {{
        let sql = query_sql($scheme, $base, $since)?;
        // The person's query is theirs to run; names from flags were checked as identifiers,
        // and the mark is bound as a parameter, never written into the text.
        let stmt = (&mut *$conn).prepare(AssertSqlSafe(sql).into_sql_str()).await.map_err(|e| sql_error($creds, e))?;
        let (names, types, skipped) = columns_of(stmt.columns(), $classify);
        let all: Vec<String> = stmt.columns().iter().map(|c| c.name().to_string()).collect();
        let since_ty = match $since {
            Some(s) => Some(since_type(&names, &types, s)?),
            None => None,
        };
        $visit.header(names.clone(), skipped)?;
        let mut q = stmt.query();
        if let (Some(s), Some(ty)) = ($since, &since_ty) {
            if let Some(from) = s.from {
                q = match bound(ty, from, &$request.zone)? {
                    Bound::Instant(v) => q.bind(v),
                    Bound::Naive(v) => q.bind(v),
                    Bound::Date(v) => q.bind(v),
                };
            }
        }
        let mut rows = q.fetch(&mut *$conn);
        let mut n = 0usize;
        while let Some(row) = rows.try_next().await.map_err(|e| sql_error($creds, e))? {
            let cells = (|| decode_row!(&row, types, &$request.zone, $i64_get, $dec, $u64))()
                .map_err(|(i, e)| decode_error(&all, i, n, e))?;
            $visit.row(cells)?;
            n += 1;
        }
        Ok(())
    }};
}

async fn stream_pg(
    conn: &mut PgConnection,
    request: &Request,
    creds: &Credentials,
    base: &str,
    since: Option<&Since>,
    visit: &mut dyn Visit,
) -> Result<()> {
    stream!(
        conn,
        request,
        creds,
        base,
        since,
        visit,
        Scheme::Postgres,
        |t: &sqlx::postgres::PgTypeInfo| ColType::pg(t.name(), t.kind()),
        try_get,
        pg_decimal,
        |_: &PgRow, _: usize| -> std::result::Result<Cell, String> {
            Err("postgres has no unsigned integers".to_string())
        }
    )
}

async fn stream_mysql(
    conn: &mut MySqlConnection,
    request: &Request,
    creds: &Credentials,
    base: &str,
    since: Option<&Since>,
    visit: &mut dyn Visit,
) -> Result<()> {
    stream!(
        conn,
        request,
        creds,
        base,
        since,
        visit,
        Scheme::Mysql,
        |t: &sqlx::mysql::MySqlTypeInfo| ColType::mysql(t.name()),
        try_get_unchecked,
        mysql_decimal,
        mysql_unsigned
    )
}

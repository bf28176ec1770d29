//! `glassbox serve`: a saved model behind a REST endpoint.
//!
//! - `POST /predict`: one JSON object (a row) or an array of them, checked
//!   by [`glassbox_pipeline::rows`] and scored as `glassbox predict` scores
//!   (the same function, so the same numbers bit for bit).
//! - `GET /health`: the model's identity (SHA-256 of the file, format,
//!   target, classes, the training data's SHA-256).
//! - `GET /schema`: a JSON Schema of one row; `GET /openapi.json`.
//!
//! Bad requests get a 4xx answer whose JSON body names every field and
//! reason: 400 for malformed JSON, 413 for a body or batch over its limit,
//! 422 for missing fields and values of the wrong kind. A scored row may
//! carry warnings (an unseen category, a null filled as missing); they are
//! answered and logged, not refused.
//!
//! With a log file, every scored row is one JSON line (the monitoring
//! module's input). Writes go through one buffer, flushed at shutdown;
//! SIGTERM and Ctrl-C stop accepting, let the requests in flight finish,
//! then flush, so nothing answered is missing from the log.
//!
//! This crate is the only one with a network or async dependency (axum and
//! tokio); the scoring itself is plain synchronous Rust from the core.

#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use glassbox_pipeline::rows::{self, FieldError, Rejection, ScoredRow};
use glassbox_pipeline::ModelFile;

mod openapi;

/// The default limit of a request body: 1 MiB.
pub const MAX_BODY: usize = 1 << 20;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub max_body: usize,
    pub max_rows: usize,
    pub log: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config { host: "127.0.0.1".into(), port: 8000, max_body: MAX_BODY, max_rows: rows::MAX_ROWS, log: None }
    }
}

/// What every request reads: the model and the answers that never change.
struct App {
    model: ModelFile,
    model_sha256: String,
    max_rows: usize,
    health: Bytes,
    schema: Bytes,
    openapi: Bytes,
    log: Option<Mutex<BufWriter<File>>>,
}

/// A model file read and checked, with the SHA-256 of its bytes.
pub struct Loaded {
    pub model: ModelFile,
    pub sha256: String,
}

impl Loaded {
    /// Reads a model file's text, refusing anything that is not one (before
    /// any socket is opened).
    pub fn from_bytes(bytes: &[u8]) -> glassbox_pipeline::Result<Loaded> {
        Ok(Loaded { model: ModelFile::from_bytes(bytes)?, sha256: glassbox_pipeline::run::sha256_hex(bytes) })
    }
}

fn health(loaded: &Loaded) -> Value {
    let m = &loaded.model;
    json!({
        "status": "ok",
        "model_sha256": loaded.sha256,
        "format_version": m.format_version,
        "glassbox_version": glassbox_pipeline::VERSION,
        "model": m.spec.name(),
        "target": m.schema.target,
        "task": m.task,
        "classes": m.classes,
        "training_sha256": m.provenance.input_sha256,
        "intervals": m.intervals.is_some() || m.conformal.is_some(),
        "interval_level": m.conformal.as_ref().map(|c| c.level),
    })
}

/// The router, for a caller that brings its own listener.
fn router(app: Arc<App>, max_body: usize) -> Router {
    Router::new()
        .route("/predict", post(predict))
        .route("/health", get(|State(a): State<Arc<App>>| async move { json_bytes(StatusCode::OK, a.health.clone()) }))
        .route("/schema", get(|State(a): State<Arc<App>>| async move { json_bytes(StatusCode::OK, a.schema.clone()) }))
        .route(
            "/openapi.json",
            get(|State(a): State<Arc<App>>| async move { json_bytes(StatusCode::OK, a.openapi.clone()) }),
        )
        .fallback(|| async {
            errors(
                StatusCode::NOT_FOUND,
                vec![FieldError {
                    row: None,
                    field: None,
                    reason: "no such endpoint: POST /predict, GET /health, /schema or /openapi.json".into(),
                }],
            )
        })
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(app)
}

fn json_bytes(status: StatusCode, body: Bytes) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn errors(status: StatusCode, errors: Vec<FieldError>) -> Response {
    let body = serde_json::to_vec(&json!({ "errors": errors })).expect("errors always serialise");
    json_bytes(status, body.into())
}

async fn predict(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> Response {
    let bytes = match body {
        Ok(b) => b,
        Err(e) => {
            let status = e.status();
            let reason = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "the body is larger than the limit (--max-body)".to_string()
            } else {
                format!("the body could not be read: {}", e.body_text())
            };
            return errors(status, vec![FieldError { row: None, field: None, reason }]);
        }
    };
    // Scoring is plain synchronous code; a panic in it is a bug, answered
    // as a 500 rather than a dropped connection.
    let scored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let body = rows::parse_body(&bytes, app.max_rows)?;
        let scored = rows::score(&app.model, &body.rows, body.batch)?;
        Ok::<_, Rejection>((body, scored))
    }));
    match scored {
        Ok(Ok((body, scored))) => {
            if let Some(log) = &app.log {
                write_log(log, &app.model_sha256, &body.rows, &scored);
            }
            let out = if body.batch { serde_json::to_vec(&scored) } else { serde_json::to_vec(&scored[0]) };
            json_bytes(StatusCode::OK, out.expect("answers always serialise").into())
        }
        Ok(Err(rejection)) => {
            let status = match rejection {
                Rejection::Malformed(_) => StatusCode::BAD_REQUEST,
                Rejection::TooManyRows { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                Rejection::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            };
            errors(status, rejection.errors())
        }
        Err(_) => errors(
            StatusCode::INTERNAL_SERVER_ERROR,
            vec![FieldError { row: None, field: None, reason: "internal error while scoring".into() }],
        ),
    }
}

/// One JSON line per scored row: UTC time, the model's SHA-256, the input
/// as sent, and the answer.
fn write_log(log: &Mutex<BufWriter<File>>, sha: &str, inputs: &[serde_json::Map<String, Value>], scored: &[ScoredRow]) {
    let time = jiff::Timestamp::now().to_string();
    let mut text = Vec::new();
    for (input, s) in inputs.iter().zip(scored) {
        // The answer's fields beside the time, the model and the input.
        let mut line = json!({ "time": time, "model_sha256": sha, "input": input });
        if let (Value::Object(line), Ok(Value::Object(answer))) = (&mut line, serde_json::to_value(s)) {
            line.extend(answer);
        }
        serde_json::to_writer(&mut text, &line).expect("writing to memory cannot fail");
        text.push(b'\n');
    }
    // A poisoned lock means a writer panicked mid-line; the buffer is still usable.
    let mut w = log.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = w.write_all(&text) {
        eprintln!("warning: cannot write the prediction log: {e}");
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Serves `loaded` until Ctrl-C or SIGTERM, calling `ready` with the bound
/// address once it accepts connections (port 0 picks a free one). Blocks.
pub fn serve(loaded: Loaded, config: &Config, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let log = match &config.log {
        Some(path) => Some(Mutex::new(BufWriter::with_capacity(
            1 << 16,
            std::fs::OpenOptions::new().create(true).append(true).open(path)?,
        ))),
        None => None,
    };
    let app = Arc::new(App {
        health: serde_json::to_vec(&health(&loaded)).expect("health serialises").into(),
        schema: serde_json::to_vec(&rows::row_schema(&loaded.model)).expect("the schema serialises").into(),
        openapi: serde_json::to_vec(&openapi::document(&loaded.model, config)).expect("the document serialises").into(),
        model: loaded.model,
        model_sha256: loaded.sha256,
        max_rows: config.max_rows,
        log,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
        ready(listener.local_addr()?);
        axum::serve(listener, router(app.clone(), config.max_body)).with_graceful_shutdown(stop_signal()).await
    })?;
    if let Some(log) = &app.log {
        log.lock().unwrap_or_else(|e| e.into_inner()).flush()?;
    }
    Ok(())
}

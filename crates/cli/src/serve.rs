//! `glassbox serve`: a saved model behind a REST endpoint (`glassbox_server`).

use std::path::PathBuf;

use clap::Args;
use glassbox_server::{Config, Loaded};

use crate::{read, Failure};

/// Serve a saved model over HTTP until Ctrl-C or SIGTERM.
///
/// POST /predict takes one JSON object (a row keyed by column name, as in
/// the training file or normalised) or an array of them, and answers
/// {"prediction", "probability", "confidence_interval", "probabilities",
/// "warnings"} per row, with the numbers `glassbox predict` gives. The
/// probability and its interval are of the positive class for two classes,
/// of the predicted class otherwise; the interval comes from a Venn-Abers
/// predictor calibrated on the test rows (see `glassbox predict --help`),
/// and `probabilities` are the model's own. GET /health, /schema (a JSON
/// Schema of one row) and /openapi.json describe the model. Bad requests
/// get 400 (not JSON), 413 (too large) or 422 (fields missing or of the
/// wrong kind), with every field and reason in the JSON body.
#[derive(Args)]
pub struct Serve {
    /// A model.json written by `glassbox train` or the app.
    model: PathBuf,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on (0 picks a free one and prints it).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Append one JSON line per scored row to this file (UTC time, the
    /// model's SHA-256, the input, the answer); flushed at shutdown.
    #[arg(long)]
    log: Option<PathBuf>,
    /// The largest request body, in bytes.
    #[arg(long, default_value_t = glassbox_server::MAX_BODY)]
    max_body: usize,
    /// The most rows one request may hold.
    #[arg(long, default_value_t = glassbox_pipeline::rows::MAX_ROWS)]
    max_batch: usize,
}

pub fn run(args: Serve) -> Result<(), Failure> {
    let Serve { model, host, port, log, max_body, max_batch } = args;
    let loaded = Loaded::from_bytes(&read(&model)?).map_err(|e| Failure::from_pipeline(&model, e))?;
    let config = Config { host, port, max_body, max_rows: max_batch, log: log.clone() };
    let target = loaded.model.schema.target.clone();
    glassbox_server::serve(loaded, &config, |addr| {
        println!("serving the model for '{target}' on http://{addr} (POST /predict, GET /health); Ctrl-C stops");
        // Scripts wait for this line before they send requests.
        use std::io::Write;
        let _ = std::io::stdout().flush();
    })
    .map_err(|e| Failure::input(format!("cannot serve on {}:{}: {e}", config.host, config.port)))?;
    if let Some(path) = &log {
        println!("stopped; the prediction log is in {}", path.display());
    } else {
        println!("stopped");
    }
    Ok(())
}

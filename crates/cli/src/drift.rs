//! `glassbox drift`: does the current data still look like the training
//! data? Column by column, with the test named; `drift.json` and a
//! self-contained `drift.html`.

use std::path::{Path, PathBuf};

use crate::source::{Input, SourceArgs};

use clap::Args;
use glassbox_pipeline::monitor::{Choice, DriftReport, DriftSettings, Method};
use glassbox_pipeline::watch::DriftSession;
use glassbox_pipeline::ModelFile;

use crate::args::ByteArgs;
use crate::{read_model_and_bytes, write, Failure};

/// Compare a current CSV with the model's training data, column by column.
///
/// Each feature column gets the test Evidently's default rule picks (with at
/// most 1,000 reference values: KS for numeric columns with more than 5
/// distinct values, chi-square otherwise, drift at p < 0.05; above that the
/// Wasserstein distance over the reference standard deviation, or the
/// Jensen-Shannon distance, drift at 0.1 or more), or the one set with
/// --test. PSI (empty bin shares floored at 1e-4), Jensen-Shannon and KL are
/// reported for every column. The reference is the profile stored in the
/// model file, or the training data itself with --reference (exact KS and
/// Wasserstein on raw values). The current file is read in chunks, so its
/// size is bounded by the disk, not the memory.
#[derive(Args)]
pub struct Drift {
    /// A model.json written by `glassbox train`.
    model: PathBuf,
    /// The current data: a CSV with (some of) the model's columns, or a source (postgres://,
    /// mysql:// with --table or --query, kafka://).
    current: String,
    /// The training data (or any reference CSV) instead of the stored profile.
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Where to write drift.json and drift.html.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    settings: DriftArgs,
    #[command(flatten)]
    bytes: ByteArgs,
    #[command(flatten)]
    source: SourceArgs,
}

/// The drift options `drift` and `monitor` share.
#[derive(Args, Clone)]
pub struct DriftArgs {
    /// A column's test, COLUMN=METHOD or COLUMN=METHOD:THRESHOLD (repeatable);
    /// METHOD is ks, chi2, wasserstein, jensenshannon, psi or kl.
    #[arg(long = "test", value_name = "COLUMN=METHOD[:T]")]
    tests: Vec<String>,
    /// Every other column's test, METHOD or METHOD:THRESHOLD, instead of Evidently's rule.
    #[arg(long = "test-all", value_name = "METHOD[:T]")]
    test_all: Option<String>,
    /// The share of drifting feature columns at which the dataset drifts.
    #[arg(long = "drift-share", default_value_t = 0.5)]
    share: f64,
    /// Megabytes of the current file read at a time.
    #[arg(long = "chunk-mb", default_value_t = 16)]
    chunk_mb: usize,
}

fn choice(text: &str) -> Result<Choice, Failure> {
    let (method, threshold) = match text.split_once(':') {
        Some((m, t)) => {
            let t: f64 = t
                .parse()
                .map_err(|_| Failure::input(format!("drift test '{text}': the threshold '{t}' is not a number")))?;
            if !(t.is_finite() && t >= 0.0) {
                return Err(Failure::input(format!("drift test '{text}': the threshold must be 0 or more")));
            }
            (m, Some(t))
        }
        None => (text, None),
    };
    let method = Method::parse(method).map_err(|e| Failure::input(e.to_string()))?;
    Ok(Choice { method, threshold })
}

impl DriftArgs {
    pub fn settings(&self) -> Result<DriftSettings, Failure> {
        if !(0.0..=1.0).contains(&self.share) {
            return Err(Failure::input(format!("--drift-share must be between 0 and 1, got {}", self.share)));
        }
        let mut s = DriftSettings { share_threshold: self.share, ..DriftSettings::default() };
        for t in &self.tests {
            let (column, rest) = t
                .split_once('=')
                .ok_or_else(|| Failure::input(format!("--test needs COLUMN=METHOD[:THRESHOLD], got '{t}'")))?;
            s.columns.insert(column.to_string(), choice(rest)?);
        }
        s.all = self.test_all.as_deref().map(choice).transpose()?;
        Ok(s)
    }
}

/// What a drift run read and found.
pub struct DriftRun {
    pub report: DriftReport,
    pub data_sha256: String,
}

/// Reads `current` chunk by chunk against the model's reference (or `reference`).
pub fn run_drift(
    model: &ModelFile,
    current: &Input,
    reference: Option<&Path>,
    args: &DriftArgs,
    bytes: &ByteArgs,
) -> Result<DriftRun, Failure> {
    let settings = args.settings()?;
    let read_opts = bytes.options()?;
    // The reference may be a workbook, Parquet or JSON Lines as well: its
    // text is read with the options its format gives.
    let reference_text = match reference {
        Some(r) => Some(Input::new(&r.to_string_lossy(), &SourceArgs::default())?.bytes(&read_opts)?),
        None => None,
    };
    let path = current.path();
    let session = match &reference_text {
        Some((bytes, opts)) => DriftSession::new(model, Some(bytes), opts),
        None => DriftSession::new(model, None, &read_opts),
    };
    let mut session = session
        .map_err(|e| Failure::from_pipeline(reference.unwrap_or(&path), e))?
        .with_current_options(&current.options(&read_opts)?);
    let data_sha256 = current.each_chunk(args.chunk_mb.max(1) << 20, |chunk| {
        session.feed(chunk).map_err(|e| Failure::from_pipeline(&path, e))
    })?;
    let report = session.finish(&settings).map_err(|e| Failure::from_pipeline(&path, e))?;
    Ok(DriftRun { report, data_sha256 })
}

pub fn base_name(p: &Path) -> String {
    glassbox_pipeline::run::base_name(&p.to_string_lossy())
}

/// The model in words, for pages and alerts.
pub fn model_words(model: &ModelFile, path: &Path) -> String {
    format!("{} predicting '{}' ({})", model.spec.name().replace('_', " "), model.schema.target, base_name(path))
}

pub fn print_summary(r: &DriftReport) {
    println!("{}", glassbox_report::drift::dataset_text(r));
    for t in &r.top {
        println!("  {}: {}", t.column, t.suggestion);
    }
    if let Some(t) = &r.target {
        println!("target drift, {}: {}", t.column, glassbox_report::drift::drift_cells(t)[4]);
    }
    for p in &r.prediction {
        println!("prediction drift, {}: {}", p.column, glassbox_report::drift::drift_cells(p)[4]);
    }
    for n in &r.notes {
        eprintln!("note: {n}");
    }
}

pub fn run(args: Drift) -> Result<(), Failure> {
    let Drift { model: model_path, current, reference, out, settings, bytes, source } = args;
    let (model, model_bytes) = read_model_and_bytes(&model_path)?;
    let current = Input::new(&current, &source)?;
    let run = run_drift(&model, &current, reference.as_deref(), &settings, &bytes)?;
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::input(format!("{}: cannot create the directory: {e}", out.display())))?;
    let json = serde_json::to_string_pretty(&run.report).expect("a drift report serialises") + "\n";
    write(&out.join("drift.json"), json)?;
    let about = glassbox_report::drift::About {
        title: "Glassbox drift report".into(),
        model: model_words(&model, &model_path),
        model_sha256: glassbox_pipeline::run::sha256_hex(&model_bytes),
        data: current.base_name(),
        data_sha256: run.data_sha256.clone(),
        lines: vec![
            ("reference".into(), reference.as_deref().map_or("the model's stored profile".into(), base_name)),
            ("basis".into(), run.report.basis.clone()),
            ("drift share threshold".into(), run.report.dataset.threshold.to_string()),
        ],
    };
    write(&out.join("drift.html"), glassbox_report::drift::monitor_html(&about, Some(&run.report), None, None, None))?;
    print_summary(&run.report);
    println!("wrote {} and {}", out.join("drift.json").display(), out.join("drift.html").display());
    Ok(())
}

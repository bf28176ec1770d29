//! `glassbox retrain`: the recipe a model was made with, trained again on
//! new labelled rows, compared with the model on the rows neither trained
//! on (`glassbox_pipeline::retrain`), and promoted only when it is better
//! by more than those rows' noise. Exit 0: promoted; 4: the current model
//! is kept; 2: bad input (a model without a recipe, data the model cannot
//! read: the schema check's words).

use std::path::{Path, PathBuf};

use clap::Args;
use glassbox_pipeline::recipe::Recipe;
use glassbox_pipeline::retrain::Comparison;
use glassbox_pipeline::MissingColumns;

use crate::args::Given;
use crate::source::{Input, SourceArgs};
use crate::{read_model_and_bytes, write, Failure};

/// Retrain a model's recipe on new labelled data and promote the new model only when it beats
/// the current one on held-out new rows by more than their noise (exit 0 promoted, 4 kept).
#[derive(Args)]
pub struct Retrain {
    /// The current model.json (it carries the recipe it was made with).
    model: PathBuf,
    /// The new labelled data: a file, or a source as `train` takes (postgres://, mysql://, kafka://).
    data: String,
    /// Output folder: comparison.json and comparison.html, the new model's files in new/, and
    /// model.json and recipe.json only when the new model is promoted.
    #[arg(long)]
    out: PathBuf,
    /// Threads for training (default: all cores). The results do not depend on it.
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    #[command(flatten)]
    source: SourceArgs,
}

pub fn run(args: Retrain, _given: Vec<Given>) -> Result<(), Failure> {
    let Retrain { model, data, out, workers, source } = args;
    let input = Input::new(&data, &source)?;
    let comparison = retrain(&model, &input, &out, crate::args::threads(workers)?)?;
    if comparison.promoted {
        Ok(())
    } else {
        Err(Failure::kept())
    }
}

/// Trains the recipe of the model at `model_path` on `input`, compares,
/// writes the comparison and the new model's files to `out`, and the new
/// model as `out/model.json` when it is promoted.
pub fn retrain(model_path: &Path, input: &Input, out: &Path, threads: usize) -> Result<Comparison, Failure> {
    let (current, _) = read_model_and_bytes(model_path)?;
    let embedded = current.recipe.as_ref().ok_or_else(|| {
        Failure::input(format!(
            "{}: the model has no recipe (it was made before Glassbox kept one): train it again with `glassbox train ... --out DIR`, whose model.json keeps it",
            model_path.display()
        ))
    })?;
    let recipe = Recipe::from_value(embedded)
        .map_err(|e| Failure::input(format!("{}: recipe: {}", model_path.display(), e.message())))?;
    let data_path = input.path();
    // The current model reads the new rows as `glassbox predict` does, and a
    // column it reads that is missing is refused in the schema check's words.
    let (bytes, options) = input.bytes(&recipe.run.data.read)?;
    let control = glassbox_pipeline::Control { threads, ..Default::default() };
    let scored = glassbox_pipeline::run::predict_on(&current, &bytes, &options, MissingColumns::Refuse, &control)
        .map_err(|e| Failure::from_pipeline(&data_path, e))?;
    drop(bytes);
    let table = input.table(&recipe.run.data.read)?;
    if table.n_records != scored.rows.len() {
        // Only a source can change between two reads.
        return Err(Failure::input(format!(
            "{}: the rows changed while they were read ({} records, then {}); run retrain again",
            data_path.display(),
            scored.rows.len(),
            table.n_records
        )));
    }
    if table.input_sha256 == current.provenance.input_sha256 {
        return Err(Failure::input(format!(
            "{}: this is the data the current model was trained on (the same SHA-256): retraining needs new labelled rows",
            data_path.display()
        )));
    }
    eprintln!("note: training the recipe of {} on {}", model_path.display(), input.name());
    let new_dir = out.join("new");
    let challenger =
        crate::train::fit_and_write(input, &table, &recipe.run, threads, &new_dir, recipe.overrides.clone())?;
    let comparison = glassbox_pipeline::retrain::compare(&current, &scored, &challenger)
        .map_err(|e| Failure::from_pipeline(&data_path, e))?;
    write(&out.join("comparison.json"), comparison.to_json())?;
    write(
        &out.join("comparison.html"),
        glassbox_report::comparison::render(&comparison, &base_name(model_path), &input.name()),
    )?;
    print_comparison(&comparison, out);
    for f in ["model.json", "recipe.json"] {
        if comparison.promoted {
            std::fs::copy(new_dir.join(f), out.join(f))
                .map_err(|e| Failure::input(format!("{}: cannot write the file: {e}", out.join(f).display())))?;
        } else {
            // What an earlier promotion left there is not this run's answer.
            let _ = std::fs::remove_file(out.join(f));
        }
    }
    if comparison.promoted {
        println!("wrote {}: the new model", out.join("model.json").display());
    }
    Ok(comparison)
}

fn base_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn print_comparison(c: &Comparison, out: &Path) {
    println!("compared on {} held-out rows of the new data ({} resamples, seed {}):", c.rows, c.resamples, c.seed);
    for m in &c.metrics {
        let interval = m.interval.as_ref().map_or("no interval".to_string(), |i| {
            format!("{:.0}% interval {:+.4} to {:+.4}", i.level * 100.0, i.low, i.high)
        });
        println!(
            "  {}: current {:.4}, new {:.4}, difference {:+.4} ({interval}){}",
            glassbox_pipeline::retrain::words(&m.metric),
            m.current,
            m.challenger,
            m.difference,
            if m.beyond_noise { ", beyond noise" } else { "" }
        );
    }
    println!("{}", c.verdict);
    println!("wrote {}, {}", out.join("comparison.json").display(), out.join("comparison.html").display());
}

//! `glassbox explain`: why each row of a CSV gets its score from a saved model.

use std::path::PathBuf;

use clap::Args;
use glassbox_pipeline::explain::Sampling;

use crate::args::ByteArgs;
use crate::source::{Input, SourceArgs};
use crate::{read_model, write, Failure};

/// Explain a saved model's scores: per row a base value and one SHAP value per input column.
#[derive(Args)]
pub struct Explain {
    /// A model.json written by `glassbox train`.
    model: PathBuf,
    /// The CSV file, or a source: postgres://HOST[:PORT]/DB or mysql://HOST[:PORT]/DB (with --table or
    /// --query), or kafka://HOST[:PORT]/TOPIC; credentials come from the environment or ./.env.
    data: String,
    /// Where to write the explanations CSV.
    #[arg(long)]
    out: PathBuf,
    /// The class to explain (default: the positive class for two classes, each row's predicted class for more;
    /// a regressor has none: its prediction is explained in the target's units, or the log1p of them
    /// for a model fitted on log1p).
    #[arg(long, value_name = "LABEL")]
    class: Option<String>,
    /// Column orders the sampler averages for models that are not linear (a linear model is exact).
    #[arg(long, default_value_t = glassbox_pipeline::shap::PERMUTATIONS)]
    permutations: usize,
    /// Seed of the sampled orders.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[command(flatten)]
    bytes: ByteArgs,
    #[command(flatten)]
    source: SourceArgs,
}

pub fn run(args: Explain) -> Result<(), Failure> {
    let Explain { model, data, out, class, permutations, seed, bytes: byte_args, source } = args;
    if permutations == 0 {
        return Err(Failure::input("--permutations must be at least 1, got 0".to_string()));
    }
    let fitted = read_model(&model)?;
    let input = Input::new(&data, &source)?;
    let data = input.path();
    let (bytes, options) = input.bytes(&byte_args.options()?)?;
    let sampling = Sampling { permutations, seed };
    let explained = glassbox_pipeline::explain::explain(&fitted, &bytes, &options, class.as_deref(), sampling)
        .map_err(|e| Failure::from_pipeline(&data, e))?;
    write(&out, explained.to_csv())?;
    let done = explained.rows.iter().filter(|r| r.is_ok()).count();
    println!(
        "wrote {done} explanations in {} to {}{}",
        explained.space.as_str().replace('_', "-"),
        out.display(),
        match glassbox_pipeline::explain::Method::of(&fitted).0 {
            glassbox_pipeline::explain::Method::PermutationSampling =>
                format!(" ({permutations} sampled column orders each)"),
            _ => " (exact)".to_string(),
        }
    );
    Ok(())
}

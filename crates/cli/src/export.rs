//! `glassbox export`: a saved model as ONNX, for engines with an ONNX runtime.

use std::path::PathBuf;

use clap::Args;

use crate::{read_model, write, Failure};

/// Export a saved model, its whole fitted pipeline included, as one ONNX graph.
///
/// One graph input per raw column the model reads, named by its normalised
/// name, of shape [N, 1]: double for numbers (NaN for missing; double, so
/// a value on a tree's split point stays on its side), string for
/// categories and booleans (the empty string for missing). Outputs `label`
/// ([N] string, with the saved threshold) and `probabilities` ([N, classes]
/// float, in the model's class order). Operator sets ai.onnx 17 and
/// ai.onnx.ml 3. Logistic regression, decision trees, random forests, extra
/// trees and gradient boosting export; k-NN, naive Bayes, the baselines,
/// calibrated models and date columns are refused with a message.
#[derive(Args)]
pub struct Export {
    /// A model.json written by `glassbox train` or the app.
    model: PathBuf,
    /// Where to write the ONNX model.
    #[arg(long)]
    onnx: PathBuf,
}

pub fn run(args: Export) -> Result<(), Failure> {
    let Export { model, onnx } = args;
    let fitted = read_model(&model)?;
    let bytes = glassbox_onnx::export(&fitted).map_err(|e| Failure::from_pipeline(&model, e))?;
    write(&onnx, &bytes)?;
    println!(
        "wrote {} ({} bytes, ai.onnx {}, ai.onnx.ml {})",
        onnx.display(),
        bytes.len(),
        glassbox_onnx::OPSET,
        glassbox_onnx::ML_OPSET
    );
    Ok(())
}

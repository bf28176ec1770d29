//! Scoring at scale on Spark: `scripts/spark_score.py` runs an exported
//! model in PySpark (`local[2]`, PyPI's pyspark on Debian's JRE, both
//! installed by `make test`) with onnxruntime inside `mapInPandas`; its
//! output equals `glassbox predict`'s to 1e-5, row by row, in order, for a
//! classifier's probabilities (from a CSV and from Parquet) and a
//! regressor's prediction and interval.

use std::path::Path;
use std::process::Command;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn glassbox(args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_glassbox")).args(args).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// A CSV's header and rows, as text.
type Rows = (Vec<String>, Vec<Vec<String>>);

fn csv_rows(text: &str) -> Rows {
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(str::to_string).collect();
    (header, lines.map(|l| l.split(',').map(str::to_string).collect()).collect())
}

/// Trains, exports, predicts and scores on Spark: (Spark's rows, predict's).
fn spark_and_predict(dir: &Path, data: &str, args: &[&str]) -> (Rows, Rows) {
    let data = root().join(data).to_string_lossy().into_owned();
    let out = dir.join("m");
    let mut train = vec!["train", &data, "--out", out.to_str().unwrap()];
    train.extend_from_slice(args);
    glassbox(&train);
    let model = out.join("model.json");
    let onnx = dir.join("model.onnx");
    glassbox(&["export", model.to_str().unwrap(), "--onnx", onnx.to_str().unwrap()]);
    let preds = dir.join("p.csv");
    glassbox(&["predict", model.to_str().unwrap(), &data, "--out", preds.to_str().unwrap()]);

    let spark_out = dir.join("spark");
    let o = Command::new("python3")
        .arg(root().join("scripts/spark_score.py"))
        .args([onnx.to_str().unwrap(), &data, spark_out.to_str().unwrap(), "--master", "local[2]"])
        .output()
        .expect("python3 runs");
    assert!(
        o.status.success(),
        "PySpark and a JRE (make test installs them): {}",
        String::from_utf8_lossy(&o.stderr).lines().filter(|l| !l.contains("WARN")).collect::<Vec<_>>().join("\n")
    );
    println!("{}", String::from_utf8_lossy(&o.stdout).trim());
    let part = std::fs::read_dir(&spark_out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "csv"))
        .expect("Spark wrote a CSV part");
    (csv_rows(&std::fs::read_to_string(part).unwrap()), csv_rows(&std::fs::read_to_string(&preds).unwrap()))
}

#[test]
fn spark_scores_a_csv_as_glassbox_predict_does() {
    // Penguins: text columns, gaps written as NA, three classes; boosting's softmax.
    check_classifier("public/samples/penguins.csv");
}

#[test]
fn spark_scores_parquet_as_glassbox_predict_does() {
    // The same penguins as Parquet (pyarrow, four row groups, dictionary columns).
    check_classifier("crates/cli/tests/fixtures/formats/penguins.parquet");
}

fn check_classifier(data: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let ((sh, spark), (gh, ours)) =
        spark_and_predict(tmp.path(), data, &["--target", "species", "--model", "gradient_boosting"]);
    assert_eq!(spark.len(), ours.len(), "one row per input row");
    let mut worst = 0.0f64;
    for (i, (s, g)) in spark.iter().zip(&ours).enumerate() {
        assert_eq!(s[0], g[0], "row {i}: the prediction");
        for (k, name) in sh.iter().enumerate().skip(1) {
            let j = gh.iter().position(|h| h == name).unwrap();
            let (a, b): (f64, f64) = (s[k].parse().unwrap(), g[j].parse().unwrap());
            worst = worst.max((a - b).abs());
        }
    }
    println!("largest |Spark − glassbox predict| = {worst:.2e} over {} rows", ours.len());
    assert!(worst <= 1e-5, "probabilities differ by {worst}");
}

#[test]
fn spark_scores_a_regressor_with_its_interval_as_glassbox_predict_does() {
    let tmp = tempfile::tempdir().unwrap();
    // Boosting on log1p of the strength: the inverse transform runs in the graph.
    let ((sh, spark), (gh, ours)) = spark_and_predict(
        tmp.path(),
        "public/samples/concrete.csv",
        &["--target", "compressive_strength", "--model", "gradient_boosting", "--target-transform", "log1p"],
    );
    assert_eq!(sh, ["prediction", "pi_low", "pi_high"]);
    assert_eq!(&gh[..3], &sh[..]);
    assert_eq!(spark.len(), ours.len(), "one row per input row");
    let mut worst = 0.0f64;
    for (s, g) in spark.iter().zip(&ours) {
        for k in 0..3 {
            let (a, b): (f64, f64) = (s[k].parse().unwrap(), g[k].parse().unwrap());
            worst = worst.max((a - b).abs() / b.abs().max(1.0));
        }
    }
    println!("largest relative |Spark − glassbox predict| = {worst:.2e} over {} rows", ours.len());
    assert!(worst <= 1e-5, "predictions differ by {worst}");
}

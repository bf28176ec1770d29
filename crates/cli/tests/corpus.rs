//! The bad-input corpus: every malformed or hostile CSV and model file in
//! `tests/corpus/`, run through the CLI as a person would, with the outcome
//! `tests/corpus/cases.tsv` expects. `scripts/make_corpus.py` writes the
//! files; the ones too big to commit are made here from `@` recipes.
//!
//! Beyond the expected exit code and message, every case must hold to what
//! bad input may never do: no panic (the CLI reports one as "internal
//! error"), no hang (a run that has not ended after a generous limit is
//! killed and counted as a failure; that limit guards against a hang and
//! measures no speed), and no allocation past the memory budget, enforced
//! by the address-space limit the child runs under, so that a file that asks
//! for more fails the case instead of the machine. All cases run, and every
//! failure is reported together.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The memory budget of one run, as address space (KiB for `ulimit -v`).
const MEMORY_BUDGET_KIB: u64 = 4 * 1024 * 1024;

/// How long a run may take before it counts as hung.
const HANG_LIMIT: Duration = Duration::from_secs(300);

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn golden_model(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name).join("model.json");
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Writes the input a recipe names into `dir` and returns its path.
fn make(recipe: &str, dir: &Path) -> PathBuf {
    let path = dir.join(recipe.trim_start_matches('@'));
    if path.exists() {
        return path;
    }
    let bytes: Vec<u8> = match recipe {
        // One quoted field of 10 MB, with a delimiter and line ends inside.
        "@field-10mb" => {
            let field = "x,\n".repeat(10 * 1024 * 1024 / 3);
            format!("a,note,y\n1,\"{field}\",x\n2,short,z\n").into_bytes()
        }
        // A header of one million columns and one row.
        "@columns-1m" => {
            let n = 1_000_000;
            let header: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
            format!("{}\n{}\n", header.join(","), vec!["1"; n].join(",")).into_bytes()
        }
        // A forest of a million trees with no nodes.
        "@trees-1m-empty" => {
            let mut m = golden_model("iris_random_forest");
            m["model"]["trees"] = serde_json::Value::Array(vec![serde_json::json!({ "nodes": [] }); 1_000_000]);
            serde_json::to_vec(&m).unwrap()
        }
        other => panic!("cases.tsv names an unknown recipe {other}"),
    };
    fs::write(&path, bytes).unwrap();
    path
}

struct Case {
    line: usize,
    file: String,
    command: String,
    exit: i32,
    expected: String,
}

fn cases() -> Vec<Case> {
    let text = fs::read_to_string(corpus_dir().join("cases.tsv")).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "cases.tsv line {}: four tab-separated fields", i + 1);
            Case {
                line: i + 1,
                file: f[0].into(),
                command: f[1].into(),
                exit: f[2].parse().unwrap(),
                expected: f[3].into(),
            }
        })
        .collect()
}

/// Runs the CLI under the memory budget, its output in files (a million
/// columns print tens of megabytes, more than a pipe holds unread).
fn run(args: &[String], dir: &Path) -> Result<(i32, String, String), String> {
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_BUDGET_KIB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_glassbox"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .map_err(|e| format!("could not start: {e}"))?;
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not end within {} s: a hang", HANG_LIMIT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap()).into_owned();
    // A signal (an allocation past the budget aborts) leaves no exit code.
    let code = status.code().ok_or_else(|| format!("ended by a signal ({status}): {}", read(&err_path)))?;
    Ok((code, read(&out_path), read(&err_path)))
}

fn check(case: &Case, dir: &Path) -> Result<(), String> {
    let input = if case.file.starts_with('@') { make(&case.file, dir) } else { corpus_dir().join(&case.file) };
    let input = input.display().to_string();
    let out = dir.join("out").display().to_string();
    let args: Vec<String> = match case.command.split_once(':') {
        None if case.command == "inspect" => vec!["inspect".into(), input],
        None if case.command == "predict" => {
            let data = format!("{}/../../public/samples/iris.csv", env!("CARGO_MANIFEST_DIR"));
            vec!["predict".into(), input, data, "--out".into(), format!("{out}.csv")]
        }
        Some(("train", target)) => {
            vec!["train".into(), input, "--target".into(), target.into(), "--out".into(), out]
        }
        _ => return Err(format!("unknown command {}", case.command)),
    };
    let (code, stdout, stderr) = run(&args, dir)?;
    let both = format!("{stdout}{stderr}");
    if both.contains("internal error") || both.contains("panicked") {
        return Err(format!("a panic: {stderr}"));
    }
    if code != case.exit {
        return Err(format!("exit {code}, expected {}: {}", case.exit, stderr.trim()));
    }
    if !both.contains(&case.expected) {
        let shown: String = both.chars().take(600).collect();
        return Err(format!("expected {:?} in the output: {shown}", case.expected));
    }
    if code == 2 && (stderr.lines().count() != 1 || !stderr.starts_with("error: ")) {
        return Err(format!("a refusal is one line starting 'error: ', got {stderr:?}"));
    }
    Ok(())
}

#[test]
fn every_corpus_case_has_its_expected_outcome_and_none_panics_hangs_or_overspends() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    assert!(cases.len() >= 60, "the corpus holds {} cases; the issue asks for at least 60", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check(c, dir.path()).err().map(|e| format!("line {} ({} {}): {e}", c.line, c.file, c.command)))
        .collect();
    assert!(failures.is_empty(), "{} of {} corpus cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Every committed corpus file is named by a case, so none sits untested.
#[test]
fn every_corpus_file_has_a_case() {
    let named: std::collections::BTreeSet<String> = cases().into_iter().map(|c| c.file).collect();
    let mut missing = Vec::new();
    for kind in ["csv", "model"] {
        for entry in fs::read_dir(corpus_dir().join(kind)).unwrap() {
            let name = format!("{kind}/{}", entry.unwrap().file_name().to_string_lossy());
            if !named.contains(&name) {
                missing.push(name);
            }
        }
    }
    assert!(missing.is_empty(), "corpus files with no case in cases.tsv: {missing:?}");
}

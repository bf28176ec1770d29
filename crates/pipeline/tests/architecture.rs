//! The rules of ARCHITECTURE.md that a test can hold, checked over the
//! source tree: which crate may depend on which, where model kinds are
//! named, and what the pure crates never call.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The module crates, innermost first, each with the Glassbox crates it may depend on.
const LAYERS: [(&str, &[&str]); 7] = [
    ("core", &[]),
    ("ingest", &["core"]),
    ("features", &["core"]),
    ("train", &["core"]),
    ("evaluate", &["core"]),
    ("serve", &["core", "ingest", "features", "train", "evaluate"]),
    ("pipeline", &["core", "ingest", "features", "train", "evaluate", "serve"]),
];

/// Crates that would bring the browser, a UI, charts, a network or async
/// into the pure crates.
const EDGE_ONLY: [&str; 12] = [
    "leptos",
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "wasm-bindgen-futures",
    "gloo-worker",
    "serde-wasm-bindgen",
    "plotters",
    "tokio",
    "axum",
    "reqwest",
    "sqlx",
];

/// The dependency names of a manifest's `[dependencies]` tables (plain and
/// target-specific), not its dev-dependencies: tests may use any crate.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_deps = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]" || (line.starts_with("[target.") && line.ends_with(".dependencies]"));
            continue;
        }
        if in_deps && !line.is_empty() && !line.starts_with('#') {
            if let Some(name) = line.split(['=', '.', ' ']).next() {
                out.push(name.trim().to_string());
            }
        }
    }
    out
}

#[test]
fn dependencies_point_inward_and_the_four_middle_crates_never_meet() {
    let mut wrong = Vec::new();
    for (krate, allowed) in LAYERS {
        let manifest = std::fs::read_to_string(root().join("crates").join(krate).join("Cargo.toml")).unwrap();
        for dep in dependencies(&manifest) {
            if let Some(inner) = dep.strip_prefix("glassbox-") {
                if !allowed.contains(&inner) {
                    wrong.push(format!("glassbox-{krate} depends on {dep}"));
                }
            } else if EDGE_ONLY.contains(&dep.as_str()) {
                wrong.push(format!("glassbox-{krate} depends on {dep}, which belongs at the edge"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    let mut out = Vec::new();
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Lines of code (not comments) in `files` that contain any of `needles`.
fn lines_with(files: &[PathBuf], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if !line.trim_start().starts_with("//") && needles.iter().any(|b| line.contains(b)) {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

fn pure_sources() -> Vec<PathBuf> {
    LAYERS.iter().flat_map(|(k, _)| rust_files(&root().join("crates").join(k).join("src"))).collect()
}

/// Regression guard: the search used the platform's `ln` and `powf`, which
/// may round differently in wasm than natively, so the browser could search
/// other parameters than the CLI. Everything that reaches a model or a
/// metric uses the `libm` crate.
#[test]
fn the_pure_crates_call_no_platform_transcendental_function() {
    let banned = [
        ".ln()",
        ".exp()",
        ".powf(",
        ".sin()",
        ".cos()",
        ".tan()",
        ".log10()",
        ".log2()",
        ".ln_1p()",
        ".exp_m1()",
        ".tanh()",
        ".atan2(",
    ];
    let found = lines_with(&pure_sources(), &banned);
    assert!(found.is_empty(), "use the libm crate instead:\n{}", found.join("\n"));
}

/// Timings and threads come from the caller's `Control`, so the browser
/// (which has neither) runs the same code.
#[test]
fn the_pure_crates_read_no_clock_and_start_threads_only_in_control() {
    let files: Vec<PathBuf> = pure_sources().into_iter().filter(|p| !p.ends_with("core/src/control.rs")).collect();
    let found = lines_with(&files, &["Instant", "SystemTime", "thread::"]);
    assert!(found.is_empty(), "clocks and threads belong to Control:\n{}", found.join("\n"));
}

/// A new model lands in the training crate alone: no other file names a
/// model kind, so none needs to change when one is added.
#[test]
fn model_kinds_are_named_only_in_the_training_crate() {
    let mut files = rust_files(&root().join("src"));
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.ends_with("train") {
            files.extend(rust_files(&dir));
        }
    }
    let mut found = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for marker in ["ModelSpec::", "FittedModel::"] {
                let named = line
                    .match_indices(marker)
                    .any(|(at, _)| line[at + marker.len()..].chars().next().is_some_and(|c| c.is_ascii_uppercase()));
                if named && !line.trim_start().starts_with("//") {
                    found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "model kinds belong to crates/train/src/registry.rs:\n{}", found.join("\n"));
}

//! The rules of ARCHITECTURE.md that a test can hold, checked over the
//! source tree: which crate may depend on which, where model kinds are
//! named, and what the pure crates never call.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The module crates, innermost first, each with the Glassbox crates it may depend on.
const LAYERS: [(&str, &[&str]); 9] = [
    ("core", &[]),
    ("ingest", &["core"]),
    // Other formats reach the table as the canonical CSV the ingest reader takes.
    ("formats", &["core", "ingest"]),
    ("features", &["core"]),
    ("train", &["core"]),
    ("evaluate", &["core"]),
    // Monitoring reads a table and scores probabilities; it never sees a model or a feature step.
    ("monitor", &["core", "evaluate"]),
    ("serve", &["core", "ingest", "features", "train", "evaluate", "monitor"]),
    ("pipeline", &["core", "ingest", "features", "train", "evaluate", "monitor", "serve"]),
];

/// Crates that would bring the browser, a UI, charts, a network or async
/// into the pure crates.
const EDGE_ONLY: [&str; 16] = [
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
    "ureq",
    "sqlx",
    "rskafka",
    "dotenvy",
    "glassbox-sources",
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

/// The network crates live in two edge crates, which only the CLI uses, so
/// neither the app nor its workers ever link a socket: the server (axum,
/// tokio) and the sources (sqlx, rskafka, tokio).
#[test]
fn only_the_server_and_sources_crates_bring_network_crates_and_only_the_cli_uses_them() {
    let mut wrong = Vec::new();
    let mut manifests = vec![("the app".to_string(), root().join("Cargo.toml"))];
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        manifests.push((format!("glassbox-{name}"), dir.join("Cargo.toml")));
    }
    for (krate, path) in manifests {
        let Ok(manifest) = std::fs::read_to_string(&path) else { continue };
        for dep in dependencies(&manifest) {
            let allowed: &[&str] = match dep.as_str() {
                "axum" => &["glassbox-server"],
                "tokio" => &["glassbox-server", "glassbox-sources"],
                "sqlx" | "rskafka" | "dotenvy" => &["glassbox-sources"],
                "glassbox-server" | "glassbox-sources" => &["glassbox-cli"],
                _ => continue,
            };
            if !allowed.contains(&krate.as_str()) {
                wrong.push(format!("{krate} depends on {dep}; only {} may", allowed.join(" and ")));
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

/// Every crate root forbids `unsafe`: the worker once promised `Sync` by
/// hand for its progress listener; `Control` now asks for `Sync` only where
/// there are threads (`MaybeSync`), so no crate needs such a promise.
#[test]
fn no_crate_may_use_unsafe() {
    let mut roots: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .flat_map(|src| [src.join("lib.rs"), src.join("main.rs")])
        .filter(|p| p.exists())
        .collect();
    roots.extend([root().join("src/main.rs"), root().join("src/bin/worker.rs")]);
    assert!(roots.len() >= 13, "crate roots found: {roots:?}");
    let missing: Vec<_> =
        roots.iter().filter(|p| !std::fs::read_to_string(p).unwrap().contains("#![forbid(unsafe_code)]")).collect();
    assert!(missing.is_empty(), "crate roots without #![forbid(unsafe_code)]: {missing:?}");
}

/// The app's modules in layers, each with the layers it may name: the
/// progress arithmetic names nothing, the state only it, the transport never the controller, pages or shell, the
/// controller never a page. Before the split, four files imported each
/// other through one `AppState`.
const APP_LAYERS: [(&str, &[&str]); 7] = [
    ("progress", &[]),
    ("state", &["progress"]),
    ("browser", &[]),
    ("transport", &["progress", "state", "browser", "transport"]),
    ("controller", &["progress", "state", "browser", "transport"]),
    ("pages", &["progress", "state", "browser", "transport", "pages"]),
    ("app", &["progress", "state", "browser", "transport", "controller", "pages"]),
];

/// The app's modules a source file names with `crate::`, as `layer` or
/// `layer::file` (braces in a `use` expanded one level).
fn app_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        let word = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
        let layer = word(rest);
        let after = &rest[layer.len()..];
        match after.strip_prefix("::") {
            Some(tail) if tail.starts_with('{') => {
                let inner = &tail[1..tail.find('}').unwrap_or(tail.len())];
                out.extend(inner.split(',').map(|s| format!("{layer}::{}", word(s.trim()))));
            }
            Some(tail) if tail.starts_with(|c: char| c.is_lowercase()) => out.push(format!("{layer}::{}", word(tail))),
            _ => out.push(layer),
        }
    }
    out
}

#[test]
fn the_app_modules_point_one_way_with_no_cycle() {
    let src = root().join("src");
    let mut edges: Vec<(String, String)> = Vec::new();
    for path in rust_files(&src).into_iter().filter(|p| !p.starts_with(src.join("bin"))) {
        let rel = path.strip_prefix(&src).unwrap().with_extension("");
        let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let module = match parts.as_slice() {
            [file] if file == "main" => continue,
            [file] => file.clone(),
            [dir, file] if file == "mod" => dir.clone(),
            [dir, file] => format!("{dir}::{file}"),
            _ => panic!("an app module nested deeper than expected: {rel:?}"),
        };
        let layer = module.split("::").next().unwrap().to_string();
        let allowed = APP_LAYERS
            .iter()
            .find(|(l, _)| *l == layer)
            .unwrap_or_else(|| panic!("{module} is in no layer of APP_LAYERS"))
            .1;
        let code: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for target in app_references(&code) {
            let target_layer = target.split("::").next().unwrap();
            assert!(allowed.contains(&target_layer), "{module} names {target}, outside what {layer} may name");
            if target != module {
                edges.push((module.clone(), target));
            }
        }
    }
    assert!(edges.iter().any(|(a, b)| a == "pages::train" && b == "pages::schema"), "the scan found the pages");
    // No cycle among files: repeatedly remove modules that name no remaining module.
    let mut left: Vec<(String, String)> = edges.clone();
    loop {
        let sinks: Vec<String> =
            left.iter().map(|(_, b)| b.clone()).filter(|b| !left.iter().any(|(a, _)| a == b)).collect();
        if sinks.is_empty() {
            break;
        }
        left.retain(|(_, b)| !sinks.contains(b));
    }
    assert!(left.is_empty(), "app modules that name each other in a cycle: {left:?}");
}

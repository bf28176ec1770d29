//! Column-name normalisation: lower-case, runs of non-alphanumerics to one
//! `_`, no leading or trailing `_`, `column_N` for an empty name, and `_2`,
//! `_3`, ... for a name already taken.

use crate::table::Rename;

/// Normalises one header name: lower-case, every run of characters that are
/// neither letters nor digits becomes one `_`, leading and trailing `_` are
/// dropped, and an empty result becomes `column_N` (`position` is 1-based).
pub fn normalise_name(raw: &str, position: usize) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_sep = false;
    for ch in raw.chars() {
        if ch.is_alphanumeric() {
            if pending_sep && !out.is_empty() {
                out.push('_');
            }
            pending_sep = false;
            out.extend(ch.to_lowercase());
        } else {
            pending_sep = true;
        }
    }
    if out.is_empty() {
        format!("column_{position}")
    } else {
        out
    }
}

/// Normalises a whole header: names already taken get `_2`, `_3`, and so on.
pub fn normalise_header(raw: &[String]) -> (Vec<String>, Vec<Rename>) {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    let mut renamed = Vec::new();
    for (i, original) in raw.iter().enumerate() {
        let base = normalise_name(original, i + 1);
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        if name != base {
            renamed.push(Rename { original_name: original.clone(), name: name.clone(), position: i + 1 });
        }
        names.push(name);
    }
    (names, renamed)
}

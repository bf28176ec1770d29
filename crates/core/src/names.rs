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
///
/// The taken names live in a hash set and each base name remembers the next
/// suffix to try, because a header of a million columns (or a million copies
/// of one name) must cost linear time, not a scan of every earlier name.
pub fn normalise_header(raw: &[String]) -> (Vec<String>, Vec<Rename>) {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::with_capacity(raw.len());
    let mut next_suffix: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut renamed = Vec::new();
    for (i, original) in raw.iter().enumerate() {
        let base = normalise_name(original, i + 1);
        let mut name = base.clone();
        if taken.contains(&name) {
            // Suffixes tried before for this base stay taken, so the search
            // can start where the last one for this base ended.
            let n = next_suffix.entry(base.clone()).or_insert(2);
            loop {
                name = format!("{base}_{n}");
                *n += 1;
                if !taken.contains(&name) {
                    break;
                }
            }
        }
        if name != base {
            renamed.push(Rename { original_name: original.clone(), name: name.clone(), position: i + 1 });
        }
        taken.insert(name.clone());
        names.push(name);
    }
    (names, renamed)
}

#[cfg(test)]
mod tests {
    use super::normalise_header;

    fn check(raw: &[&str], expected: &[&str]) {
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        assert_eq!(normalise_header(&raw).0, expected, "for {raw:?}");
    }

    #[test]
    fn taken_names_get_the_first_free_suffix() {
        check(&["a", "a", "a_2", "a"], &["a", "a_2", "a_2_2", "a_3"]);
        check(&["a_2", "a", "a"], &["a_2", "a", "a_3"]);
        check(&["", "", "column_1"], &["column_1", "column_2", "column_1_2"]);
    }

    /// A header of 1M columns once took minutes: every name was compared with
    /// every earlier one. Many copies of one name must stay linear too.
    #[test]
    fn a_header_of_many_copies_of_one_name_is_read_in_linear_time() {
        let raw = vec!["x".to_string(); 100_000];
        let names = normalise_header(&raw).0;
        assert_eq!(names[99_999], "x_100000");
    }
}

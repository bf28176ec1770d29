//! Text from a person's data, made safe to show: the characters that a
//! terminal or a reader would not see as themselves are written as
//! `\u{...}` escapes.

use std::borrow::Cow;

/// Whether `c` would act rather than show: a control character (an escape
/// sequence can recolour or rewrite a terminal), a byte-order mark, or a
/// bidirectional override or isolate (which can reorder the text around it,
/// the "Trojan Source" trick).
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{feff}' | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every [`is_invisible`] character as a `\u{...}` escape; with
/// `keep_lines`, line feeds and tabs stay as they are (for multi-line text).
pub fn escape_invisible(s: &str, keep_lines: bool) -> Cow<'_, str> {
    let escape = |c: char| is_invisible(c) && !(keep_lines && (c == '\n' || c == '\t'));
    if !s.chars().any(escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escape(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape_invisible;

    fn check(input: &str, keep_lines: bool, expected: &str) {
        assert_eq!(escape_invisible(input, keep_lines), expected, "for {input:?}");
    }

    #[test]
    fn escapes_what_would_act_and_keeps_the_rest() {
        check("plain é 👨‍👩‍👧", false, "plain é 👨‍👩‍👧");
        check("z\u{1b}[31m", false, "z\\u{001b}[31m");
        check("\u{202e}evil\u{202c}", false, "\\u{202e}evil\\u{202c}");
        check("\u{feff}3", false, "\\u{feff}3");
        check("a\nb\tc", false, "a\\u{000a}b\\u{0009}c");
        check("a\nb\tc\u{7}", true, "a\nb\tc\\u{0007}");
    }
}

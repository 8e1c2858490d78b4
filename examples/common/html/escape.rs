//! Escaping untrusted text for HTML text and attribute values.
//!
//! Every string that comes from a request (ids, titles, customers, feature
//! names, key terms, jobs) goes through [`text`] or [`cut`] before it
//! reaches the page. The five characters that can end a text run or an
//! attribute value (`& < > " '`) become character references, so neither a
//! tag nor an attribute can be opened from request text, whatever context
//! (text or a quoted attribute) it lands in. Controls that HTML forbids or
//! that reorder the text around them (bidi overrides such as U+202E) are
//! shown as a visible `[U+202E]` instead of acting.

use crate::common::output::is_hidden_control;

/// Appends `s` to `out`, escaped for HTML text and quoted attribute values.
pub fn push(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let rep: Option<&str> = match c {
            '&' => Some("&amp;"),
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '"' => Some("&quot;"),
            '\'' => Some("&#39;"),
            _ => None,
        };
        let visible = rep.is_none() && is_hidden_control(c);
        if rep.is_none() && !visible {
            continue;
        }
        out.push_str(&s[start..i]);
        match rep {
            Some(r) => out.push_str(r),
            None => {
                use std::fmt::Write as _;
                let _ = write!(out, "[U+{:04X}]", c as u32);
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
}

/// `s` escaped (see [`push`]).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push(&mut out, s);
    out
}

/// `s` cut to at most `max` characters (with `…` when cut), then escaped:
/// for titles and names in tables, so that a 100 kB title costs at most
/// `max` characters of page.
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => text(s),
        Some((end, _)) => {
            let mut out = text(&s[..end]);
            out.push('…');
            out
        }
    }
}

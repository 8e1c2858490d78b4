//! Reading policy text (JSON or TOML) with every error at once.
//!
//! serde stops at a policy's first error, and the TOML parser locates an
//! error inside a `[[rules]]` table at the table's first line. When a
//! policy does not parse, its text is read again as plain data and each
//! rule (and the rest of the policy) is read on its own, so the message
//! lists every rule at fault, each by its place and id.
//!
//! The Python package reads policies with this same file
//! (`python/src/lib.rs` includes it), so both say the same.

use feedback_triage::{Policy, Rule};

/// Parses policy text, JSON or TOML (by `path`'s extension; `.toml` is
/// TOML, `.json` JSON, anything else JSON first, then TOML). The error
/// lists every problem found, one per line (see [`parse_policy_all`]).
pub fn parse_policy(path: &str, text: &str) -> Result<Policy, String> {
    parse_policy_all(path, text).map_err(|e| e.join("\n"))
}

/// [`parse_policy`] with each error apart, each naming `path`.
pub fn parse_policy_all(path: &str, text: &str) -> Result<Policy, Vec<String>> {
    let format = if path.ends_with(".toml") {
        Format::Toml
    } else if path.ends_with(".json") {
        Format::Json
    } else {
        Format::Either
    };
    parse_text(text, format)
        .map_err(|errors| errors.into_iter().map(|e| format!("{path}: {e}")).collect())
}

/// How policy text is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// TOML.
    Toml,
    /// JSON, or else TOML.
    Either,
}

/// Parses policy text in `format`; on failure, every problem found.
pub fn parse_text(text: &str, format: Format) -> Result<Policy, Vec<String>> {
    // A byte order mark, as some Windows editors write (the TOML parser
    // skips one itself; serde_json does not).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if format == Format::Toml {
        return toml::from_str(text).map_err(|e| toml_errors(text, e));
    }
    match serde_json::from_str(text) {
        Ok(p) => Ok(p),
        Err(json) if format == Format::Json => Err(json_errors(text, json)),
        Err(json) => toml::from_str(text)
            .map_err(|toml| vec![format!("not JSON ({json}) nor TOML ({toml})")]),
    }
}

/// Every error of a JSON policy that does not parse: `first` alone when the
/// text is not JSON at all.
fn json_errors(text: &str, first: serde_json::Error) -> Vec<String> {
    let Ok(serde_json::Value::Object(mut top)) = serde_json::from_str::<serde_json::Value>(text)
    else {
        return vec![first.to_string()];
    };
    let rules = match top.get_mut("rules") {
        Some(serde_json::Value::Array(rules)) => std::mem::take(rules),
        _ => Vec::new(),
    };
    let mut errors = Vec::new();
    if let Err(e) = serde_json::from_value::<Policy>(serde_json::Value::Object(top)) {
        errors.push(e.to_string());
    }
    for (i, rule) in rules.into_iter().enumerate() {
        let id = rule.get("id").and_then(|v| v.as_str()).map(str::to_owned);
        if let Err(e) = serde_json::from_value::<Rule>(rule) {
            errors.push(rule_error(i, id.as_deref(), &e.to_string()));
        }
    }
    listed(errors, first.to_string())
}

/// Every error of a TOML policy that does not parse (see [`json_errors`]).
fn toml_errors(text: &str, first: toml::de::Error) -> Vec<String> {
    let Ok(mut top) = text.parse::<toml::Table>() else {
        return vec![first.to_string()];
    };
    let rules = match top.get_mut("rules") {
        Some(toml::Value::Array(rules)) => std::mem::take(rules),
        _ => Vec::new(),
    };
    let mut errors = Vec::new();
    if let Err(e) = toml::Value::Table(top).try_into::<Policy>() {
        errors.push(e.to_string().trim_end().to_owned());
    }
    for (i, rule) in rules.into_iter().enumerate() {
        let id = rule.get("id").and_then(|v| v.as_str()).map(str::to_owned);
        if let Err(e) = rule.try_into::<Rule>() {
            errors.push(rule_error(i, id.as_deref(), e.to_string().trim_end()));
        }
    }
    listed(errors, first.to_string())
}

/// A rule's error, as the crate's own reader words it: `rules[1]: rule
/// "b": ...` (the place from 0, then the id when the message lacks it).
fn rule_error(i: usize, id: Option<&str>, e: &str) -> String {
    match id {
        Some(id) if !e.starts_with("rule ") => format!("rules[{i}]: rule {id:?}: {e}"),
        _ => format!("rules[{i}]: {e}"),
    }
}

/// The errors; `first` alone when reading the parts found none.
fn listed(errors: Vec<String>, first: String) -> Vec<String> {
    if errors.is_empty() {
        vec![first]
    } else {
        errors
    }
}

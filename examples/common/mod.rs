//! Helpers shared by the examples: reading JSON Lines with line numbers,
//! reading policies from JSON or TOML, and simple argument parsing.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};

use feedback_triage::{FeedbackItem, Policy};

/// One input line that could not be read as an item.
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// Items read from JSON Lines: `(1-based line, item, raw JSON)`, and the bad lines.
pub type ReadItems = (Vec<(usize, FeedbackItem, serde_json::Value)>, Vec<BadLine>);

/// Reads JSON Lines from a file path, or stdin when the path is `-` or absent.
/// Returns the items (with their 1-based line numbers and the raw JSON value)
/// and the bad lines; blank lines are skipped.
pub fn read_items(path: Option<&str>) -> std::io::Result<ReadItems> {
    let reader: Box<dyn Read> = match path {
        None | Some("-") => Box::new(std::io::stdin()),
        Some(p) => Box::new(std::fs::File::open(p)?),
    };
    let mut items = Vec::new();
    let mut bad = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in BufReader::new(reader).split(b'\n').enumerate() {
        let line_no = i + 1;
        let bytes = line?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                bad.push(BadLine {
                    line: line_no,
                    message: format!("invalid UTF-8: {e}"),
                });
                continue;
            }
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                bad.push(BadLine {
                    line: line_no,
                    message: format!("invalid JSON: {e}"),
                });
                continue;
            }
        };
        match serde_json::from_value::<FeedbackItem>(value.clone()) {
            Ok(item) => {
                if !seen.insert(item.id.clone()) {
                    bad.push(BadLine {
                        line: line_no,
                        message: format!("item {:?} appears more than once in the input (field `id` must be unique)", item.id),
                    });
                    continue;
                }
                items.push((line_no, item, value));
            }
            Err(e) => bad.push(BadLine {
                line: line_no,
                message: e.to_string(),
            }),
        }
    }
    Ok((items, bad))
}

/// Prints bad lines to stderr, `line N: message`.
pub fn report_bad(path: Option<&str>, bad: &[BadLine]) {
    let name = path.unwrap_or("<stdin>");
    for b in bad {
        eprintln!("{name}:{}: {}", b.line, b.message);
    }
}

/// Reads a policy from a JSON or TOML file (by extension; `.toml` is TOML,
/// anything else is tried as JSON first, then TOML).
pub fn read_policy(path: &str) -> Result<Policy, String> {
    let text = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let text = String::from_utf8(text).map_err(|e| format!("{path}: not UTF-8 text: {e}"))?;
    parse_policy(path, &text)
}

/// Parses policy text, JSON or TOML.
pub fn parse_policy(path: &str, text: &str) -> Result<Policy, String> {
    if path.ends_with(".toml") {
        return toml::from_str(text).map_err(|e| format!("{path}: {e}"));
    }
    match serde_json::from_str(text) {
        Ok(p) => Ok(p),
        Err(json) if path.ends_with(".json") => Err(format!("{path}: {json}")),
        Err(json) => toml::from_str(text)
            .map_err(|toml| format!("{path}: not JSON ({json}) nor TOML ({toml})")),
    }
}

/// Minimal flag parsing: `--name value`, `--flag`, and positionals.
pub struct Args {
    pub positional: Vec<String>,
    pub flags: Vec<(String, Option<String>)>,
}

impl Args {
    /// `value_flags` lists the flags that take a value.
    pub fn parse(value_flags: &[&str]) -> Result<Args, String> {
        let mut positional = Vec::new();
        let mut flags = Vec::new();
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (name.to_string(), None),
                };
                if value_flags.contains(&name.as_str()) {
                    let v = match inline {
                        Some(v) => v,
                        None => it.next().ok_or_else(|| format!("--{name} needs a value"))?,
                    };
                    flags.push((name, Some(v)));
                } else {
                    flags.push((name, inline));
                }
            } else {
                positional.push(a);
            }
        }
        Ok(Args { positional, flags })
    }

    pub fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Fails on a flag not in `known`.
    pub fn check(&self, known: &[&str]) -> Result<(), String> {
        for (n, _) in &self.flags {
            if !known.contains(&n.as_str()) {
                return Err(format!(
                    "unknown option --{n} (known: {})",
                    known
                        .iter()
                        .map(|k| format!("--{k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// Cuts a string to `n` characters for tables, with an ellipsis.
pub fn cut(s: &str, n: usize) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().count() <= n {
        s
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// True when stderr is a terminal (progress is only printed then).
pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

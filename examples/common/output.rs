//! Output for the command-line examples: the formats, and the classify
//! JSON lines written by hand into a reused buffer.
//!
//! The JSON keys are in alphabetical order at every level (`band`, `class`,
//! `confidence`, ...; inside evidence `class`, `contribution`, `field`,
//! `kind`, ...), as the examples have always written them, so that their
//! output stays byte-identical (`tests/cli.rs` compares it with
//! serde_json's rendering of the library's result).

use std::ops::Range;

pub use super::json::NameCache;
use super::json::string;

use feedback_triage::{
    Band, Class, Classification, Evidence, EvidenceKind, Outcome, TextField, WhyNot,
};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per line.
    Jsonl,
    /// A header row, then one row per result.
    Csv,
    /// An aligned table for reading in a terminal.
    Table,
    /// A Markdown table to paste into a document.
    Markdown,
    /// One self-contained HTML page (`triage` only; the others refuse it).
    Html,
}

/// Refuses `--output html` in a tool that has no HTML output (exit 2).
pub fn refuse_html(tool: &str, format: OutputFormat) -> Result<(), super::cli::Fatal> {
    if format == OutputFormat::Html {
        return Err(super::cli::Fatal(format!(
            "--output html: only triage writes an HTML report; {tool} writes jsonl, csv, table or markdown"
        )));
    }
    Ok(())
}

/// Writes one classify result as a JSON line (with its `\n`) to `out`, by
/// hand: the same bytes as serde_json gives for the library's
/// [`Classification`] with `id` added and every object's keys sorted (the
/// examples' format since the first version), without building a value
/// tree or allocating. Floats are written by zmij and integers by itoa, as
/// serde_json writes them; non-finite floats as `null`. `why` (with
/// `classify --why-not`) goes last, as `why_not`, through serde_json.
pub fn write_classify_line(
    out: &mut Vec<u8>,
    names: &mut NameCache,
    id: &str,
    c: &Classification,
    why: Option<&WhyNot>,
) -> serde_json::Result<()> {
    match c.band {
        Band::Low => out.extend_from_slice(b"{\"band\":\"low\",\"class\":"),
        Band::Medium => out.extend_from_slice(b"{\"band\":\"medium\",\"class\":"),
        Band::High => out.extend_from_slice(b"{\"band\":\"high\",\"class\":"),
        // A band added to the library later.
        _ => {
            out.extend_from_slice(b"{\"band\":");
            name(out, c.band.as_str());
            out.extend_from_slice(b",\"class\":");
        }
    }
    match c.class {
        Some(class) => class_name(out, class),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"confidence\":");
    float(out, c.confidence);
    out.extend_from_slice(b",\"evidence\":[");
    for (i, e) in c.evidence.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        evidence(out, names, e)?;
    }
    out.extend_from_slice(b"],\"id\":");
    string(out, id);
    match c.outcome {
        Outcome::Matched => out.extend_from_slice(b",\"outcome\":\"matched\""),
        Outcome::Decided => out.extend_from_slice(b",\"outcome\":\"decided\""),
        Outcome::Ambiguous => out.extend_from_slice(b",\"outcome\":\"ambiguous\""),
        Outcome::NoMatch => out.extend_from_slice(b",\"outcome\":\"no_match\""),
        // An outcome added to the library later.
        _ => {
            out.extend_from_slice(b",\"outcome\":");
            name(out, c.outcome.as_str());
        }
    }
    // The scores' keys are the class names in alphabetical order. Written
    // as constants, as every name below: a copy of a known length is a few
    // moves, one of a length known only at run time a call to memcpy.
    let scores = &c.scores;
    out.extend_from_slice(b",\"scores\":{\"fault_correction\":");
    float(out, scores[Class::FaultCorrection]);
    out.extend_from_slice(b",\"market_driven\":");
    float(out, scores[Class::MarketDriven]);
    out.extend_from_slice(b",\"necessity\":");
    float(out, scores[Class::Necessity]);
    out.extend_from_slice(b",\"opportunistic\":");
    float(out, scores[Class::Opportunistic]);
    out.extend_from_slice(b",\"responsiveness\":");
    float(out, scores[Class::Responsiveness]);
    out.extend_from_slice(b"},\"secondary\":[");
    for (i, class) in c.secondary.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        class_name(out, *class);
    }
    out.push(b']');
    if let Some(why) = why {
        out.extend_from_slice(b",\"why_not\":");
        serde_json::to_writer(&mut *out, why)?;
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// Writes `classify --class-only`'s JSON line (with its `\n`) to `out`:
/// `{"class":…,"id":…}`, the two fields as the full line writes them.
pub fn write_class_line(out: &mut Vec<u8>, id: &str, class: Option<Class>) {
    out.extend_from_slice(b"{\"class\":");
    match class {
        Some(class) => class_name(out, class),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"id\":");
    string(out, id);
    out.extend_from_slice(b"}\n");
}

/// A class's name, quoted (its name needs no escape).
fn class_name(out: &mut Vec<u8>, class: Class) {
    out.push(b'"');
    out.extend_from_slice(class.as_str().as_bytes());
    out.push(b'"');
}

/// One piece of evidence, its keys in alphabetical order (`class`,
/// `contribution`, `count`, `cue`, `description`, `field`, `kind`,
/// `phrase`, `rule`, `span`).
fn evidence(out: &mut Vec<u8>, names: &mut NameCache, e: &Evidence) -> serde_json::Result<()> {
    // For a kind with a phrase: its `,"kind":…,"phrase":` bytes.
    let (kind, phrase, field, span, cue) = match &e.kind {
        EvidenceKind::Keyword {
            phrase,
            field,
            span,
        } => (
            &b",\"kind\":\"keyword\",\"phrase\":"[..],
            phrase,
            *field,
            span,
            None,
        ),
        EvidenceKind::Negated {
            phrase,
            field,
            span,
            cue,
        } => (
            &b",\"kind\":\"negated\",\"phrase\":"[..],
            phrase,
            *field,
            span,
            Some(cue),
        ),
        EvidenceKind::Excluded {
            phrase,
            field,
            span,
        } => (
            &b",\"kind\":\"excluded\",\"phrase\":"[..],
            phrase,
            *field,
            span,
            None,
        ),
        EvidenceKind::OtherKeywords { count } => {
            head(out, e);
            out.extend_from_slice(b",\"count\":");
            integer(out, *count);
            out.extend_from_slice(b",\"kind\":\"other_keywords\"");
            return tail(out, names, e);
        }
        EvidenceKind::Condition { description } => {
            head(out, e);
            out.extend_from_slice(b",\"description\":");
            names.write(out, description);
            out.extend_from_slice(b",\"kind\":\"condition\"");
            return tail(out, names, e);
        }
        // A kind added to the library later: its keys sorted the slow way
        // (a `serde_json::Value`'s map is sorted by key).
        _ => return serde_json::to_writer(out, &serde_json::to_value(e)?),
    };
    head(out, e);
    if let Some(cue) = cue {
        out.extend_from_slice(b",\"cue\":");
        range(out, cue);
    }
    match field {
        TextField::Title => out.extend_from_slice(b",\"field\":\"title\""),
        TextField::Body => out.extend_from_slice(b",\"field\":\"body\""),
    }
    out.extend_from_slice(kind);
    names.write(out, phrase);
    out.extend_from_slice(b",\"rule\":");
    names.write(out, &e.rule);
    out.extend_from_slice(b",\"span\":");
    range(out, span);
    out.push(b'}');
    Ok(())
}

/// `{"class":…,"contribution":…` of a piece of evidence.
fn head(out: &mut Vec<u8>, e: &Evidence) {
    // One constant per class for the three pieces, in `Class::ALL` order,
    // padded to one size so that it is copied without a call to memcpy
    // (`tests/cli.rs` holds every line to serde_json's rendering).
    static HEADS: [([u8; 48], usize); Class::ALL.len()] = [
        pad(b"{\"class\":\"necessity\",\"contribution\":"),
        pad(b"{\"class\":\"opportunistic\",\"contribution\":"),
        pad(b"{\"class\":\"fault_correction\",\"contribution\":"),
        pad(b"{\"class\":\"market_driven\",\"contribution\":"),
        pad(b"{\"class\":\"responsiveness\",\"contribution\":"),
    ];
    let (bytes, len) = &HEADS[e.class.index()];
    super::json::append_short(out, bytes, *len);
    float(out, e.contribution);
}

/// `s` padded with zeros to 48 bytes, and its length.
const fn pad<const N: usize>(s: &[u8; N]) -> ([u8; 48], usize) {
    let mut padded = [0u8; 48];
    let mut i = 0;
    while i < N {
        padded[i] = s[i];
        i += 1;
    }
    (padded, N)
}

/// `,"rule":…}` of a piece of evidence without a phrase.
fn tail(out: &mut Vec<u8>, names: &mut NameCache, e: &Evidence) -> serde_json::Result<()> {
    out.extend_from_slice(b",\"rule\":");
    names.write(out, &e.rule);
    out.push(b'}');
    Ok(())
}

/// A byte range as `{"end":…,"start":…}`.
fn range(out: &mut Vec<u8>, r: &Range<usize>) {
    out.extend_from_slice(b"{\"end\":");
    integer(out, r.end);
    out.extend_from_slice(b",\"start\":");
    integer(out, r.start);
    out.push(b'}');
}

/// A name that needs no escaping (a class, a field), quoted.
fn name(out: &mut Vec<u8>, s: &str) {
    debug_assert!(!s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\'));
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// A float as serde_json writes it: zmij's shortest form (as serde_json,
/// short decimals by a shortcut: [`super::json`]), `null` when not finite.
fn float(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        super::json::write_finite(out, v);
    } else {
        out.extend_from_slice(b"null");
    }
}

/// An integer as serde_json writes it (itoa), up to eight digits without
/// a call to memcpy ([`super::json::write_integer`]).
fn integer(out: &mut Vec<u8>, v: usize) {
    super::json::write_integer(out, v as u64);
}

/// Controls that would act rather than show: those HTML forbids, escape
/// sequences (ESC) and the marks that reorder the text around them (bidi
/// overrides such as U+202E). Tab, line feed and carriage return are not
/// among them (each output replaces those with a space).
pub fn is_hidden_control(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{200E}' | '\u{200F}' | '\u{061C}'
        | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Appends `c` as plain text shows it: tab and line breaks as a space, a
/// hidden control as a visible `[U+202E]`; `false` when `c` is none of
/// those (the caller writes it).
fn push_plain(out: &mut String, c: char) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        out.push(' ');
    } else if is_hidden_control(c) {
        use std::fmt::Write as _;
        let _ = write!(out, "[U+{:04X}]", c as u32);
    } else {
        return false;
    }
    true
}

/// Request text for a terminal table: on one line, and no escape
/// sequence or bidi mark acts on the terminal (see [`push_plain`]).
pub fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !push_plain(&mut out, c) {
            out.push(c);
        }
    }
    out
}

/// Request text for Markdown (a table cell or a list item): on one line,
/// the ASCII punctuation that Markdown or HTML give a meaning to escaped
/// with a backslash (so `|` cannot end a cell, `<script>` is text and
/// `**x**` is not bold), and hidden controls shown (see [`push_plain`]).
/// An `_` between two letters or digits (`u_1`) starts no emphasis and is
/// left as it is. In a bare link (`https://`, `http://`, `www.`), which
/// renderers such as GitHub's link from the raw text, only `|`, `<` and
/// `>` are escaped, so the link keeps its address.
pub fn markdown_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut link = false;
    let mut prev = ' ';
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if prev.is_whitespace() {
            let rest = &s[i..];
            link = ["https://", "http://", "www."]
                .iter()
                .any(|p| rest.starts_with(p));
        }
        let next = chars.peek().map_or(' ', |&(_, n)| n);
        if link && matches!(c, '<' | '>') {
            out.push_str(if c == '<' { "&lt;" } else { "&gt;" });
        } else if c == '_' && prev.is_alphanumeric() && next.is_alphanumeric() {
            out.push(c);
        } else if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' | '!'
        ) && (!link || c == '|')
        {
            out.push('\\');
            out.push(c);
        } else if !push_plain(&mut out, c) {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// The noun for `n` things: `one` for 1, `many` otherwise.
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `n` and its noun: "1 request", "2 requests", "0 requests".
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", noun(n, one, many))
}

/// After a tool's output, on stderr, how many input lines it could not
/// read ("classify: 1 line could not be read"); nothing when all were read.
pub fn bad_lines_summary(tool: &str, bad: usize) {
    if bad > 0 {
        eprintln!(
            "{tool}: {} could not be read",
            counted(bad, "line", "lines")
        );
    }
}

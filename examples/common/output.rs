//! Output for the command-line examples: the formats, and the classify
//! rows as derived `Serialize` types written straight to a buffered writer.
//!
//! The JSON keys are in alphabetical order at every level (`band`, `class`,
//! `confidence`, ...; inside evidence `class`, `contribution`, `field`,
//! `kind`, ...), as the examples have always written them, so that their
//! output stays byte-identical.

use std::ops::Range;

use feedback_triage::{Band, Class, ClassScores, Classification, Evidence, EvidenceKind, Outcome};
use serde::Serialize;

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

/// One classify result as a JSON line.
#[derive(Serialize)]
pub struct ClassifyLine<'a> {
    band: Band,
    class: Option<Class>,
    confidence: f64,
    evidence: Vec<SortedEvidence<'a>>,
    id: &'a str,
    outcome: Outcome,
    scores: SortedScores<'a>,
    secondary: &'a [Class],
    #[serde(skip_serializing_if = "Option::is_none")]
    why_not: Option<&'a feedback_triage::WhyNot>,
}

impl<'a> ClassifyLine<'a> {
    /// The line for item `id`'s classification.
    pub fn new(id: &'a str, c: &'a Classification) -> Self {
        ClassifyLine {
            band: c.band,
            class: c.class,
            confidence: c.confidence,
            evidence: c.evidence.iter().map(SortedEvidence).collect(),
            id,
            outcome: c.outcome,
            scores: SortedScores(&c.scores),
            secondary: &c.secondary,
            why_not: None,
        }
    }

    /// With the answer to "why not CLASS?" (`classify --why-not`).
    pub fn with_why_not(mut self, why: Option<&'a feedback_triage::WhyNot>) -> Self {
        self.why_not = why;
        self
    }
}

/// Class scores keyed by class name, names in alphabetical order.
pub struct SortedScores<'a>(&'a ClassScores);

impl Serialize for SortedScores<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut by_name: [(&str, f64); 5] = [("", 0.0); 5];
        for (slot, (c, v)) in by_name.iter_mut().zip(self.0.iter()) {
            *slot = (c.as_str(), v);
        }
        by_name.sort_by(|a, b| a.0.cmp(b.0));
        let mut m = s.serialize_map(Some(5))?;
        for (k, v) in by_name {
            m.serialize_entry(k, &v)?;
        }
        m.end()
    }
}

/// A piece of evidence with its keys in alphabetical order.
pub struct SortedEvidence<'a>(&'a Evidence);

#[derive(Serialize)]
struct Span {
    end: usize,
    start: usize,
}

impl From<&Range<usize>> for Span {
    fn from(r: &Range<usize>) -> Span {
        Span {
            end: r.end,
            start: r.start,
        }
    }
}

#[derive(Serialize)]
struct Flat<'a> {
    class: Class,
    contribution: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cue: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<feedback_triage::TextField>,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    phrase: Option<&'a str>,
    rule: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<Span>,
}

impl Serialize for SortedEvidence<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut flat = Flat {
            class: e.class,
            contribution: e.contribution,
            count: None,
            cue: None,
            description: None,
            field: None,
            kind: "",
            phrase: None,
            rule: &e.rule,
            span: None,
        };
        match &e.kind {
            EvidenceKind::Keyword {
                phrase,
                field,
                span,
            } => {
                flat.kind = "keyword";
                flat.phrase = Some(phrase.as_ref());
                flat.field = Some(*field);
                flat.span = Some(span.into());
            }
            EvidenceKind::Negated {
                phrase,
                field,
                span,
                cue,
            } => {
                flat.kind = "negated";
                flat.phrase = Some(phrase.as_ref());
                flat.field = Some(*field);
                flat.span = Some(span.into());
                flat.cue = Some(cue.into());
            }
            EvidenceKind::Excluded {
                phrase,
                field,
                span,
            } => {
                flat.kind = "excluded";
                flat.phrase = Some(phrase.as_ref());
                flat.field = Some(*field);
                flat.span = Some(span.into());
            }
            EvidenceKind::OtherKeywords { count } => {
                flat.kind = "other_keywords";
                flat.count = Some(*count);
            }
            EvidenceKind::Condition { description } => {
                flat.kind = "condition";
                flat.description = Some(description.as_ref());
            }
            // A kind added to the library later: its keys sorted the slow way.
            _ => {
                return serde_json::to_value(e)
                    .map_err(serde::ser::Error::custom)?
                    .serialize(s);
            }
        }
        flat.serialize(s)
    }
}

/// Escapes a cell for a Markdown table: `|` and line breaks.
pub fn markdown_cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

//! The triage report as one self-contained HTML page (`triage --output
//! html`): inline CSS, inline SVG charts written here (no template crate:
//! the page is a handful of sections, and writing them with `write!` keeps
//! every escape in sight), no script, no external resource. It opens from
//! disk and can be mailed.
//!
//! Built from the same [`TriageReport`] as the JSON output, plus the items
//! (for titles, customers and channels, which the report names by id) and
//! the classifier (for the class of each member shown). Every string that
//! comes from a request is escaped ([`escape`]). Big backlogs are summarised
//! by [`Limits`], so that 100,000 requests make a page of a few megabytes.
//!
//! Accessibility: headings in order (h1, h2, h3), every table with a caption
//! and `<th scope>` headers, every chart an `<svg role="img">` with a
//! `<title>` and `<desc>` and a table beside it with the same figures,
//! flagged bars hatched as well as coloured, and a layout that reflows to
//! one column at phone widths.

mod escape;
mod features;
mod sections;
mod signals;
mod svg;

use std::collections::HashMap;
use std::fmt::Write as _;

use feedback_triage::{
    Class, Classifier, ClusterParams, FeedbackItem, Outcome, TriageParams, TriageReport,
};

pub use escape::text as escape;

/// How much of a big report the page shows in detail; the rest is counted.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Candidate features described in detail (the strongest first).
    pub features: usize,
    /// Members listed per feature or special case (then "and N more").
    pub members: usize,
    /// Rows of any other table (then "and N more").
    pub rows: usize,
    /// Bars in the feature chart.
    pub chart_bars: usize,
    /// Characters of a title or name shown (then `…`).
    pub text: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            features: 200,
            members: 50,
            rows: 200,
            chart_bars: 20,
            text: 120,
        }
    }
}

/// What the run was: shown in the page's last section so that a report can
/// be reproduced.
pub struct Run {
    /// The input's name (a path, or `<stdin>`).
    pub input: String,
    /// The policy's name: its file, or `builtin`.
    pub policy: String,
    /// The clustering parameters.
    pub cluster: ClusterParams,
    /// The triage parameters.
    pub triage: TriageParams,
    /// What changed since the saved state (`--state`), as the table output
    /// words it: a section of the page when given.
    pub changes: Option<String>,
}

/// Everything the sections read.
struct Ctx<'a> {
    report: &'a TriageReport,
    by_id: HashMap<&'a str, &'a FeedbackItem>,
    classifier: &'a Classifier,
    run: &'a Run,
    limits: Limits,
}

impl<'a> Ctx<'a> {
    fn item(&self, id: &str) -> Option<&'a FeedbackItem> {
        self.by_id.get(id).copied()
    }

    /// The item's title, cut and escaped (empty when unknown).
    fn title(&self, id: &str) -> String {
        self.item(id)
            .map_or_else(String::new, |i| escape::cut(&i.title, self.limits.text))
    }

    /// The item's class and the classifier's outcome (computed for the rows
    /// shown only).
    fn class_of(&self, id: &str) -> (Option<Class>, Option<Outcome>) {
        match self.item(id).map(|i| self.classifier.classify(i)) {
            Some(Ok(c)) => (c.class, Some(c.outcome)),
            _ => (None, None),
        }
    }
}

/// The page for `report`. `items` are the items the report was built from,
/// `classifier` the one that classified them.
pub fn render(
    report: &TriageReport,
    items: &[FeedbackItem],
    classifier: &Classifier,
    run: &Run,
    limits: Limits,
) -> String {
    let ctx = Ctx {
        report,
        by_id: items.iter().map(|i| (i.id.as_str(), i)).collect(),
        classifier,
        run,
        limits,
    };
    let mut out = String::with_capacity(64 * 1024);
    head(&mut out, report, run.changes.is_some());
    sections::class_mix(&mut out, &ctx);
    features::overview(&mut out, &ctx);
    features::details(&mut out, &ctx);
    sections::special_cases(&mut out, &ctx);
    sections::abstained(&mut out, &ctx);
    sections::signals(&mut out, &ctx);
    if let Some(text) = &run.changes {
        sections::changes(&mut out, text);
    }
    sections::run(&mut out, &ctx);
    let _ = writeln!(
        out,
        "</main><footer><p>Written by feedback-triage {} (<code>triage --output html</code>).</p></footer></body></html>",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// The document head with the style sheet, the title and the summary.
fn head(out: &mut String, r: &TriageReport, changes: bool) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Triage report: {} requests</title><style>{CSS}</style></head><body>\
         <header><h1>Triage report</h1><p class=\"lead\">{}; {}; {}; {} without a class.</p>\
         <nav aria-label=\"Sections\"><ul><li><a href=\"#class-mix\">Class mix</a></li>\
         <li><a href=\"#features\">Candidate features</a></li>\
         <li><a href=\"#special\">Special cases</a></li><li><a href=\"#abstained\">Without a class</a></li>\
         <li><a href=\"#signals\">Portfolio signals</a></li>{}<li><a href=\"#run\">Run</a></li></ul></nav>\
         </header><main>",
        r.items,
        counted(r.items, "request", "requests"),
        counted(
            r.features.len(),
            "candidate common feature",
            "candidate common features"
        ),
        counted(r.special_cases.len(), "special case", "special cases"),
        counted(r.abstained.len(), "request", "requests"),
        if changes {
            "<li><a href=\"#changes\">Changes</a></li>"
        } else {
            ""
        },
    );
}

pub(super) use super::output::counted;

/// A share as a whole percentage.
fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// A deal value rounded, with thousands separators.
fn money(x: f64) -> String {
    // A sum past f64's range (the JSON report writes it as null).
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let whole = format!("{:.0}", x.abs());
    let mut s = String::with_capacity(whole.len() + whole.len() / 3 + 1);
    if x < -0.5 {
        s.push('-');
    }
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            s.push(',');
        }
        s.push(c);
    }
    s
}

/// A class's readable name, `no class` for `None`.
fn class_title(c: Option<Class>) -> &'static str {
    c.map_or("no class", Class::title)
}

/// A table column: its header and whether it holds numbers (right-aligned).
type Col<'a> = (&'a str, bool);

/// Appends a table: a caption, `<th scope="col">` headers, the first rows
/// (cells already escaped; the first cell of a row is its `<th
/// scope="row">`), and a note counting the rows left out of `total`.
fn table(out: &mut String, caption: &str, cols: &[Col], rows: &[Vec<String>], total: usize) {
    let _ = write!(
        out,
        "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{caption} (table)\"><table><caption>{caption}</caption><thead><tr>"
    );
    for (name, num) in cols {
        let class = if *num { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th scope=\"col\"{class}>{name}</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, (cell, (_, num))) in row.iter().zip(cols).enumerate() {
            let (tag, attrs) = match (i, num) {
                (0, _) => ("th", " scope=\"row\""),
                (_, true) => ("td", " class=\"num\""),
                _ => ("td", ""),
            };
            let _ = write!(out, "<{tag}{attrs}>{cell}</{tag}>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    more(out, total.saturating_sub(rows.len()), "rows");
}

/// "and N more ROWS (see the JSON report)", when N > 0.
fn more(out: &mut String, n: usize, what: &str) {
    if n > 0 {
        let _ = write!(
            out,
            "<p class=\"more\">… and {n} more {what} (all of them are in the JSON report, <code>--output jsonl</code>).</p>"
        );
    }
}

/// The style sheet: system fonts, one column at phone widths, wide tables
/// scroll in their own box, high-contrast colours, and a visible focus.
const CSS: &str = "\
:root{--fg:#1a1a1a;--muted:#555;--bar:#2f5d8a;--flag:#b35900;--line:#ccc;--bg:#fff;--alt:#f4f6f8}\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg)}\
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}\
h1{font-size:1.8rem;margin:1rem 0 .25rem}h2{font-size:1.4rem;margin:2rem 0 .5rem;border-bottom:2px solid var(--line)}\
h3{font-size:1.1rem;margin:1.25rem 0 .4rem}\
.lead{color:var(--muted)}\
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}\
a{color:#0b4f8a}a:focus,summary:focus,.scroll:focus{outline:3px solid #f0b400;outline-offset:2px}\
.pair{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1.5rem;align-items:start}\
figure{margin:0}figcaption{color:var(--muted);font-size:.9rem}\
.chart{width:100%;height:auto;max-width:40rem}\
.chart .label,.chart .note{font-size:13px;fill:var(--fg)}\
.chart .bar{fill:var(--bar)}.chart .flag{fill:var(--flag)}.chart .hatch{stroke:#fff;stroke-width:2.5}\
.chart .threshold{stroke:var(--fg);stroke-width:1.5;stroke-dasharray:4 3}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}\
caption{text-align:left;font-weight:600;padding:.25rem 0}\
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}\
thead th{background:var(--alt)}.num{text-align:right;font-variant-numeric:tabular-nums}\
tbody th{font-weight:normal}\
td,tbody th{overflow-wrap:break-word}thead th{white-space:nowrap}\
.feature{border:1px solid var(--line);border-radius:6px;padding:.25rem 1rem .75rem;margin:1rem 0}\
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem 1rem;margin:.5rem 0}\
dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}\
.reading{border-left:4px solid var(--bar);padding:.25rem .75rem;margin:.5rem 0;background:var(--alt)}\
summary{cursor:pointer;font-weight:600;padding:.25rem 0}\
.more{color:var(--muted);font-style:italic}\
code{font-size:.9em}\
@media (max-width:48rem){.pair{grid-template-columns:minmax(0,1fr)}body{font-size:15px}\
dl.facts{grid-template-columns:minmax(0,1fr)}dl.facts dd{margin-bottom:.4rem}}\
@media print{details{display:block}.scroll{overflow:visible}}";

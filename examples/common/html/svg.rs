//! Inline SVG charts, written as text: horizontal bar charts with a title
//! and a description for screen readers, every bar labelled in words and
//! figures (colour is never the only carrier), flagged bars hatched as well
//! as coloured, and an optional threshold line.
//!
//! Labels and notes are passed in already escaped (see [`super::escape`]).

use std::fmt::Write as _;

/// The chart's drawing width in SVG units; it scales to the page's width.
const WIDTH: f64 = 520.0;
/// Where the bars start (labels are right-aligned before it).
const BAR_X: f64 = 172.0;
/// The longest bar.
const BAR_MAX: f64 = 224.0;
/// One row.
const ROW: f64 = 24.0;
/// Space above the first row and below the last.
const PAD: f64 = 8.0;

/// One bar: an escaped label, its value, an escaped note written after the
/// bar (the figure in words), and whether it is flagged (hatched).
pub struct Bar {
    /// The label, escaped, short (it is drawn in a fixed column).
    pub label: String,
    /// The bar's length is proportional to this (negative counts as 0).
    pub value: f64,
    /// Written after the bar, escaped.
    pub note: String,
    /// Drawn hatched, for bars the note calls out (below a threshold).
    pub flagged: bool,
}

/// A chart's text equivalent and its bars.
pub struct Chart<'a> {
    /// A unique id on the page (ASCII letters, digits and `-`).
    pub id: &'a str,
    /// The title (escaped): what is shown.
    pub title: &'a str,
    /// The description (escaped): what the chart says.
    pub desc: &'a str,
    /// The bars, top to bottom.
    pub bars: &'a [Bar],
    /// A vertical line at this value, with an escaped label.
    pub threshold: Option<(f64, &'a str)>,
}

/// Appends the chart as an `<svg role="img">` element.
pub fn hbar(out: &mut String, c: &Chart) {
    let n = c.bars.len().max(1) as f64;
    let height = PAD * 2.0 + ROW * n + if c.threshold.is_some() { 16.0 } else { 0.0 };
    let max = c
        .bars
        .iter()
        .map(|b| b.value)
        .chain(c.threshold.map(|t| t.0))
        .fold(0.0f64, f64::max);
    let scale = if max > 0.0 { BAR_MAX / max } else { 0.0 };
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-labelledby=\"{id}-t {id}-d\" preserveAspectRatio=\"xMinYMin meet\">\
         <title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{desc}</desc>\
         <defs><pattern id=\"{id}-h\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" class=\"flag\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" class=\"hatch\"/></pattern></defs>",
        id = c.id,
        title = c.title,
        desc = c.desc,
    );
    for (i, b) in c.bars.iter().enumerate() {
        bar(out, c.id, i, b, scale);
    }
    if let Some((at, label)) = c.threshold {
        let x = BAR_X + at * scale;
        let bottom = PAD + ROW * n;
        let _ = write!(
            out,
            "<line class=\"threshold\" x1=\"{x:.1}\" y1=\"{PAD}\" x2=\"{x:.1}\" y2=\"{bottom}\"/>\
             <text class=\"note\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\">{label}</text>",
            y = bottom + 13.0,
        );
    }
    out.push_str("</svg>");
}

/// One row: label, bar, note.
fn bar(out: &mut String, id: &str, i: usize, b: &Bar, scale: f64) {
    let y = PAD + ROW * i as f64;
    let w = (b.value.max(0.0) * scale).max(if b.value > 0.0 { 1.0 } else { 0.0 });
    let fill = if b.flagged {
        format!(" fill=\"url(#{id}-h)\"")
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "<text class=\"label\" x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{label}</text>\
         <rect class=\"bar\" x=\"{BAR_X}\" y=\"{by:.1}\" width=\"{w:.1}\" height=\"{bh}\"{fill}/>\
         <text class=\"note\" x=\"{nx:.1}\" y=\"{ty:.1}\">{note}</text>",
        lx = BAR_X - 6.0,
        ty = y + 16.0,
        label = b.label,
        by = y + 4.0,
        bh = ROW - 8.0,
        nx = BAR_X + w + 5.0,
        note = b.note,
    );
}

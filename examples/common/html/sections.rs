//! The page's sections other than the features: the class mix, special
//! cases, the requests without a class, the portfolio signals and the run.

use std::fmt::Write as _;

use feedback_triage::{Outcome, SpecialReason};

use super::svg::{self, Bar, Chart};
use super::{Col, Ctx, class_title, counted, escape, money, more, pct, table};

/// A chart and its table side by side (one above the other on a phone).
fn pair(out: &mut String, chart: &Chart, caption: &str, cols: &[Col], rows: &[Vec<String>]) {
    out.push_str("<div class=\"pair\"><figure>");
    svg::hbar(out, chart);
    let _ = write!(out, "<figcaption>{}</figcaption></figure>", chart.desc);
    table(out, caption, cols, rows, rows.len());
    out.push_str("</div>");
}

/// Class mix: a bar per class and one for the requests without a class.
pub(super) fn class_mix(out: &mut String, ctx: &Ctx) {
    let r = ctx.report;
    out.push_str("<section id=\"class-mix\" aria-labelledby=\"class-mix-h\"><h2 id=\"class-mix-h\">Class mix</h2>");
    let bars: Vec<Bar> = r
        .class_mix
        .iter()
        .map(|c| Bar {
            label: class_title(c.class).to_string(),
            value: c.items as f64,
            note: format!("{} ({})", c.items, pct(c.share)),
            flagged: c.class.is_none(),
        })
        .collect();
    let rows: Vec<Vec<String>> = r
        .class_mix
        .iter()
        .map(|c| {
            vec![
                class_title(c.class).to_string(),
                c.items.to_string(),
                pct(c.share),
                money(c.deal_value),
            ]
        })
        .collect();
    let abstained = r.class_mix.last().map_or(0, |c| c.items);
    let desc = format!(
        "Requests per class out of {}; {} got no class (the classifier abstained; hatched bar).",
        r.items,
        counted(abstained, "request", "requests")
    );
    let chart = Chart {
        id: "chart-class-mix",
        title: "Requests per class",
        desc: &desc,
        bars: &bars,
        threshold: None,
    };
    let cols = [
        ("Class", false),
        ("Requests", true),
        ("Share", true),
        ("Deal value", true),
    ];
    pair(out, &chart, "Class mix", &cols, &rows);
    out.push_str("</section>");
}

/// Special cases: lone requests and groups from too few customers.
pub(super) fn special_cases(out: &mut String, ctx: &Ctx) {
    let r = ctx.report;
    let min = ctx.run.cluster.min_distinct_customers;
    let lone = r
        .special_cases
        .iter()
        .filter(|c| c.reason == SpecialReason::Alone)
        .count();
    let _ = write!(
        out,
        "<section id=\"special\" aria-labelledby=\"special-h\"><h2 id=\"special-h\">Custom special cases</h2>\
         <p>{} special cases: {} lone requests and {} groups of similar requests from fewer than {} customers. \
         They stay custom decisions rather than common features.</p>",
        r.special_cases.len(),
        lone,
        r.special_cases.len() - lone,
        min
    );
    let rows: Vec<Vec<String>> = r
        .special_cases
        .iter()
        .take(ctx.limits.rows)
        .map(|c| {
            let reason = match c.reason {
                SpecialReason::Alone => "alone: a request like no other".to_string(),
                SpecialReason::FewCustomers => format!(
                    "few customers: {} of the {} needed",
                    c.distinct_customers, min
                ),
                SpecialReason::Loose => {
                    "loose: enough customers, but not alike enough as a whole".to_string()
                }
                _ => "other".to_string(),
            };
            let mut members = c
                .members
                .iter()
                .take(ctx.limits.members)
                .map(|m| escape(m))
                .collect::<Vec<_>>()
                .join(", ");
            if c.members.len() > ctx.limits.members {
                let _ = write!(
                    members,
                    " and {} more",
                    c.members.len() - ctx.limits.members
                );
            }
            vec![
                format!(
                    "{} <small>({})</small>",
                    escape::cut(&c.name, ctx.limits.text),
                    escape(&c.id)
                ),
                reason,
                c.members.len().to_string(),
                format!(
                    "{} <small>({})</small>",
                    ctx.title(&c.representative),
                    escape(&c.representative)
                ),
                members,
            ]
        })
        .collect();
    let cols = [
        ("Special case", false),
        ("Reason", false),
        ("Requests", true),
        ("Representative request", false),
        ("Members", false),
    ];
    table(out, "Special cases", &cols, &rows, r.special_cases.len());
    out.push_str("</section>");
}

/// The requests the classifier abstained on, with the reason.
pub(super) fn abstained(out: &mut String, ctx: &Ctx) {
    let r = ctx.report;
    let _ = write!(
        out,
        "<section id=\"abstained\" aria-labelledby=\"abstained-h\"><h2 id=\"abstained-h\">Requests without a class</h2>\
         <p>The classifier abstained on {}: they are listed, not hidden, so that a person can decide.</p>",
        counted(r.abstained.len(), "request", "requests")
    );
    let rows: Vec<Vec<String>> = r
        .abstained
        .iter()
        .take(ctx.limits.rows)
        .map(|id| {
            let reason = match ctx.class_of(id).1 {
                Some(Outcome::NoMatch) => {
                    "no match: no keyword evidence reached the policy's minimum score".to_string()
                }
                Some(o) => format!("outcome {o}"),
                None => "not found".to_string(),
            };
            let channel = ctx
                .item(id)
                .map_or(String::new(), |i| i.channel.to_string());
            vec![escape(id), ctx.title(id), channel, reason]
        })
        .collect();
    let cols = [
        ("Request", false),
        ("Title", false),
        ("Channel", false),
        ("Reason", false),
    ];
    if r.abstained.is_empty() {
        out.push_str("<p>None.</p>");
    } else {
        table(
            out,
            "Requests without a class",
            &cols,
            &rows,
            r.abstained.len(),
        );
    }
    out.push_str("</section>");
}

/// What changed since the saved state (`--state`): the table output's
/// section, its headings as headings and its entries as lists, escaped.
pub(super) fn changes(out: &mut String, text: &str) {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let title = lines.next().unwrap_or("Changes");
    let _ = write!(
        out,
        "<section id=\"changes\" aria-labelledby=\"changes-h\"><h2 id=\"changes-h\">{}</h2>",
        escape(title.trim())
    );
    let mut in_list = false;
    for line in lines {
        let entry = line.starts_with(' ');
        if entry != in_list {
            out.push_str(if entry { "<ul>" } else { "</ul>" });
            in_list = entry;
        }
        let tag = if entry { "li" } else { "h3" };
        let _ = write!(out, "<{tag}>{}</{tag}>", escape(line.trim()));
    }
    if in_list {
        out.push_str("</ul>");
    }
    out.push_str("</section>");
}

/// The run's parameters and policy, to reproduce the report.
pub(super) fn run(out: &mut String, ctx: &Ctx) {
    let run = ctx.run;
    let l = ctx.limits;
    let _ = write!(
        out,
        "<section id=\"run\" aria-labelledby=\"run-h\"><h2 id=\"run-h\">Run</h2>\
         <p>To reproduce this report, run <code>triage</code> on the same input with the same policy and parameters.</p>"
    );
    let mut rows = vec![
        vec!["input".to_string(), escape(&run.input)],
        vec!["policy".to_string(), escape(&run.policy)],
    ];
    for (prefix, value) in [
        ("clustering", serde_json::to_value(&run.cluster)),
        ("triage", serde_json::to_value(&run.triage)),
    ] {
        if let Ok(serde_json::Value::Object(map)) = value {
            for (k, v) in map {
                rows.push(vec![
                    format!("{prefix}.{}", escape(&k)),
                    escape(&v.to_string()),
                ]);
            }
        }
    }
    rows.push(vec![
        "page limits".to_string(),
        format!(
            "{} features in detail, {} members each, {} rows per table, {} characters per title",
            l.features, l.members, l.rows, l.text
        ),
    ]);
    table(
        out,
        "Run parameters",
        &[("Parameter", false), ("Value", false)],
        &rows,
        rows.len(),
    );
    out.push_str("</section>");
}

/// The portfolio signals, each with the essays' reading, a small chart and
/// its table.
pub(super) fn signals(out: &mut String, ctx: &Ctx) {
    out.push_str("<section id=\"signals\" aria-labelledby=\"signals-h\"><h2 id=\"signals-h\">Portfolio signals</h2>");
    super::signals::alignment(out, ctx);
    super::signals::focus(out, ctx);
    super::signals::sources(out, ctx);
    super::signals::cadence(out, ctx);
    out.push_str("</section>");
}

/// A signal's heading, the essay's reading in one sentence, and its chart
/// with its table.
pub(super) fn signal(
    out: &mut String,
    heading: &str,
    reading: &str,
    chart: &Chart,
    cols: &[Col],
    rows: &[Vec<String>],
) {
    let _ = write!(out, "<h3>{heading}</h3><p class=\"reading\">{reading}</p>");
    pair(out, chart, heading, cols, rows);
}

/// `more` re-exported for the signals (months beyond the row limit).
pub(super) fn more_rows(out: &mut String, n: usize) {
    more(out, n, "months");
}

//! The candidate common features: a ranking chart with its table, then one
//! article per feature (the strongest [`Limits::features`](super::Limits)),
//! expandable to its members and each member's class.

use std::fmt::Write as _;

use feedback_triage::{Channel, Class, ClassMix, FeatureReport};

use super::svg::{self, Bar, Chart};
use super::{Ctx, class_title, escape, money, more, table};

/// The feature's class mix in words ("Market driven 3, Responsiveness 1").
fn mix(m: &ClassMix) -> String {
    let parts: Vec<String> = Class::ALL
        .iter()
        .filter(|c| m.get(**c) > 0)
        .map(|c| format!("{} {}", c.title(), m.get(*c)))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// The anchor of feature `id`: an HTML id holds no white space, so every
/// character but ASCII letters, digits and `-` becomes `_` and its code
/// point in hex (`_20_` for a space, `_5f_` for `_`), which keeps distinct
/// ids distinct.
/// The crate's ids (`F-` and hex digits) pass unchanged.
fn anchor(id: &str) -> String {
    let mut out = String::from("f-");
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else {
            let _ = write!(out, "_{:x}_", c as u32);
        }
    }
    out
}

/// The ranking: a chart of the strongest and a table of the first rows.
pub(super) fn overview(out: &mut String, ctx: &Ctx) {
    let r = ctx.report;
    let _ = write!(
        out,
        "<section id=\"features\" aria-labelledby=\"features-h\"><h2 id=\"features-h\">Candidate common features</h2>\
         <p>{} groups of similar requests asked for by at least {} distinct customers, ranked by distinct customers, then deal value.</p>",
        r.features.len(),
        ctx.run.cluster.min_distinct_customers
    );
    if r.features.is_empty() {
        out.push_str("<p>None.</p></section>");
        return;
    }
    ranking_chart(out, ctx);
    ranking_table(out, ctx);
    out.push_str("</section>");
}

/// Bars of the strongest features' distinct customers.
fn ranking_chart(out: &mut String, ctx: &Ctx) {
    let r = ctx.report;
    let shown = &r.features[..r.features.len().min(ctx.limits.chart_bars)];
    let bars: Vec<Bar> = shown
        .iter()
        .map(|f| Bar {
            label: escape::cut(&f.feature.name, 22),
            value: f.feature.distinct_customers as f64,
            note: format!(
                "{} cust., {}",
                f.feature.distinct_customers,
                money(f.feature.deal_value)
            ),
            flagged: false,
        })
        .collect();
    let desc = format!(
        "The {} strongest of {} candidate features by distinct customers (bar length), with their deal value.",
        shown.len(),
        r.features.len()
    );
    out.push_str("<figure>");
    svg::hbar(
        out,
        &Chart {
            id: "chart-features",
            title: "Candidate features by distinct customers",
            desc: &desc,
            bars: &bars,
            threshold: None,
        },
    );
    let _ = write!(out, "<figcaption>{desc}</figcaption></figure>");
}

/// The first rows of the ranking, linked to their details.
fn ranking_table(out: &mut String, ctx: &Ctx) {
    let r = ctx.report;
    let rows: Vec<Vec<String>> = r
        .features
        .iter()
        .take(ctx.limits.rows)
        .enumerate()
        .map(|(i, f)| {
            let x = &f.feature;
            let name = escape::cut(&x.name, ctx.limits.text);
            let link = if i < ctx.limits.features {
                format!("<a href=\"#{}\">{name}</a>", anchor(&x.id))
            } else {
                name
            };
            vec![
                (i + 1).to_string(),
                link,
                x.distinct_customers.to_string(),
                x.members.len().to_string(),
                money(x.deal_value),
                mix(&x.class_mix),
            ]
        })
        .collect();
    let cols = [
        ("Rank", true),
        ("Feature", false),
        ("Customers", true),
        ("Requests", true),
        ("Deal value", true),
        ("Classes", false),
    ];
    table(
        out,
        "Candidate features, ranked",
        &cols,
        &rows,
        r.features.len(),
    );
}

/// One article per feature, up to the limit.
pub(super) fn details(out: &mut String, ctx: &Ctx) {
    let r = ctx.report;
    if r.features.is_empty() {
        return;
    }
    out.push_str("<section id=\"feature-details\" aria-labelledby=\"feature-details-h\"><h2 id=\"feature-details-h\">The features in detail</h2>");
    for (i, f) in r.features.iter().take(ctx.limits.features).enumerate() {
        feature(out, ctx, i + 1, f);
    }
    more(
        out,
        r.features.len().saturating_sub(ctx.limits.features),
        "features",
    );
    out.push_str("</section>");
}

/// Items per channel over all the feature's members ("support 3, sales 1").
fn channels(ctx: &Ctx, members: &[String]) -> String {
    let mut counts = [0usize; Channel::ALL.len()];
    for m in members {
        if let Some(item) = ctx.item(m)
            && let Some(k) = Channel::ALL.iter().position(|c| *c == item.channel)
        {
            counts[k] += 1;
        }
    }
    let parts: Vec<String> = Channel::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    parts.join(", ")
}

fn feature(out: &mut String, ctx: &Ctx, rank: usize, f: &FeatureReport) {
    let x = &f.feature;
    let terms: Vec<String> = x.key_terms.iter().map(|t| escape(t)).collect();
    let _ = write!(
        out,
        "<article class=\"feature\" id=\"{id}\" aria-labelledby=\"{id}-h\"><h3 id=\"{id}-h\">{rank}. {name}</h3>\
         <dl class=\"facts\"><dt>Id</dt><dd><code>{fid}</code></dd>\
         <dt>Customers</dt><dd>{cust}</dd><dt>Requests</dt><dd>{n}</dd><dt>Deal value</dt><dd>{deal}</dd>\
         <dt>Key terms</dt><dd>{terms}</dd>\
         <dt>Representative request</dt><dd>{rep_title} <small>({rep})</small></dd>\
         <dt>Channels</dt><dd>{channels}</dd><dt>Classes</dt><dd>{mix}</dd></dl>",
        id = anchor(&x.id),
        name = escape::cut(&x.name, ctx.limits.text),
        fid = escape(&x.id),
        cust = x.distinct_customers,
        n = x.members.len(),
        deal = money(x.deal_value),
        terms = terms.join(", "),
        rep_title = ctx.title(&x.representative),
        rep = escape(&x.representative),
        channels = channels(ctx, &x.members),
        mix = mix(&x.class_mix),
    );
    if !f.jobs.is_empty() {
        out.push_str("<p><strong>Jobs the requests state:</strong></p><ul>");
        for j in &f.jobs {
            let _ = write!(
                out,
                "<li>{} <small>({:?}, {})</small></li>",
                escape::cut(&j.text, ctx.limits.text),
                j.kind,
                escape(&j.item)
            );
        }
        out.push_str("</ul>");
    }
    members(out, ctx, &x.members);
    out.push_str("</article>");
}

/// The members, each with its title, customer, channel and class, in a
/// `<details>` element closed by default.
fn members(out: &mut String, ctx: &Ctx, ids: &[String]) {
    let _ = write!(out, "<details><summary>Members ({})</summary>", ids.len());
    let rows: Vec<Vec<String>> = ids
        .iter()
        .take(ctx.limits.members)
        .map(|id| {
            let item = ctx.item(id);
            vec![
                escape(id),
                ctx.title(id),
                item.and_then(|i| i.customer.as_deref())
                    .map_or(String::new(), |c| escape::cut(c, 60)),
                item.map_or(String::new(), |i| i.channel.to_string()),
                class_title(ctx.class_of(id).0).to_string(),
            ]
        })
        .collect();
    let cols = [
        ("Request", false),
        ("Title", false),
        ("Customer", false),
        ("Channel", false),
        ("Class", false),
    ];
    table(out, "Members", &cols, &rows, ids.len());
    out.push_str("</details>");
}

//! The portfolio signals, each read as the domain essays read it, in one
//! sentence, with a small chart and the same figures in a table.

use super::sections::{more_rows, signal};
use super::svg::{Bar, Chart};
use super::{Ctx, counted, escape, pct};

fn bar(label: &str, value: usize, note: String, flagged: bool) -> Bar {
    Bar {
        label: label.to_string(),
        value: value as f64,
        note,
        flagged,
    }
}

fn share(n: usize, of: usize) -> String {
    if of == 0 {
        "n/a".into()
    } else {
        pct(n as f64 / of as f64)
    }
}

/// The 3/4/5 alignment.
pub(super) fn alignment(out: &mut String, ctx: &Ctx) {
    let a = &ctx.report.signals.alignment;
    let single = a.features_considered - a.features_aligned;
    let bars = [
        bar(
            "two or three classes",
            a.features_aligned,
            format!(
                "{} ({})",
                a.features_aligned,
                share(a.features_aligned, a.features_considered)
            ),
            false,
        ),
        bar(
            "one class only",
            single,
            format!("{} ({})", single, share(single, a.features_considered)),
            true,
        ),
    ];
    let desc = format!(
        "Of {} candidate features with market-driven, opportunistic or responsiveness requests, {} draw on two or three of those classes.",
        a.features_considered, a.features_aligned
    );
    let rows = vec![
        vec![
            "two or three classes".into(),
            a.features_aligned.to_string(),
        ],
        vec!["one class only".into(), single.to_string()],
    ];
    signal(
        out,
        "Alignment of market, sales and customer inputs",
        "“The sooner and more successfully you engage in meaningful conversations with your customers, \
         the more closely aligned 3, 4, and 5 will be”: market-driven, opportunistic and responsiveness \
         requests that meet in one feature deliver more value to sales and to customers.",
        &Chart {
            id: "chart-alignment",
            title: "Features drawing on several of classes 3, 4 and 5",
            desc: &desc,
            bars: &bars,
            threshold: None,
        },
        &[("Features", false), ("Count", true)],
        &rows,
    );
}

/// Market focus versus customer focus.
pub(super) fn focus(out: &mut String, ctx: &Ctx) {
    let f = &ctx.report.signals.focus;
    let n = ctx.report.items;
    let bars = [
        bar(
            "shared across customers",
            f.shared_items,
            format!("{} ({})", f.shared_items, pct(f.shared_share)),
            false,
        ),
        bar(
            "custom asks",
            f.custom_items,
            format!("{} ({})", f.custom_items, share(f.custom_items, n)),
            true,
        ),
    ];
    let mut desc = format!(
        "{} of {} requests belong to candidate features asked for by several customers; {} are custom asks.",
        f.shared_items, n, f.custom_items
    );
    let mut rows = vec![
        vec!["shared across customers".into(), f.shared_items.to_string()],
        vec!["custom asks".into(), f.custom_items.to_string()],
    ];
    if let Some((c, k)) = &f.top_customer {
        desc.push_str(&format!(
            " The loudest customer, {}, sent {} ({} of those naming a customer).",
            escape(c),
            counted(*k, "request", "requests"),
            pct(f.top_customer_share)
        ));
        rows.push(vec![
            format!("loudest customer: {}", escape(c)),
            k.to_string(),
        ]);
    }
    signal(
        out,
        "Market focus versus customer focus",
        "“Customer focus is not equal market focus”: when several customers ask for much the same, \
         build a common solution and leave custom decisions only as special cases.",
        &Chart {
            id: "chart-focus",
            title: "Requests shared across customers versus custom asks",
            desc: &desc,
            bars: &bars,
            threshold: None,
        },
        &[("Requests", false), ("Count", true)],
        &rows,
    );
}

/// Where requests come from: product-driven (internal) versus customer
/// experience-driven (from outside).
pub(super) fn sources(out: &mut String, ctx: &Ctx) {
    let s = &ctx.report.signals.sources;
    let bars: Vec<Bar> = s
        .channels
        .iter()
        .map(|c| {
            bar(
                c.channel.as_str(),
                c.items,
                format!("{} ({})", c.items, pct(c.share)),
                c.channel == feedback_triage::Channel::Internal,
            )
        })
        .collect();
    let internal = s.internal_share.map_or("n/a".into(), pct);
    let desc = format!(
        "Requests per channel; {} from inside the company (hatched), {} from outside, {} from an unknown channel: internal share {}.",
        s.internal, s.external, s.unknown, internal
    );
    let rows: Vec<Vec<String>> = s
        .channels
        .iter()
        .map(|c| vec![c.channel.to_string(), c.items.to_string(), pct(c.share)])
        .collect();
    signal(
        out,
        "Product-driven or customer experience-driven",
        "“Choose one”: a product-driven company starts from enhancements it finds itself (internal requests), \
         a customer experience-driven one from the needs its customers state; splitting the focus makes a company less successful.",
        &Chart {
            id: "chart-sources",
            title: "Requests per channel",
            desc: &desc,
            bars: &bars,
            threshold: None,
        },
        &[("Channel", false), ("Requests", true), ("Share", true)],
        &rows,
    );
}

/// Distinct customers heard from per month, against the threshold.
pub(super) fn cadence(out: &mut String, ctx: &Ctx) {
    let c = &ctx.report.signals.cadence;
    let shown = &c.months[..c.months.len().min(ctx.limits.rows)];
    let bars: Vec<Bar> = shown
        .iter()
        .map(|m| {
            let below = if m.below { ", below" } else { "" };
            bar(
                &escape(&m.month),
                m.customers,
                format!("{} customers{below}", m.customers),
                m.below,
            )
        })
        .collect();
    let desc = format!(
        "Distinct customers heard from per month; {} of {} months are below {} (hatched bars, dashed line); {} requests have no date{}.",
        c.months_below,
        c.months.len(),
        c.threshold,
        c.undated,
        match c.out_of_range {
            0 => String::new(),
            k => format!(", {k} are dated years apart from the rest and not shown"),
        }
    );
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|m| {
            vec![
                escape(&m.month),
                m.customers.to_string(),
                m.items.to_string(),
                if m.below { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    let label = format!("{} a month", c.threshold);
    signal(
        out,
        "Customer contact",
        "“Engage with at least four customers per month”: regular contact keeps a product manager \
         customer focused rather than caught up in internal work.",
        &Chart {
            id: "chart-cadence",
            title: "Distinct customers per month",
            desc: &desc,
            bars: &bars,
            threshold: Some((c.threshold as f64, &label)),
        },
        &[
            ("Month", false),
            ("Customers", true),
            ("Requests", true),
            ("Below threshold", false),
        ],
        &rows,
    );
    more_rows(out, c.months.len() - shown.len());
}

//! The main job: a triage report over a whole backlog. Reads JSON Lines of
//! feedback items and prints the report as JSON (default), a readable table
//! (`--table`), Markdown to paste into a document (`--markdown`), or one
//! self-contained HTML page with charts (`--output html`, see
//! `common/html`).
//!
//! ```text
//! cargo run --release --example triage -- --table examples/data/sample.jsonl
//! cargo run --release --example triage -- --markdown backlog.csv > report.md
//! cargo run --release --example triage -- --output html backlog.jsonl > report.html
//! cat backlog.jsonl | cargo run --release --example triage -- --policy my.toml --threshold 0.4
//! ```
//!
//! Options: `--policy FILE` (JSON or TOML), `--threshold X` and
//! `--min-customers N` (clustering), `--cadence N` (distinct customers per
//! month below which a month is flagged), `--input jsonl|csv`, `--output
//! jsonl|table|markdown|html` (`jsonl` is the report as one pretty-printed
//! JSON document; the report is not a table of rows, so `csv` is refused). A line
//! that cannot be read is reported on stderr with its line number; the
//! others are still used. Exit status: 0 when every line was used, 1 when
//! some lines were bad, 2 for a usage error or an unreadable input or policy.
//!
//! `--state FILE` keeps a living backlog as `cluster --state` does (see
//! `common/state.rs`): the report covers every request seen so far, and
//! gains what changed since the saved state (new features, movers, merges,
//! splits, requests moved by consolidation,
//! requests still special cases): a `changes` object in JSON, a closing
//! section in a table or Markdown.

mod common;

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use feedback_triage::{
    Class, ClassMix, Classifier, ClusterParams, Clusterer, Sources, Triage, TriageParams,
    TriageReport,
};

use common::cli::{self, Fatal};
use common::output::{OutputFormat, counted, markdown_cell, noun, plain};
use common::state;

/// Build a triage report over a whole backlog.
#[derive(Parser)]
#[command(version, after_help = cli::EXIT_STATUSES)]
struct Args {
    #[command(flatten)]
    io: cli::Io,
    /// Policy file (JSON or TOML) instead of the embedded default.
    #[arg(long, value_name = "FILE")]
    policy: Option<String>,
    /// Similarity threshold for grouping (default: the library's).
    #[arg(long, value_name = "X")]
    threshold: Option<f64>,
    /// Distinct customers a group needs to be a candidate feature.
    #[arg(long, value_name = "N")]
    min_customers: Option<usize>,
    /// Distinct customers per month below which a month is flagged.
    #[arg(long, value_name = "N")]
    cadence: Option<usize>,
    /// Keep a living backlog in FILE (JSON): load it, add the input, save
    /// it, and report what changed.
    #[arg(long, value_name = "FILE")]
    state: Option<String>,
}

fn main() -> ExitCode {
    cli::exit("triage", run(Args::parse()))
}

fn run(args: Args) -> Result<bool, Fatal> {
    let format = args.io.output_format();
    if format == OutputFormat::Csv {
        return Err(Fatal(
            "--output csv: the report is not a table of rows; use jsonl, table, markdown or html"
                .into(),
        ));
    }
    let (triage, params, tparams) = triage_of(&args)?;
    let name = args.io.name().to_string();
    let (items, bad) = common::stream::read_all(args.io.path(), args.io.input_format())
        .map_err(|e| format!("{name}: {e}"))?;
    common::report_bad(args.io.path(), &bad);
    let progress = common::stderr_is_terminal() && items.len() > 20_000;
    if progress {
        eprintln!("triage: {} items read, building the report...", items.len());
    }
    let (report, changes, bad, items, params, saved) = match &args.state {
        Some(path) => {
            let s = state::triage_report(&triage, path, items)?;
            common::report_bad(args.io.path(), &s.bad);
            let mut bad = bad;
            bad.extend(s.bad);
            let saved = Some((path, s.saved));
            (s.report, Some(s.changes), bad, s.items, s.params, saved)
        }
        None => {
            let items: Vec<_> = items.into_iter().map(|(_, item)| item).collect();
            (triage.report(&items)?, None, bad, items, params, None)
        }
    };
    if progress {
        eprintln!("triage: done");
    }
    let mut text = match format {
        OutputFormat::Markdown => markdown(&report),
        OutputFormat::Table => table(&report),
        OutputFormat::Html => {
            let run = common::html::Run {
                input: name,
                policy: args.policy.clone().unwrap_or_else(|| "builtin".into()),
                cluster: params,
                triage: tparams,
                changes: changes.as_ref().map(|c| c.section(false)),
            };
            let classifier = triage.clusterer().classifier();
            common::html::render(&report, &items, classifier, &run, Default::default())
        }
        _ => match &changes {
            Some(c) => state::report_json(&report, c)?,
            None => serde_json::to_string_pretty(&report)? + "\n",
        },
    };
    if let (Some(c), OutputFormat::Markdown | OutputFormat::Table) = (&changes, format) {
        text += &c.section(format == OutputFormat::Markdown);
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    // After the report: a run that could not write it leaves the state.
    if let Some((path, text)) = saved {
        state::write_state(path, &text)?;
    }
    common::output::bad_lines_summary("triage", bad.len());
    Ok(bad.is_empty())
}

/// The triage the arguments ask for, with its clustering and triage
/// parameters.
fn triage_of(args: &Args) -> Result<(Triage, ClusterParams, TriageParams), Fatal> {
    let classifier = match &args.policy {
        Some(p) => Classifier::new(&common::read_policy(p)?).map_err(|e| format!("{p}: {e}"))?,
        None => Classifier::builtin(),
    };
    let mut params = ClusterParams::default();
    if let Some(t) = args.threshold {
        params.similarity_threshold = t;
    }
    if let Some(m) = args.min_customers {
        params.min_distinct_customers = m;
    }
    let clusterer = Clusterer::new(params.clone())?.with_classifier(classifier);
    let mut tparams = TriageParams::default();
    if let Some(c) = args.cadence {
        tparams.min_customers_per_month = c;
    }
    let triage = Triage::new(clusterer, tparams.clone())?;
    Ok((triage, params, tparams))
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// A feature's class mix in words ("market_driven 1, responsiveness 2").
fn class_mix(mix: &ClassMix, name: fn(Class) -> &'static str) -> String {
    let parts: Vec<String> = Class::ALL
        .iter()
        .filter(|c| mix.get(**c) > 0)
        .map(|c| format!("{} {}", name(*c), mix.get(*c)))
        .collect();
    parts.join(", ")
}

/// Items per channel ("support 11, sales 6").
fn channels(sources: &Sources) -> String {
    let parts: Vec<String> = sources
        .channels
        .iter()
        .map(|c| format!("{} {}", c.channel, c.items))
        .collect();
    parts.join(", ")
}

/// Ids joined with commas, or `none` when there are none.
fn listed(ids: &[String], none: &str) -> String {
    if ids.is_empty() {
        none.to_string()
    } else {
        ids.join(", ")
    }
}

fn class_name(c: Option<Class>) -> &'static str {
    c.map_or("(no class)", Class::title)
}

fn table(r: &TriageReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "TRIAGE REPORT — {}\n",
        counted(r.items, "request", "requests")
    );
    let _ = writeln!(s, "Class mix");
    for c in &r.class_mix {
        if c.items > 0 {
            let _ = writeln!(
                s,
                "  {:<18} {:>5} {:>5}  deal value {:>12}",
                class_name(c.class),
                c.items,
                pct(c.share),
                common::deal(c.deal_value)
            );
        }
    }
    table_features(&mut s, r);
    table_special_cases(&mut s, r);
    table_signals(&mut s, r);
    s
}

/// The table's ranked features, each with the jobs its members state.
fn table_features(s: &mut String, r: &TriageReport) {
    let _ = writeln!(
        s,
        "\nCandidate common features (ranked by distinct customers, then deal value)"
    );
    let _ = writeln!(
        s,
        "  {:<11} {:>4} {:>5} {:>12}  {:<40} classes",
        "id", "cust", "items", "deal value", "name"
    );
    for f in &r.features {
        let x = &f.feature;
        let _ = writeln!(
            s,
            "  {:<11} {:>4} {:>5} {:>12}  {:<40} {}",
            x.id,
            x.distinct_customers,
            x.members.len(),
            common::deal(x.deal_value),
            common::cut(&x.name, 40),
            class_mix(&x.class_mix, Class::as_str)
        );
        for j in &f.jobs {
            let _ = writeln!(
                s,
                "  {:>36} job ({:?}, {}): {}",
                "",
                j.kind,
                plain(&j.item),
                common::cut(&j.text, 70)
            );
        }
    }
}

/// The table's special cases and the requests without a class.
fn table_special_cases(s: &mut String, r: &TriageReport) {
    let lone = r
        .special_cases
        .iter()
        .filter(|c| c.members.len() == 1)
        .count();
    let _ = writeln!(
        s,
        "\nCustom special cases: {} ({}, {} from a single customer)",
        r.special_cases.len(),
        counted(lone, "lone request", "lone requests"),
        counted(r.special_cases.len() - lone, "group", "groups")
    );
    for c in r.special_cases.iter().filter(|c| c.members.len() > 1) {
        let _ = writeln!(
            s,
            "  {:<11} {:>3} items  {}  [{}]",
            c.id,
            c.members.len(),
            common::cut(&c.name, 40),
            plain(&c.members.join(", "))
        );
    }
    let _ = writeln!(
        s,
        "\nNo class (the classifier abstained): {}",
        plain(&listed(&r.abstained, "none"))
    );
}

/// The table's portfolio signals.
fn table_signals(s: &mut String, r: &TriageReport) {
    let g = &r.signals;
    let _ = writeln!(s, "\nSignals");
    let _ = writeln!(
        s,
        "  alignment of market, sales and customer inputs: {} of {} features draw on two or more ({})",
        g.alignment.features_aligned,
        g.alignment.features_considered,
        g.alignment.share.map_or("n/a".into(), pct)
    );
    let _ = writeln!(
        s,
        "  market vs customer focus: {} shared across customers ({}), {}",
        counted(g.focus.shared_items, "item", "items"),
        pct(g.focus.shared_share),
        counted(g.focus.custom_items, "custom ask", "custom asks")
    );
    if let Some((c, k)) = &g.focus.top_customer {
        let _ = writeln!(
            s,
            "  loudest customer: {} with {} ({} of named)",
            plain(c),
            counted(*k, "item", "items"),
            pct(g.focus.top_customer_share)
        );
    }
    let _ = writeln!(
        s,
        "  sources: {}; internal share {}",
        channels(&g.sources),
        g.sources.internal_share.map_or("n/a".into(), pct)
    );
    let _ = writeln!(
        s,
        "  customer contact (distinct customers per month, flagged under {}):",
        g.cadence.threshold
    );
    for m in &g.cadence.months {
        let _ = writeln!(
            s,
            "    {} {:>3} {:<9} {:>4} {:<5}{}",
            m.month,
            m.customers,
            noun(m.customers, "customer", "customers"),
            m.items,
            noun(m.items, "item", "items"),
            if m.below { "  << below" } else { "" }
        );
    }
    if g.cadence.undated > 0 {
        let _ = writeln!(
            s,
            "    ({} without a date)",
            counted(g.cadence.undated, "item", "items")
        );
    }
    if g.cadence.out_of_range > 0 {
        let _ = writeln!(
            s,
            "    ({} dated years apart from the rest, not listed)",
            counted(g.cadence.out_of_range, "item", "items")
        );
    }
}

fn markdown(r: &TriageReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Triage report\n\n{}.\n\n## Class mix\n",
        counted(r.items, "request", "requests")
    );
    let _ = writeln!(
        s,
        "| class | requests | share | deal value |\n|---|---:|---:|---:|"
    );
    for c in r.class_mix.iter().filter(|c| c.items > 0) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            class_name(c.class),
            c.items,
            pct(c.share),
            common::deal(c.deal_value)
        );
    }
    markdown_features(&mut s, r);
    let _ = writeln!(
        s,
        "\n## Custom special cases\n\n{} ({}).",
        counted(r.special_cases.len(), "special case", "special cases"),
        counted(r.signals.focus.custom_items, "request", "requests")
    );
    let _ = writeln!(
        s,
        "\n## Not classified\n\n{}",
        markdown_cell(&listed(&r.abstained, "None."))
    );
    markdown_signals(&mut s, r);
    s
}

/// The Markdown ranked features, then the jobs behind each.
fn markdown_features(s: &mut String, r: &TriageReport) {
    let _ = writeln!(s, "\n## Candidate common features\n");
    let _ = writeln!(
        s,
        "| # | feature | customers | requests | deal value | classes | representative |\n|---:|---|---:|---:|---:|---|---|"
    );
    for (i, f) in r.features.iter().enumerate() {
        let x = &f.feature;
        let _ = writeln!(
            s,
            "| {} | **{}** (`{}`) | {} | {} | {} | {} | {} |",
            i + 1,
            markdown_cell(&x.name),
            x.id,
            x.distinct_customers,
            x.members.len(),
            common::deal(x.deal_value),
            class_mix(&x.class_mix, Class::title),
            markdown_cell(&x.representative)
        );
    }
    for f in r.features.iter().filter(|f| !f.jobs.is_empty()) {
        let _ = writeln!(
            s,
            "\n**Jobs behind “{}”**\n",
            markdown_cell(&f.feature.name)
        );
        for j in &f.jobs {
            let _ = writeln!(
                s,
                "- {} ({})",
                markdown_cell(&j.text),
                markdown_cell(&j.item)
            );
        }
    }
}

/// The Markdown portfolio signals.
fn markdown_signals(s: &mut String, r: &TriageReport) {
    let g = &r.signals;
    let _ = writeln!(s, "\n## Signals\n");
    let _ = writeln!(
        s,
        "- **Alignment** of market-driven, opportunistic and responsiveness inputs: {} of {} features draw on two or more ({}).",
        g.alignment.features_aligned,
        g.alignment.features_considered,
        g.alignment.share.map_or("n/a".into(), pct)
    );
    let _ = writeln!(
        s,
        "- **Market vs customer focus**: {} of the backlog is shared across customers; {} {} custom {}.",
        pct(g.focus.shared_share),
        counted(g.focus.custom_items, "request", "requests"),
        noun(g.focus.custom_items, "is a", "are"),
        noun(g.focus.custom_items, "ask", "asks")
    );
    let _ = writeln!(
        s,
        "- **Sources**: {} (internal share {}).",
        channels(&g.sources),
        g.sources.internal_share.map_or("n/a".into(), pct)
    );
    let below: Vec<&str> = g
        .cadence
        .months
        .iter()
        .filter(|m| m.below)
        .map(|m| m.month.as_str())
        .collect();
    let _ = writeln!(
        s,
        "- **Customer contact**: {} of {} months under {} distinct customers{}{}.",
        g.cadence.months_below,
        g.cadence.months.len(),
        g.cadence.threshold,
        if below.is_empty() {
            String::new()
        } else {
            format!(" ({})", below.join(", "))
        },
        match g.cadence.out_of_range {
            0 => String::new(),
            k => format!(
                "; {} dated years apart from the rest {} not listed",
                counted(k, "request", "requests"),
                noun(k, "is", "are")
            ),
        }
    );
}

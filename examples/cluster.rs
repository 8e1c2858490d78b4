//! Groups feedback items (JSON Lines or CSV) into ranked candidate features.
//!
//! ```text
//! cargo run --release --example cluster -- examples/data/sample.jsonl
//! cat items.jsonl | cargo run --release --example cluster -- --table
//! cargo run --release --example cluster -- items.csv --threshold 0.4 --min-customers 3 --output csv
//! ```
//!
//! Output (`--output jsonl`, the default): one JSON object per candidate
//! feature (`"kind": "feature"`), in rank order, then one per special case
//! (`"kind": "special_case"`); every input id is in exactly one object's
//! `members`. `--output csv` gives the same rows (members joined with `;`, a
//! `;` or `\` inside an id escaped with `\`),
//! `--table` (`--output table`) a ranked table and `--output markdown` a
//! Markdown one. Lines that are not valid items are reported on stderr with
//! their line numbers and skipped. Exit status: 0 when every line was used,
//! 1 when some lines were bad, 2 for a usage error or an unreadable input.
//!
//! `--state FILE` keeps a living backlog (see `common/state.rs`): the saved
//! backlog in FILE (when it exists) takes in the input's requests one at a
//! time, FILE is written back, and the output is the clustering of every
//! request seen so far (features keep their ids `F1`, `F2`, ... from run to
//! run) followed by this run's events: in JSON Lines one line per event
//! with an `"event"` key (`created`, `grew`, `merged`, `moved`, `split`,
//! `dissolved`), in CSV rows of kind `event:created` and so on, in a table
//! or Markdown a closing section. Features and special cases are named by
//! phrases their requests wrote, from the start of each request's text that
//! the state keeps. A request whose id is already in the state is a bad
//! line.

mod common;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use feedback_triage::{ClassMix, ClusterParams, Clusterer, Clustering, Event, SpecialReason};
use serde::Serialize;

use common::cli::{self, Fatal};
use common::output::{OutputFormat, counted, markdown_cell, noun};
use common::state::{self, Living};

/// Progress is shown from this many items on (when stderr is a terminal).
const LARGE: usize = 20_000;

/// Group similar requests into ranked candidate features.
#[derive(Parser)]
#[command(version, after_help = cli::EXIT_STATUSES)]
struct Args {
    #[command(flatten)]
    io: cli::Io,
    /// Similarity threshold for grouping (default: the library's).
    #[arg(long, value_name = "X")]
    threshold: Option<f64>,
    /// Distinct customers a group needs to be a candidate feature.
    #[arg(long, value_name = "N")]
    min_customers: Option<usize>,
    /// Keep a living backlog in FILE (JSON): load it, add the input, save it.
    #[arg(long, value_name = "FILE")]
    state: Option<String>,
}

fn main() -> ExitCode {
    cli::exit("cluster", run(Args::parse()))
}

fn run(args: Args) -> Result<bool, Fatal> {
    common::output::refuse_html("cluster", args.io.output_format())?;
    let mut params = ClusterParams::default();
    if let Some(t) = args.threshold {
        params = params.similarity_threshold(t);
    }
    if let Some(m) = args.min_customers {
        params = params.min_distinct_customers(m);
    }
    if let Some(state) = &args.state {
        return run_state(&args, state, params);
    }
    let clusterer = Clusterer::new(params)?;
    let name = args.io.name().to_string();
    let (rows, bad) = common::stream::read_all(args.io.path(), args.io.input_format())
        .map_err(|e| format!("{name}: {e}"))?;
    common::report_bad(args.io.path(), &bad);
    let progress = rows.len() >= LARGE && common::stderr_is_terminal();
    if progress {
        eprintln!("cluster: grouping {} items...", rows.len());
    }
    let t0 = Instant::now();
    let items: Vec<_> = rows.into_iter().map(|(_, item)| item).collect();
    let clustering = clusterer.cluster(&items)?;
    drop(items);
    if progress {
        eprintln!(
            "cluster: {} features, {} special cases in {:.1} s",
            clustering.features.len(),
            clustering.special_cases.len(),
            t0.elapsed().as_secs_f64()
        );
    }
    print(&args, &clustering, &[])?;
    summary(&bad);
    Ok(bad.is_empty())
}

/// `--state FILE`: load, insert, save, print everything and this run's events.
fn run_state(args: &Args, state: &str, params: ClusterParams) -> Result<bool, Fatal> {
    let mut living = Living::load(state, params)?;
    let name = args.io.name().to_string();
    let (rows, mut bad) = common::stream::read_all(args.io.path(), args.io.input_format())
        .map_err(|e| format!("{name}: {e}"))?;
    bad.extend(living.insert(rows));
    bad.sort_by_key(|b| b.line);
    common::report_bad(args.io.path(), &bad);
    let mut clustering = living.backlog.clustering();
    class_mixes(&mut clustering, &living.items);
    print(args, &clustering, living.events())?;
    // After the output: a run that could not write it leaves the state.
    state::write_state(state, &living.state_text()?)?;
    summary(&bad);
    Ok(bad.is_empty())
}

/// After the output, how many lines could not be read (as `triage` says).
fn summary(bad: &[common::BadLine]) {
    common::output::bad_lines_summary("cluster", bad.len());
}

/// Ids joined with `;` for one CSV cell; a `;` or `\` inside an id is
/// escaped with `\`, so that the cell splits back into the same ids.
fn joined(ids: &[String]) -> String {
    let mut out = String::new();
    for (k, id) in ids.iter().enumerate() {
        if k > 0 {
            out.push(';');
        }
        for c in id.chars() {
            if matches!(c, ';' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Counts each feature's class mix from its members' text.
fn class_mixes(c: &mut Clustering, items: &[feedback_triage::FeedbackItem]) {
    let classifier = feedback_triage::Classifier::builtin();
    let by_id: std::collections::HashMap<&str, &feedback_triage::FeedbackItem> =
        items.iter().map(|it| (it.id.as_str(), it)).collect();
    for f in &mut c.features {
        let mut mix = ClassMix::default();
        for m in &f.members {
            if let Some(it) = by_id.get(m.as_str()) {
                mix.add(classifier.class_of(it).ok().flatten());
            }
        }
        f.class_mix = mix;
    }
}

fn print(args: &Args, clustering: &Clustering, events: &[Event]) -> Result<(), Fatal> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let with_events = args.state.is_some();
    match args.io.output_format() {
        OutputFormat::Table | OutputFormat::Markdown => {
            if args.io.output_format() == OutputFormat::Table {
                table(&mut out, clustering)?;
            } else {
                markdown(&mut out, clustering)?;
            }
            if with_events {
                let h = if args.io.output_format() == OutputFormat::Markdown {
                    "## "
                } else {
                    ""
                };
                writeln!(out, "\n{h}Events of this run: {}", events.len())?;
                for e in events {
                    writeln!(out, "  {}", state::event_text(e))?;
                }
            }
        }
        OutputFormat::Jsonl | OutputFormat::Html => {
            lines(&mut out, clustering)?;
            for e in events {
                serde_json::to_writer(&mut out, &state::EventLine::from(e))?;
                out.write_all(b"\n")?;
            }
        }
        OutputFormat::Csv => csv_rows(&mut out, clustering, events)?,
    }
    out.flush()?;
    Ok(())
}

/// A feature's class mix, keys in alphabetical order (as the example has
/// always written them).
#[derive(Serialize)]
struct Mix {
    fault_correction: usize,
    market_driven: usize,
    necessity: usize,
    opportunistic: usize,
    responsiveness: usize,
    unclassified: usize,
}

impl From<&ClassMix> for Mix {
    fn from(m: &ClassMix) -> Mix {
        Mix {
            fault_correction: m.fault_correction,
            market_driven: m.market_driven,
            necessity: m.necessity,
            opportunistic: m.opportunistic,
            responsiveness: m.responsiveness,
            unclassified: m.unclassified,
        }
    }
}

/// One output line; keys in alphabetical order.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    class_mix: Option<Mix>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cohesion: Option<f64>,
    deal_value: f64,
    distinct_customers: usize,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_terms: Option<&'a [String]>,
    kind: &'static str,
    members: &'a [String],
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rank: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<SpecialReason>,
    representative: &'a str,
    size: usize,
}

/// The output rows: features in rank order, then special cases.
fn rows(c: &Clustering) -> impl Iterator<Item = Line<'_>> {
    let features = c.features.iter().enumerate().map(|(rank, f)| Line {
        class_mix: Some((&f.class_mix).into()),
        cohesion: Some(f.cohesion),
        deal_value: f.deal_value,
        distinct_customers: f.distinct_customers,
        id: &f.id,
        key_terms: Some(&f.key_terms),
        kind: "feature",
        members: &f.members,
        name: &f.name,
        rank: Some(rank + 1),
        reason: None,
        representative: &f.representative,
        size: f.members.len(),
    });
    let special = c.special_cases.iter().map(|s| Line {
        class_mix: None,
        cohesion: None,
        deal_value: s.deal_value,
        distinct_customers: s.distinct_customers,
        id: &s.id,
        key_terms: None,
        kind: "special_case",
        members: &s.members,
        name: &s.name,
        rank: None,
        reason: Some(s.reason),
        representative: &s.representative,
        size: s.members.len(),
    });
    features.chain(special)
}

fn lines(out: &mut impl Write, c: &Clustering) -> Result<(), Fatal> {
    for line in rows(c) {
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn csv_rows(out: &mut impl Write, c: &Clustering, events: &[Event]) -> Result<(), Fatal> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "kind",
        "rank",
        "id",
        "name",
        "size",
        "distinct_customers",
        "deal_value",
        "main_class",
        "cohesion",
        "representative",
        "members",
    ])?;
    for (line, mix) in rows(c).zip(
        c.features
            .iter()
            .map(|f| Some(&f.class_mix))
            .chain(c.special_cases.iter().map(|_| None)),
    ) {
        w.write_record([
            line.kind,
            &line.rank.map_or(String::new(), |r| r.to_string()),
            line.id,
            line.name,
            &line.size.to_string(),
            &line.distinct_customers.to_string(),
            // Empty for an overflowing sum, as for any absent value.
            &if line.deal_value.is_finite() {
                line.deal_value.to_string()
            } else {
                String::new()
            },
            mix.and_then(ClassMix::dominant).map_or("", |c| c.as_str()),
            &line.cohesion.map_or(String::new(), |c| format!("{c:.4}")),
            line.representative,
            &joined(line.members),
        ])?;
    }
    for e in events {
        let line = state::EventLine::from(e);
        w.write_record([
            &format!("event:{}", line.event),
            "",
            line.feature,
            &line.other(),
            &line.requests.len().to_string(),
            "",
            "",
            "",
            "",
            "",
            &line.requests.join(";"),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn markdown(out: &mut impl Write, c: &Clustering) -> Result<(), Fatal> {
    writeln!(
        out,
        "| rank | id | name | size | customers | deal value | main class | representative |\n|---:|---|---|---:|---:|---:|---|---|"
    )?;
    for (rank, f) in c.features.iter().enumerate() {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            rank + 1,
            f.id,
            markdown_cell(&f.name),
            f.members.len(),
            f.distinct_customers,
            common::deal(f.deal_value),
            f.class_mix.dominant().map_or("-", |c| c.as_str()),
            markdown_cell(&common::cut(&f.representative, 60))
        )?;
    }
    writeln!(
        out,
        "\n{}, {}.",
        counted(c.features.len(), "candidate feature", "candidate features"),
        counted(c.special_cases.len(), "special case", "special cases")
    )?;
    Ok(())
}

fn table(out: &mut impl Write, c: &Clustering) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>4}  {:<10}  {:<32}  {:>5}  {:>9}  {:>12}  {:<16}  {:>5}  representative",
        "rank", "id", "name", "size", "customers", "deal value", "main class", "coh."
    )?;
    for (rank, f) in c.features.iter().enumerate() {
        let class = f.class_mix.dominant().map_or("-", |c| c.as_str());
        writeln!(
            out,
            "{:>4}  {:<10}  {:<32}  {:>5}  {:>9}  {:>12}  {:<16}  {:>5.2}  {}",
            rank + 1,
            f.id,
            common::cut(&f.name, 32),
            f.members.len(),
            f.distinct_customers,
            common::deal(f.deal_value),
            class,
            f.cohesion,
            common::cut(&f.representative, 30)
        )?;
    }
    let alone = c
        .special_cases
        .iter()
        .filter(|s| s.members.len() == 1)
        .count();
    writeln!(
        out,
        "\n{}; {} ({}, {} from too few customers)",
        counted(c.features.len(), "candidate feature", "candidate features"),
        counted(c.special_cases.len(), "special case", "special cases"),
        counted(alone, "lone request", "lone requests"),
        counted(c.special_cases.len() - alone, "group", "groups")
    )?;
    for s in c.special_cases.iter().filter(|s| s.members.len() > 1) {
        writeln!(
            out,
            "  {:<10}  {:<32}  {:>5} items  {:>3} {}",
            s.id,
            common::cut(&s.name, 32),
            s.members.len(),
            s.distinct_customers,
            noun(s.distinct_customers, "customer", "customers")
        )?;
    }
    Ok(())
}

//! `--state FILE` for `cluster` and `triage`: a living backlog saved
//! between runs.
//!
//! The file is JSON: `{"state_version": 1, "backlog": <the library's saved
//! Backlog>, "items": [<every request inserted so far>]}`. The requests are
//! kept because the backlog keeps no text and the triage report needs it
//! (jobs, sources, cadence). A run loads the file when it exists (else
//! starts empty with the command line's parameters; a saved backlog keeps
//! its own), inserts the input's requests in input order (a repeated id,
//! already saved or earlier in the input, is a bad line), and writes the
//! file back atomically (a temporary file in the same folder, then a
//! rename), so an interrupted run leaves the old state whole.

#![allow(dead_code)] // each tool uses part of it

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use feedback_triage::{
    Backlog, ClusterParams, Clustering, Event, EventKind, FeedbackItem, SpecialCase,
};
use serde::{Deserialize, Serialize};

use super::BadLine;
use super::cli::Fatal;

/// The version of the state file's wrapper (the backlog has its own).
const STATE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    state_version: u32,
    backlog: Backlog,
    items: Vec<FeedbackItem>,
}

/// A backlog loaded (or new), with its requests and what it was before
/// this run.
pub struct Living {
    pub backlog: Backlog,
    /// Every request inserted so far, saved ones first, in insertion order.
    pub items: Vec<FeedbackItem>,
    /// The clustering when loaded (before this run's inserts).
    pub before: Clustering,
    /// The number of events when loaded: this run's are the rest.
    pub events_before: usize,
}

impl Living {
    /// Loads `path` when it exists, else an empty backlog with `params`.
    pub fn load(path: &str, params: ClusterParams) -> Result<Living, Fatal> {
        check_writable(path)?;
        let (backlog, items) = if Path::new(path).exists() {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            let f: StateFile = serde_json::from_str(&text)
                .map_err(|e| format!("{path}: not a state file: {e}"))?;
            if f.state_version != STATE_VERSION {
                return Err(Fatal(format!(
                    "{path}: state_version {} (this tool reads {STATE_VERSION})",
                    f.state_version
                )));
            }
            if f.items.len() != f.backlog.len() {
                return Err(Fatal(format!(
                    "{path}: {} requests for a backlog of {}",
                    f.items.len(),
                    f.backlog.len()
                )));
            }
            check_items(path, &f.backlog, &f.items)?;
            if f.backlog.params() != &params {
                eprintln!(
                    "{path}: the saved backlog keeps its own parameters (similarity threshold {}, \
                     min distinct customers {}); --threshold and --min-customers apply to a new \
                     state only",
                    f.backlog.params().similarity_threshold,
                    f.backlog.params().min_distinct_customers
                );
            }
            (f.backlog, f.items)
        } else {
            (Backlog::new(params)?, Vec::new())
        };
        Ok(Living {
            before: backlog.clustering(),
            events_before: backlog.events().len(),
            backlog,
            items,
        })
    }

    /// The saved backlog's parameters (a new state's are the caller's).
    pub fn params(&self) -> &ClusterParams {
        self.backlog.params()
    }

    /// Inserts the rows (line number, item) in order; a request the backlog
    /// refuses (a repeated id, an invalid item) is returned as a bad line.
    pub fn insert(&mut self, rows: Vec<(usize, FeedbackItem)>) -> Vec<BadLine> {
        let mut bad = Vec::new();
        for (line, item) in rows {
            match self.backlog.insert(&item) {
                Ok(_) => self.items.push(item),
                Err(e) => bad.push(BadLine {
                    line,
                    message: e.to_string(),
                }),
            }
        }
        bad
    }

    /// The state as saved (see [`write_state`]). The tools write it after
    /// their output: a run whose output could not be written (a full disk,
    /// a closed pipe) leaves the saved state as it was, so running it again
    /// adds the same requests and reports the same events.
    pub fn state_text(&self) -> Result<String, Fatal> {
        #[derive(Serialize)]
        struct Out<'a> {
            state_version: u32,
            backlog: &'a Backlog,
            items: &'a [FeedbackItem],
        }
        Ok(serde_json::to_string(&Out {
            state_version: STATE_VERSION,
            backlog: &self.backlog,
            items: &self.items,
        })?)
    }
}

/// Writes a state (from [`Living::state_text`]) to `path` atomically.
pub fn write_state(path: &str, text: &str) -> Result<(), Fatal> {
    let p = Path::new(path);
    let tmp = temporary(p);
    // Written in full and flushed to the disk before it replaces the
    // old state, so a crash leaves the old state or the new one; the
    // temporary file goes on any error. One writer at a time: two runs
    // on the same state at once keep only the later one's requests.
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!(
            "{path}: the state cannot be saved: {e} (writing {})",
            tmp.display()
        )
    })?;
    std::fs::rename(&tmp, p).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{path}: {e}")
    })?;
    Ok(())
}

/// The temporary file a state is written to before it replaces `path`.
fn temporary(p: &Path) -> std::path::PathBuf {
    let name = p
        .file_name()
        .map_or("state".into(), |n| n.to_string_lossy());
    p.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

/// Fails, before any work, when the state could not be saved at `path`
/// (its folder missing or read-only): the run's output would report events
/// of a state that is never saved.
fn check_writable(path: &str) -> Result<(), Fatal> {
    let tmp = temporary(Path::new(path));
    match std::fs::File::create(&tmp) {
        Ok(_) => {
            let _ = std::fs::remove_file(&tmp);
            Ok(())
        }
        Err(e) => Err(Fatal(format!(
            "{path}: the state cannot be saved here: {e}"
        ))),
    }
}

impl Living {
    /// This run's events.
    pub fn events(&self) -> &[Event] {
        &self.backlog.events()[self.events_before..]
    }

    /// What changed since the saved state, given the clustering now.
    pub fn changes(&self, now: &Clustering) -> Changes {
        let before: BTreeMap<&str, &feedback_triage::CandidateFeature> = self
            .before
            .features
            .iter()
            .map(|f| (f.id.as_str(), f))
            .collect();
        let mut new_features = Vec::new();
        let mut movers = Vec::new();
        for f in &now.features {
            match before.get(f.id.as_str()) {
                None => new_features.push(NewFeature {
                    id: f.id.clone(),
                    name: f.name.clone(),
                    customers: f.distinct_customers,
                    deal_value: f.deal_value,
                    requests: f.members.len(),
                }),
                Some(b)
                    if f.distinct_customers > b.distinct_customers
                        || f.deal_value > b.deal_value =>
                {
                    movers.push(Mover {
                        id: f.id.clone(),
                        name: f.name.clone(),
                        customers_before: b.distinct_customers,
                        customers_after: f.distinct_customers,
                        deal_value_before: b.deal_value,
                        deal_value_after: f.deal_value,
                        requests_before: b.members.len(),
                        requests_after: f.members.len(),
                    })
                }
                Some(_) => {}
            }
        }
        let (merges, splits, moved, dissolved) = history(self.events());
        let special_before: BTreeSet<&str> = special_ids(&self.before.special_cases).collect();
        let mut still_special = Vec::new();
        let mut new_special = Vec::new();
        for id in special_ids(&now.special_cases) {
            if special_before.contains(id) {
                still_special.push(id.to_string());
            } else {
                new_special.push(id.to_string());
            }
        }
        still_special.sort();
        new_special.sort();
        Changes {
            requests_before: self.before.len(),
            requests_added: now.len() - self.before.len(),
            new_features,
            movers,
            merges,
            splits,
            moved,
            dissolved,
            still_special,
            new_special,
        }
    }
}

/// The merges, the splits, the number of moves and the dissolved features
/// among `events`.
fn history(events: &[Event]) -> (Vec<Merge>, Vec<SplitChange>, usize, Vec<String>) {
    let (mut merges, mut splits, mut moved) = (Vec::new(), Vec::new(), 0);
    let mut dissolved = Vec::new();
    for e in events {
        match &e.kind {
            EventKind::Merged {
                absorbed,
                requests_absorbed,
            } => merges.push(Merge {
                feature: e.feature.clone(),
                absorbed: absorbed.clone(),
                requests_absorbed: *requests_absorbed,
                by: e.requests.clone(),
            }),
            EventKind::Split { from } => splits.push(SplitChange {
                feature: e.feature.clone(),
                from: from.clone(),
                requests: e.requests.len(),
            }),
            EventKind::Moved { .. } => moved += 1,
            EventKind::Dissolved => dissolved.push(e.feature.clone()),
            _ => {}
        }
    }
    (merges, splits, moved, dissolved)
}

fn special_ids(s: &[SpecialCase]) -> impl Iterator<Item = &str> {
    s.iter().flat_map(|c| c.members.iter().map(String::as_str))
}

/// What changed since the saved state (the triage report's `changes`).
#[derive(Serialize)]
pub struct Changes {
    /// Requests in the saved state.
    pub requests_before: usize,
    /// Requests this run added.
    pub requests_added: usize,
    /// Features that did not exist in the saved state.
    pub new_features: Vec<NewFeature>,
    /// Features that gained customers or deal value.
    pub movers: Vec<Mover>,
    /// Merges this run made.
    pub merges: Vec<Merge>,
    /// Features this run split (each half a new feature).
    pub splits: Vec<SplitChange>,
    /// Requests this run's consolidations moved into or out of a feature.
    pub moved: usize,
    /// Features whose requests moved away until they no longer met the
    /// feature rules (ids retired).
    pub dissolved: Vec<String>,
    /// Saved requests that are still special cases.
    pub still_special: Vec<String>,
    /// This run's requests that are special cases.
    pub new_special: Vec<String>,
}

#[derive(Serialize)]
pub struct NewFeature {
    pub id: String,
    pub name: String,
    pub customers: usize,
    pub deal_value: f64,
    pub requests: usize,
}

#[derive(Serialize)]
pub struct Mover {
    pub id: String,
    pub name: String,
    pub customers_before: usize,
    pub customers_after: usize,
    pub deal_value_before: f64,
    pub deal_value_after: f64,
    pub requests_before: usize,
    pub requests_after: usize,
}

#[derive(Serialize)]
pub struct Merge {
    /// The feature that kept its id.
    pub feature: String,
    /// The feature merged in (its id retired), or none for special cases.
    pub absorbed: Option<String>,
    pub requests_absorbed: usize,
    /// The request that bridged the two.
    pub by: Vec<String>,
}

#[derive(Serialize)]
pub struct SplitChange {
    /// The new feature (one half).
    pub feature: String,
    /// The feature split (its id retired).
    pub from: String,
    pub requests: usize,
}

impl Changes {
    /// The changes as a text section (`markdown`: Markdown, else plain).
    pub fn section(&self, markdown: bool) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let (h, h3, item) = if markdown {
            ("## ", "### ", "- ")
        } else {
            ("", "", "  ")
        };
        // Request text (names, ids) as the format shows it safely.
        let t = |x: &str| {
            if markdown {
                super::output::markdown_cell(x)
            } else {
                super::output::plain(x)
            }
        };
        let _ = writeln!(
            s,
            "\n{h}Changes since the saved state ({} requests saved, {} added)\n",
            self.requests_before, self.requests_added
        );
        let _ = writeln!(s, "{h3}New features: {}", self.new_features.len());
        for f in &self.new_features {
            let _ = writeln!(
                s,
                "{item}{} {}: {} customers, {} requests, deal value {:.0}",
                f.id,
                t(&f.name),
                f.customers,
                f.requests,
                f.deal_value
            );
        }
        let _ = writeln!(s, "{h3}Movers: {}", self.movers.len());
        for m in &self.movers {
            let _ = writeln!(
                s,
                "{item}{} {}: customers {} -> {}, deal value {:.0} -> {:.0}, requests {} -> {}",
                m.id,
                t(&m.name),
                m.customers_before,
                m.customers_after,
                m.deal_value_before,
                m.deal_value_after,
                m.requests_before,
                m.requests_after
            );
        }
        self.history_section(&mut s, h3, item, &t);
        let _ = writeln!(
            s,
            "{h3}Still special cases: {} saved requests ({}); {} new ({})",
            self.still_special.len(),
            t(&super::cut(&self.still_special.join(", "), 200)),
            self.new_special.len(),
            t(&super::cut(&self.new_special.join(", "), 200))
        );
        s
    }

    /// The merges and splits of [`section`](Self::section), under
    /// headings that start with `h3`.
    fn history_section(&self, s: &mut String, h3: &str, item: &str, t: &dyn Fn(&str) -> String) {
        use std::fmt::Write as _;
        let _ = writeln!(s, "{h3}Merges: {}", self.merges.len());
        for m in &self.merges {
            let _ = writeln!(
                s,
                "{item}{} absorbed {} ({} requests), bridged by {}",
                m.feature,
                m.absorbed.as_deref().unwrap_or("special cases"),
                m.requests_absorbed,
                t(&m.by.join(", "))
            );
        }
        let _ = writeln!(
            s,
            "{h3}Splits: {}; moves by consolidation into or out of features: {}; dissolved: {}",
            self.splits.len(),
            self.moved,
            if self.dissolved.is_empty() {
                "none".to_string()
            } else {
                self.dissolved.join(", ")
            }
        );
        for m in &self.splits {
            let _ = writeln!(
                s,
                "{item}{} split from {} ({} requests)",
                m.feature, m.from, m.requests
            );
        }
    }
}

/// One event as a JSON line: `{"event":
/// "created"|"grew"|"merged"|"moved"|"split"|"dissolved", "at", "feature", "requests",
/// for a merge "absorbed", "requests_absorbed", for a move "from" and "to"
/// (null: special cases), for a split "from"}`.
#[derive(Serialize)]
pub struct EventLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absorbed: Option<&'a str>,
    pub at: u64,
    pub event: &'static str,
    pub feature: &'a str,
    /// A move's ends: `Some(None)` is special cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Option<&'a str>>,
    pub requests: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_absorbed: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Option<&'a str>>,
}

impl<'a> From<&'a Event> for EventLine<'a> {
    fn from(e: &'a Event) -> EventLine<'a> {
        let mut line = EventLine {
            absorbed: None,
            at: e.at,
            event: "other",
            feature: &e.feature,
            from: None,
            requests: &e.requests,
            requests_absorbed: None,
            to: None,
        };
        match &e.kind {
            EventKind::Created => line.event = "created",
            EventKind::Grew => line.event = "grew",
            EventKind::Merged {
                absorbed,
                requests_absorbed,
            } => {
                line.event = "merged";
                line.absorbed = absorbed.as_deref();
                line.requests_absorbed = Some(*requests_absorbed);
            }
            EventKind::Moved { from, to } => {
                line.event = "moved";
                line.from = Some(from.as_deref());
                line.to = Some(to.as_deref());
            }
            EventKind::Split { from } => {
                line.event = "split";
                line.from = Some(Some(from));
            }
            EventKind::Dissolved => line.event = "dissolved",
            _ => {}
        }
        line
    }
}

impl EventLine<'_> {
    /// The other party of the event, for one column: the feature a merge
    /// absorbed, a move's ends (`F2->F5`, `special->F5`), the feature a
    /// split came from.
    pub fn other(&self) -> String {
        match (self.from, self.to) {
            (Some(from), Some(to)) => {
                format!("{}->{}", from.unwrap_or("special"), to.unwrap_or("special"))
            }
            (Some(from), None) => from.unwrap_or("").to_string(),
            _ => self.absorbed.unwrap_or("").to_string(),
        }
    }
}

/// An event in words, for tables and Markdown.
pub fn event_text(e: &Event) -> String {
    let line = EventLine::from(e);
    let what = match (line.event, line.absorbed) {
        ("merged", Some(a)) => format!("merged {a} in"),
        ("merged", None) => format!(
            "merged {} special cases in",
            line.requests_absorbed.unwrap_or(0)
        ),
        ("moved", _) => format!("moved ({}: consolidation)", line.other()),
        ("split", _) => format!("split from {}", line.other()),
        (w, _) => w.to_string(),
    };
    format!(
        "{} {what} (request #{}: {})",
        e.feature,
        e.at,
        super::cut(&e.requests.join(", "), 120)
    )
}

/// `triage --state FILE`: loads the state, inserts the rows, saves it and
/// builds the report over every request seen so far from the backlog's
/// clustering, with what changed since the saved state. Returns the bad
/// lines (the backlog's refusals) too.
/// The saved requests are the backlog's: each id once, each in the backlog
/// (the counts were compared), so no member of a feature lacks its text.
fn check_items(path: &str, backlog: &Backlog, items: &[FeedbackItem]) -> Result<(), Fatal> {
    let mut seen = std::collections::HashSet::new();
    for it in items {
        if !seen.insert(it.id.as_str()) || !backlog.contains(&it.id) {
            return Err(Fatal(format!(
                "{path}: the saved request {:?} is repeated or not in the saved backlog",
                it.id
            )));
        }
    }
    Ok(())
}

pub fn triage_report(
    triage: &feedback_triage::Triage,
    path: &str,
    rows: Vec<(usize, FeedbackItem)>,
) -> Result<StateReport, Fatal> {
    let mut living = Living::load(path, triage.clusterer().params().clone())?;
    let bad = living.insert(rows);
    let saved = living.state_text()?;
    let clustering = living.backlog.clustering();
    let changes = living.changes(&clustering);
    let report = triage.report_clustered(&living.items, clustering)?;
    Ok(StateReport {
        report,
        changes,
        bad,
        params: living.params().clone(),
        items: living.items,
        saved,
    })
}

/// What `triage --state` reports: the report over everything seen, what
/// changed, the input lines refused, and every request seen (for the HTML
/// page).
pub struct StateReport {
    pub report: feedback_triage::TriageReport,
    pub changes: Changes,
    pub bad: Vec<BadLine>,
    /// The clustering parameters the backlog keeps.
    pub params: ClusterParams,
    pub items: Vec<FeedbackItem>,
    /// The state to save once the report is written ([`write_state`]).
    pub saved: String,
}

/// The report as pretty JSON with a `changes` object added.
pub fn report_json(
    report: &feedback_triage::TriageReport,
    changes: &Changes,
) -> Result<String, Fatal> {
    /// The report's own fields in their order, then `changes`.
    #[derive(serde::Serialize)]
    struct WithChanges<'a> {
        #[serde(flatten)]
        report: &'a feedback_triage::TriageReport,
        changes: &'a Changes,
    }
    Ok(serde_json::to_string_pretty(&WithChanges { report, changes })? + "\n")
}

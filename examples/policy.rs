//! Work with policies: dump the default, check a file, report on rules over
//! data, lint, compare two policies, and learn a policy from labelled data.
//!
//! ```text
//! cargo run --example policy -- dump [--toml]                  # the default policy, JSON or TOML
//! cargo run --example policy -- dump --hand-written            # its hand-written rules alone
//! cargo run --example policy -- check FILE                     # validate; every error; exit 1 on any
//! cargo run --example policy -- report FILE.jsonl --labels MAP [--policy P] [--strict]
//! cargo run --example policy -- lint [--policy P]              # validate, then warn; exit 1 if invalid
//! cargo run --example policy -- diff --policy A [--against B] FILE.jsonl [--examples N]
//! cargo run --release --example policy -- learn FILE.jsonl --labels MAP [--folds K]
//!         [--out FILE] [--merge-into P] [--max-ngram N] [--min-df N] [--l2 X]
//!         [--length-norm B] [--search off|inner_cv]
//! ```
//!
//! `learn` uses `LearnParams::default()` (min-df 1, l2 0.5, length-norm 0.2,
//! search off: chosen on the GitHub and security sets, see its docs) unless
//! a flag says otherwise.
//!
//! Output is JSON for scripts; `--table` prints it for people instead. A
//! policy file is JSON or TOML, by extension. `--against` defaults to the
//! embedded policy. Labels come from each line's `label` field; items whose
//! label is not in the map are skipped and counted (`--strict` makes that an
//! error naming the label). `policy --help` and `policy SUBCOMMAND --help`
//! list every flag and the exit statuses.

mod common;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use feedback_triage::{
    Class, ClassBalance, Classifier, Diff, Evidence, EvidenceKind, FeatureValues, LabelMap,
    Labelled, LearnParams, Learner, Policy, PriorTuning, RuleStats, Search, UnknownLabels, lint,
};

use common::cli::{self, Fatal};

/// The exit statuses, shown at the end of `--help`.
const EXIT_STATUSES: &str = "Exit status:
  0  the policy is valid (check, lint); every input line was read (report, diff, learn)
  1  check, lint: the policy is invalid (every error is printed); report, diff, learn: some input lines were bad (each reported on stderr with its line number; the others were used)
  2  usage error, unreadable input or policy file (report, diff, learn: also an invalid one), or output that could not be written";

/// Work with classification policies: dump the default, check, lint,
/// report on rules over labelled data, compare two policies, learn one.
#[derive(Parser)]
#[command(version, after_help = EXIT_STATUSES)]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Print the embedded default policy as JSON (or TOML).
    #[command(after_help = EXIT_STATUSES)]
    Dump {
        /// TOML instead of JSON.
        #[arg(long)]
        toml: bool,
        /// Only the hand-written rules, with the default settings they were
        /// written for: no learned layer. About 1.5x faster to classify with,
        /// and less accurate (five_class macro-F1 0.658 out of fold, against
        /// 0.844; see docs/speed-classify.md).
        #[arg(long)]
        hand_written: bool,
    },
    /// Validate a policy file (JSON or TOML) and print every error.
    #[command(after_help = EXIT_STATUSES)]
    Check {
        /// The policy file.
        #[arg(value_name = "FILE")]
        file: String,
        /// Print for people instead of JSON.
        #[arg(long)]
        table: bool,
    },
    /// Per rule: coverage, overlaps, conflicts and precision on labelled items.
    #[command(after_help = EXIT_STATUSES)]
    Report {
        #[command(flatten)]
        data: LabelledArgs,
        /// Policy file (JSON or TOML) instead of the embedded default.
        #[arg(long, value_name = "P")]
        policy: Option<String>,
        /// Print for people instead of JSON.
        #[arg(long)]
        table: bool,
    },
    /// Validate a policy (the embedded default without --policy), then list
    /// its warnings without data.
    #[command(after_help = EXIT_STATUSES)]
    Lint {
        /// Policy file (JSON or TOML) instead of the embedded default.
        #[arg(long, value_name = "P")]
        policy: Option<String>,
        /// Print for people instead of JSON.
        #[arg(long)]
        table: bool,
    },
    /// Which requests change class from policy A to policy B.
    #[command(after_help = EXIT_STATUSES)]
    Diff {
        /// The requests (JSON Lines).
        #[arg(value_name = "FILE.jsonl")]
        file: String,
        /// Policy A (JSON or TOML).
        #[arg(long, value_name = "A")]
        policy: String,
        /// Policy B (default: the embedded policy).
        #[arg(long, value_name = "B")]
        against: Option<String>,
        /// Examples per changed cell.
        #[arg(
            long,
            value_name = "N",
            default_value_t = 3,
            allow_negative_numbers = true
        )]
        examples: usize,
        /// Print for people instead of JSON.
        #[arg(long)]
        table: bool,
    },
    /// Learn a policy from labelled requests.
    #[command(after_help = EXIT_STATUSES)]
    Learn(LearnArgs),
}

/// A labelled data file and how its labels map to classes.
#[derive(clap::Args)]
struct LabelledArgs {
    /// The requests (JSON Lines), each with a `label` field.
    #[arg(value_name = "FILE.jsonl")]
    file: String,
    /// Labels to classes, e.g. Bug=fault_correction,Feature=market_driven.
    #[arg(long, value_name = "MAP")]
    labels: String,
    /// An item whose label is not in the map is an error (default: skipped and counted).
    #[arg(long)]
    strict: bool,
}

/// `policy learn`'s flags; each given replaces its `LearnParams` field.
#[derive(clap::Args)]
struct LearnArgs {
    #[command(flatten)]
    data: LabelledArgs,
    /// Cross-validate with K folds (2 or more).
    #[arg(long, value_name = "K", allow_negative_numbers = true)]
    folds: Option<usize>,
    /// Write the learned policy to FILE (TOML when it ends in .toml, else JSON).
    #[arg(long, value_name = "FILE")]
    out: Option<String>,
    /// Merge the learned rules into policy P (its rules of the same id are kept).
    #[arg(long, value_name = "P")]
    merge_into: Option<String>,
    /// Longest phrase, in words.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    max_ngram: Option<usize>,
    /// Documents a term must occur in.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    min_df: Option<usize>,
    /// L2 regularisation.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    l2: Option<f64>,
    /// Most keywords per class.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    max_keywords: Option<usize>,
    /// Smallest keyword weight kept.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    min_weight: Option<f64>,
    /// Length normalisation beta: finite, at least 0 (0 turns it off).
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    length_norm: Option<f64>,
    /// Feature values, by serde name (see `FeatureValues`).
    #[arg(long, value_name = "NAME", value_parser = serde_name::<FeatureValues>)]
    values: Option<FeatureValues>,
    /// Class balance, by serde name (see `ClassBalance`).
    #[arg(long, value_name = "NAME", value_parser = serde_name::<ClassBalance>)]
    balance: Option<ClassBalance>,
    /// Parameter search: off or inner_cv.
    #[arg(long, value_name = "NAME", value_parser = serde_name::<Search>)]
    search: Option<Search>,
    /// Prior tuning, by serde name (see `PriorTuning`).
    #[arg(long, value_name = "NAME", value_parser = serde_name::<PriorTuning>)]
    priors: Option<PriorTuning>,
    /// Print for people instead of JSON.
    #[arg(long)]
    table: bool,
}

/// A choice read by its serde name (`--balance weighted`).
fn serde_name<T: serde::de::DeserializeOwned>(v: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(v.to_string())).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    cli::exit("policy", run(Args::parse()))
}

/// Runs a subcommand: `Ok(true)` exit 0, `Ok(false)` 1, an error 2.
fn run(args: Args) -> Result<bool, Fatal> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let ok = match args.cmd {
        Cmd::Dump { toml, hand_written } => dump(toml, hand_written, &mut out),
        Cmd::Check { file, table } => check(&file, table, &mut out),
        Cmd::Report {
            data,
            policy,
            table,
        } => report(&data, policy.as_deref(), table, &mut out),
        Cmd::Lint { policy, table } => lint_policy(policy.as_deref(), table, &mut out),
        Cmd::Diff {
            file,
            policy,
            against,
            examples,
            table,
        } => {
            let policies = (policy.as_str(), against.as_deref());
            diff(&file, policies, examples, table, &mut out)
        }
        Cmd::Learn(args) => learn(&args, &mut out),
    }?;
    out.flush()?;
    Ok(ok)
}

/// `policy dump`: the embedded default as JSON or TOML; with
/// `hand_written`, its hand-written rules alone with the default settings.
fn dump(toml: bool, hand_written: bool, out: &mut impl Write) -> Result<bool, Fatal> {
    let policy = if hand_written {
        Policy::builtin_hand_written()
    } else {
        Policy::builtin()
    };
    if toml {
        write!(out, "{}", to_toml(&policy)?)?;
    } else {
        writeln!(out, "{}", to_json(&policy)?)?;
    }
    Ok(true)
}

/// `policy lint`: the warnings of a policy file or the embedded default,
/// once it validates; an invalid policy's errors (as `check` gives them)
/// go to stderr, and the status is 1.
fn lint_policy(path: Option<&str>, table: bool, out: &mut impl Write) -> Result<bool, Fatal> {
    let policy = match path {
        Some(p) => match validated(p)? {
            (Some(policy), errors) if errors.is_empty() => policy,
            (_, errors) => {
                for e in &errors {
                    eprintln!("{}", located(p, e));
                }
                eprintln!(
                    "policy: {p}: invalid policy ({} errors): not linted",
                    errors.len()
                );
                return Ok(false);
            }
        },
        None => Policy::builtin(),
    };
    let warnings = lint(&policy);
    if table {
        for w in &warnings {
            writeln!(out, "{w}")?;
        }
        writeln!(out, "{} warning(s)", warnings.len())?;
    } else {
        writeln!(out, "{}", to_json(&warnings)?)?;
    }
    Ok(true)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string_pretty(v).map_err(|e| e.to_string())
}

fn to_toml(p: &Policy) -> Result<String, String> {
    toml::to_string(p).map_err(|e| format!("cannot write TOML: {e}"))
}

/// Writes a policy as JSON, or TOML when the path ends in `.toml`.
fn write_policy(path: &str, p: &Policy) -> Result<(), String> {
    let text = if path.ends_with(".toml") {
        to_toml(p)?
    } else {
        to_json(p)? + "\n"
    };
    std::fs::write(path, text).map_err(|e| format!("{path}: {e}"))
}

fn load_classifier(path: Option<&str>) -> Result<Classifier, String> {
    match path {
        None => Ok(Classifier::builtin()),
        Some(p) => {
            let policy = common::read_policy(p)?;
            Classifier::new(&policy).map_err(|e| format!("{p}: {e}"))
        }
    }
}

/// A policy file parsed and validated: the policy when it parses, and every
/// error (not UTF-8, not JSON or TOML, invalid). A file that cannot be read
/// at all is an error (exit 2).
fn validated(path: &str) -> Result<(Option<Policy>, Vec<String>), Fatal> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Ok((None, vec![format!("{path}: not UTF-8 text: {e}")])),
    };
    Ok(match common::policy_text::parse_policy_all(path, &text) {
        Err(e) => (None, e),
        Ok(p) => {
            let errors = match p.validate() {
                Ok(()) => Vec::new(),
                Err(errs) => errs.iter().map(|e| e.to_string()).collect(),
            };
            (Some(p), errors)
        }
    })
}

/// An error as `check --table` prints it: naming the file once.
fn located(path: &str, e: &str) -> String {
    // Read errors already name the file.
    if e.starts_with(path) {
        e.to_string()
    } else {
        format!("{path}: {e}")
    }
}

fn check(path: &str, table: bool, out: &mut impl Write) -> Result<bool, Fatal> {
    let (policy, errors) = validated(path)?;
    let rules = policy.map_or(0, |p| p.rules.len());
    if table {
        if errors.is_empty() {
            writeln!(out, "{path}: ok ({rules} rules)")?;
        }
        for e in &errors {
            writeln!(out, "{}", located(path, e))?;
        }
    } else {
        let v = serde_json::json!({ "file": path, "ok": errors.is_empty(), "rules": rules, "errors": errors });
        writeln!(out, "{v}")?;
    }
    Ok(errors.is_empty())
}

/// A labelled data file: items, line indexes and labels, and how many
/// lines could not be read (each reported on stderr).
struct LabelledFile {
    items: Vec<(usize, feedback_triage::FeedbackItem, Option<String>)>,
    map: LabelMap,
    bad: usize,
}

fn read_labelled(args: &LabelledArgs) -> Result<LabelledFile, Fatal> {
    let map: LabelMap = args.labels.parse().map_err(|e| format!("--labels: {e}"))?;
    let missing = map.missing_classes();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
        eprintln!(
            "policy: note: the label map leaves {} without items",
            names.join(", ")
        );
    }
    let path = args.file.as_str();
    let (items, bad) = common::read_items(Some(path)).map_err(|e| format!("{path}: {e}"))?;
    report_bad(path, &bad);
    let items = items
        .into_iter()
        .map(|(line, item, raw)| {
            let label = raw.get("label").and_then(|l| l.as_str()).map(String::from);
            (line - 1, item, label)
        })
        .collect();
    Ok(LabelledFile {
        items,
        map,
        bad: bad.len(),
    })
}

/// Reports bad lines on stderr, then how many there were.
fn report_bad(path: &str, bad: &[common::BadLine]) {
    common::report_bad(Some(path), bad);
    common::output::bad_lines_summary("policy", bad.len());
}

fn unknown_labels(args: &LabelledArgs) -> UnknownLabels {
    if args.strict {
        UnknownLabels::Error
    } else {
        UnknownLabels::Skip
    }
}

fn learn(args: &LearnArgs, out: &mut impl Write) -> Result<bool, Fatal> {
    let path = args.data.file.as_str();
    let data = read_labelled(&args.data)?;
    let mode = unknown_labels(&args.data);
    let mut items = Vec::new();
    let mut skipped = 0usize;
    for (index, item, label) in &data.items {
        match data
            .map
            .resolve(label.as_deref(), mode)
            .map_err(|e| format!("{path}: line {}: {e}", index + 1))?
        {
            Some(classes) => items.push(Labelled::new(*index, &item.title, &item.body, classes[0])),
            None => skipped += 1,
        }
    }
    let learner = Learner::new(learn_params(args))?;
    let started = std::time::Instant::now();
    let mut policy = learner.learn(&items)?;
    let learn_secs = started.elapsed().as_secs_f64();
    // Counted before any merge: what was learned, not the base's keywords.
    let keywords = policy.rules.iter().map(|r| r.keywords.len()).sum();
    let cv = match args.folds {
        Some(k) => Some(
            learner
                .cross_validate(&items, k)
                .map_err(|e| format!("--folds {k}: {e}"))?,
        ),
        None => None,
    };
    let mut skipped_rules = Vec::new();
    if let Some(base) = &args.merge_into {
        let mut merged = common::read_policy(base)?;
        skipped_rules = merged
            .merge(policy)
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>();
        policy = merged;
        policy
            .validate()
            .map_err(|e| format!("merged policy: {e}"))?;
    }
    if let Some(path) = &args.out {
        write_policy(path, &policy)?;
    }
    let run = LearnRun {
        path,
        items: items.len(),
        skipped,
        learn_secs,
        keywords,
        policy: &policy,
        skipped_rules: &skipped_rules,
        cv: cv.as_ref(),
        written: args.out.is_some(),
    };
    if args.table {
        run.print_table(out)?;
    } else {
        writeln!(out, "{}", run.json()?)?;
    }
    Ok(data.bad == 0)
}

/// The learner's parameters: the defaults, with each flag given replacing
/// its field (validated by `Learner::new`).
fn learn_params(args: &LearnArgs) -> LearnParams {
    let mut p = LearnParams::default();
    p.max_ngram = args.max_ngram.unwrap_or(p.max_ngram);
    p.min_doc_freq = args.min_df.unwrap_or(p.min_doc_freq);
    p.l2 = args.l2.unwrap_or(p.l2);
    p.max_keywords = args.max_keywords.unwrap_or(p.max_keywords);
    p.min_weight = args.min_weight.unwrap_or(p.min_weight);
    p.length_norm = args.length_norm.unwrap_or(p.length_norm);
    p.values = args.values.unwrap_or(p.values);
    p.balance = args.balance.unwrap_or(p.balance);
    p.search = args.search.unwrap_or(p.search);
    p.priors = args.priors.unwrap_or(p.priors);
    p
}

/// What `policy learn` did, for its table or JSON output.
struct LearnRun<'a> {
    path: &'a str,
    items: usize,
    skipped: usize,
    learn_secs: f64,
    /// Learned keywords (before a merge).
    keywords: usize,
    policy: &'a Policy,
    skipped_rules: &'a [String],
    cv: Option<&'a feedback_triage::CrossValidation>,
    written: bool,
}

impl LearnRun<'_> {
    fn print_table(&self, out: &mut impl Write) -> Result<(), Fatal> {
        writeln!(
            out,
            "{}: learned from {} items ({} skipped) in {:.2}s: {} rules, {} keywords",
            self.path,
            self.items,
            self.skipped,
            self.learn_secs,
            self.policy.rules.len(),
            self.keywords
        )?;
        if !self.skipped_rules.is_empty() {
            writeln!(
                out,
                "  rules already in the base policy, kept as they were: {}",
                self.skipped_rules.join(", ")
            )?;
        }
        if let Some(cv) = self.cv {
            print_cross_validation(cv, out)?;
        }
        if !self.written {
            writeln!(out, "  (no --out: policy not written)")?;
        }
        Ok(())
    }

    fn json(&self) -> Result<serde_json::Value, String> {
        let mut v = serde_json::json!({
            "file": self.path,
            "items": self.items,
            "skipped": self.skipped,
            "seconds": self.learn_secs,
            "rules": self.policy.rules.len(),
            "keywords": self.keywords,
            "merged_skipped_rules": self.skipped_rules,
            "cross_validation": self.cv,
        });
        if !self.written {
            v["policy"] = serde_json::to_value(self.policy).map_err(|e| e.to_string())?;
        }
        Ok(v)
    }
}

fn print_cross_validation(
    cv: &feedback_triage::CrossValidation,
    out: &mut impl Write,
) -> Result<(), Fatal> {
    writeln!(
        out,
        "  {:>4} {:>6} {:>6} {:>8} {:>8} {:>8}",
        "fold", "train", "test", "macroF1", "accuracy", "keywords"
    )?;
    for f in &cv.per_fold {
        writeln!(
            out,
            "  {:>4} {:>6} {:>6} {:>8.4} {:>8.4} {:>8}",
            f.fold, f.train, f.test, f.macro_f1, f.accuracy, f.keywords
        )?;
    }
    writeln!(
        out,
        "  mean macro-F1 {:.4}  mean accuracy {:.4}  pooled macro-F1 {:.4}",
        cv.mean_macro_f1, cv.mean_accuracy, cv.pooled.macro_f1
    )?;
    for c in Class::ALL {
        let m = &cv.pooled.per_class[c.index()];
        if m.support > 0 {
            writeln!(
                out,
                "    {:<17} P {:.3} R {:.3} F1 {:.3}",
                c.as_str(),
                m.precision,
                m.recall,
                m.f1
            )?;
        }
    }
    Ok(())
}

fn report(
    args: &LabelledArgs,
    policy: Option<&str>,
    table: bool,
    out: &mut impl Write,
) -> Result<bool, Fatal> {
    let path = args.file.as_str();
    let classifier = load_classifier(policy)?;
    let data = read_labelled(args)?;
    let mode = unknown_labels(args);
    let mut stats = RuleStats::new(classifier.policy());
    let mut unlabelled = 0usize;
    for (index, item, label) in &data.items {
        let truth = data
            .map
            .resolve(label.as_deref(), mode)
            .map_err(|e| format!("{path}: line {}: {e}", index + 1))?;
        if truth.is_none() {
            unlabelled += 1;
        }
        let c = classifier
            .classify(item)
            .map_err(|e| format!("{path}: line {}: {e}", index + 1))?;
        stats.add(truth, &c);
    }
    let r = stats.finish();
    if !table {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "file": path, "unlabelled": unlabelled, "report": r })
        )?;
        return Ok(data.bad == 0);
    }
    print_report_table(path, unlabelled, &r, out)?;
    Ok(data.bad == 0)
}

/// `policy report --table`.
fn print_report_table(
    path: &str,
    unlabelled: usize,
    r: &feedback_triage::RuleReport,
    out: &mut impl Write,
) -> Result<(), Fatal> {
    writeln!(
        out,
        "{path}: {} items, {} labelled ({unlabelled} without a mapped label)",
        r.items, r.labelled
    )?;
    writeln!(
        out,
        "  {:<34} {:<16} {:>6} {:>8} {:>6} {:>9} {:>9}  top overlaps",
        "rule", "class", "fired", "coverage", "vetoed", "precision", "conflicts"
    )?;
    for s in &r.rules {
        let overlaps: Vec<String> = s
            .overlaps
            .iter()
            .map(|o| format!("{}({})", o.rule, o.items))
            .collect();
        writeln!(
            out,
            "  {:<34} {:<16} {:>6} {:>8.3} {:>6} {:>9} {:>9}  {}",
            common::cut(&s.rule, 34),
            s.class.as_str(),
            s.fired,
            s.coverage,
            s.vetoed,
            s.precision.map_or("-".to_string(), |p| format!("{p:.3}")),
            s.conflicts,
            overlaps.join(" ")
        )?;
    }
    if !r.never_fired.is_empty() {
        writeln!(out, "  never fired: {}", r.never_fired.join(", "))?;
    }
    for c in &r.classes {
        let rules: Vec<String> = c
            .rules
            .iter()
            .take(5)
            .map(|s| format!("{} {:.0}%", s.rule, 100.0 * s.share))
            .collect();
        writeln!(
            out,
            "  {} ({} correct) carried by: {}",
            c.class,
            c.correct,
            rules.join(", ")
        )?;
    }
    Ok(())
}

fn diff(
    path: &str,
    (a_path, b_path): (&str, Option<&str>),
    examples: usize,
    table: bool,
    out: &mut impl Write,
) -> Result<bool, Fatal> {
    let before = load_classifier(Some(a_path))?;
    let after = load_classifier(b_path)?;
    let (items, bad) = common::read_items(Some(path)).map_err(|e| format!("{path}: {e}"))?;
    report_bad(path, &bad);
    let mut d = Diff::new(examples);
    for (line, item, _) in &items {
        let a = before
            .classify(item)
            .map_err(|e| format!("{path}:{line}: {e}"))?;
        let b = after
            .classify(item)
            .map_err(|e| format!("{path}:{line}: {e}"))?;
        d.add(&item.id, &a, &b);
    }
    let d = d.finish();
    let against = b_path.unwrap_or("<builtin>");
    if !table {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "file": path, "policy": a_path, "against": against, "diff": d })
        )?;
        return Ok(bad.is_empty());
    }
    writeln!(
        out,
        "{path}: {} of {} items change class from {a_path} to {against}",
        d.changed, d.items
    )?;
    let name = |c: Option<Class>| c.map_or("none", Class::as_str);
    write!(out, "  {:<17}", "from \\ to")?;
    for t in 0..6 {
        write!(out, " {:>8}", cut_class(t))?;
    }
    writeln!(out)?;
    for f in 0..6 {
        if d.matrix[f].iter().sum::<usize>() == 0 {
            continue;
        }
        write!(out, "  {:<17}", cut_class(f))?;
        for t in 0..6 {
            write!(out, " {:>8}", d.matrix[f][t])?;
        }
        writeln!(out)?;
    }
    for cell in &d.cells {
        writeln!(
            out,
            "  {} -> {}: {}",
            name(cell.from),
            name(cell.to),
            cell.count
        )?;
        for e in &cell.examples {
            writeln!(out, "    {}", e.id)?;
            writeln!(out, "      before: {}", evidence_line(&e.before))?;
            writeln!(out, "      after:  {}", evidence_line(&e.after))?;
        }
    }
    Ok(bad.is_empty())
}

fn cut_class(i: usize) -> &'static str {
    [
        "necessity",
        "opportunistic",
        "fault",
        "market",
        "responsive",
        "none",
    ][i]
}

fn evidence_line(ev: &[Evidence]) -> String {
    if !ev.iter().any(|e| e.contribution > 0.0) {
        return "(no rule fired)".to_string();
    }
    ev.iter()
        .filter(|e| e.contribution > 0.0)
        .map(|e| match &e.kind {
            EvidenceKind::Keyword { phrase, .. } => {
                format!("{}:{phrase}(+{:.2})", e.rule, e.contribution)
            }
            _ => format!("{}(+{:.2})", e.rule, e.contribution),
        })
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect()
}

//! Structured fuzz input shared by the cargo-fuzz target `classify_items`
//! (fuzz/fuzz_targets/classify_items.rs includes this file) and the stable
//! long-run harness (tests/fuzz_long.rs): a policy and items built from raw
//! bytes with `arbitrary`, and the invariants every classification must keep.
#![allow(dead_code)]

use arbitrary::Arbitrary;
use feedback_triage::{
    Assignment, Channel, Class, Classification, Classifier, ClusterParams, Clusterer, Conditions,
    EvidenceKind, FeedbackItem, Outcome, Policy, Rule, Scope, TextField,
};

/// Words the generated phrases and texts are drawn from, so that rules fire:
/// inflections, negation cues, scripts without spaces, case-folding oddities
/// (Kelvin sign, dotted I, sharp s, ligatures), combining marks and emoji.
pub const VOCAB: &[&str] = &[
    "crash",
    "crashes",
    "CRASHED",
    "not",
    "no longer",
    "never",
    "don't",
    "gdpr",
    "GDPR",
    "data",
    "loss",
    "data loss",
    "sso",
    "deal",
    "the",
    "a",
    "user's",
    "users",
    "崩溃",
    "クラッシュ",
    "数据丢失",
    "İstanbul",
    "\u{212A}elvin",
    "straße",
    "ﬁle",
    "e\u{301}cole",
    "ǅungla",
    "Ω",
    "👍🏽",
    "👨\u{200d}👩\u{200d}👧",
    "x\u{200d}y",
    "ok",
    "42",
    "3.14",
    "ไทย",
    "مرحبا",
    "привет",
];

const SEPS: &[&str] = &[
    " ", ". ", "\n", ", ", "\u{200d}", "\u{0}", "\t", "! ", "'", "-", "\u{feff}", "; ", "\u{202e}",
    "",
];

/// A phrase: vocabulary words joined by spaces, or any string.
#[derive(Arbitrary, Debug, Clone)]
pub enum PhraseIn {
    Vocab(Vec<u8>),
    Raw(String),
}

impl PhraseIn {
    pub fn build(&self) -> String {
        match self {
            PhraseIn::Vocab(ix) => ix
                .iter()
                .take(10)
                .map(|&i| VOCAB[i as usize % VOCAB.len()])
                .collect::<Vec<_>>()
                .join(" "),
            PhraseIn::Raw(s) => s.clone(),
        }
    }
}

/// A weight: usually a small positive one, sometimes any float (huge ones
/// included, to test overflow).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum WeightIn {
    Small(u8),
    Raw(f64),
}

impl WeightIn {
    pub fn build(self) -> f64 {
        match self {
            WeightIn::Small(n) => (f64::from(n) + 1.0) / 8.0,
            WeightIn::Raw(v) => v,
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub struct WhenIn {
    pub channel: Option<Vec<u8>>,
    pub not_channel: Option<Vec<u8>>,
    pub min_deal_value: Option<WeightIn>,
    pub max_deal_value: Option<WeightIn>,
    pub tags: Option<Vec<PhraseIn>>,
    pub min_votes: Option<u8>,
}

#[derive(Arbitrary, Debug, Clone)]
pub struct RuleIn {
    pub class: u8,
    pub weight: Option<WeightIn>,
    pub field: u8,
    pub keywords: Vec<(PhraseIn, Option<WeightIn>)>,
    pub exclude: Vec<PhraseIn>,
    pub when: Option<WhenIn>,
    pub negatable: bool,
    pub decisive: bool,
}

#[derive(Arbitrary, Debug, Clone)]
pub struct SettingsIn {
    pub title_weight: Option<WeightIn>,
    pub fit_ratio: Option<u8>,
    pub ambiguity_ratio: Option<u8>,
    pub confidence_scale: Option<WeightIn>,
    pub precedence_rotation: u8,
    pub negation_window: Option<u8>,
    pub negation_cues: Option<Vec<PhraseIn>>,
    pub fallback: Option<u8>,
}

/// A piece of text: a vocabulary word, a separator, or any string.
#[derive(Arbitrary, Debug, Clone)]
pub enum PieceIn {
    Word(u8),
    Sep(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone)]
pub struct ItemIn {
    pub title: Vec<PieceIn>,
    pub body: Vec<PieceIn>,
    pub channel: u8,
    pub deal_value: Option<WeightIn>,
    pub votes: u8,
    pub tags: Vec<PhraseIn>,
}

#[derive(Arbitrary, Debug, Clone)]
pub struct Input {
    pub settings: SettingsIn,
    pub rules: Vec<RuleIn>,
    pub items: Vec<ItemIn>,
}

fn class(n: u8) -> Class {
    Class::ALL[n as usize % Class::ALL.len()]
}

fn channels(v: &[u8]) -> Vec<Channel> {
    v.iter()
        .map(|&n| Channel::ALL[n as usize % Channel::ALL.len()])
        .collect()
}

fn text(pieces: &[PieceIn]) -> String {
    let mut s = String::new();
    for p in pieces {
        match p {
            PieceIn::Word(i) => s.push_str(VOCAB[*i as usize % VOCAB.len()]),
            PieceIn::Sep(i) => s.push_str(SEPS[*i as usize % SEPS.len()]),
            PieceIn::Raw(r) => s.push_str(r),
        }
    }
    s
}

impl Input {
    /// The policy (possibly invalid: the caller compiles it and skips
    /// invalid ones).
    pub fn policy(&self) -> Policy {
        let mut p = Policy::empty();
        let s = &self.settings;
        if let Some(w) = s.title_weight {
            p.settings.title_weight = w.build();
        }
        if let Some(r) = s.fit_ratio {
            p.settings.fit_ratio = (f64::from(r) + 1.0) / 256.0;
        }
        if let Some(r) = s.ambiguity_ratio {
            p.settings.ambiguity_ratio = (f64::from(r) + 1.0) / 256.0;
        }
        if let Some(w) = s.confidence_scale {
            p.settings.confidence_scale = w.build();
        }
        p.settings
            .precedence
            .rotate_left(s.precedence_rotation as usize % Class::ALL.len());
        if let Some(n) = s.negation_window {
            p.settings.negation_window = usize::from(n % 8);
        }
        if let Some(cues) = &s.negation_cues {
            p.settings.negation_cues = cues.iter().map(PhraseIn::build).collect();
        }
        p.settings.fallback = s.fallback.map(class);
        for (i, r) in self.rules.iter().take(64).enumerate() {
            let mut rule = Rule::new(format!("r{i}"), class(r.class));
            if let Some(w) = r.weight {
                rule = rule.weight(w.build());
            }
            rule = rule.field(match r.field % 3 {
                0 => Scope::Both,
                1 => Scope::Title,
                _ => Scope::Body,
            });
            for (k, w) in r.keywords.iter().take(32) {
                rule = rule.weighted_keyword(k.build(), w.map_or(1.0, WeightIn::build));
            }
            for e in r.exclude.iter().take(8) {
                rule = rule.exclude(e.build());
            }
            if let Some(w) = &r.when {
                rule = rule.when(Conditions {
                    channel: w.channel.as_deref().map(channels),
                    not_channel: w.not_channel.as_deref().map(channels),
                    min_deal_value: w.min_deal_value.map(WeightIn::build),
                    max_deal_value: w.max_deal_value.map(WeightIn::build),
                    tags: w
                        .tags
                        .as_ref()
                        .map(|t| t.iter().map(PhraseIn::build).collect()),
                    min_votes: w.min_votes.map(u32::from),
                });
            }
            if !r.negatable {
                rule = rule.not_negatable();
            }
            if r.decisive {
                rule = rule.decisive();
            }
            p.rules.push(rule);
        }
        p
    }

    /// The policy made valid: rules with errors are dropped, settings with
    /// errors reset (so that most inputs reach the classifier).
    pub fn valid_policy(&self) -> Policy {
        let mut policy = self.policy();
        if let Err(errors) = policy.validate() {
            let bad: Vec<String> = errors
                .iter()
                .filter_map(|e| e.rule().map(str::to_string))
                .collect();
            policy.rules.retain(|r| !bad.contains(&r.id));
            if errors.iter().any(|e| e.rule().is_none()) {
                let fallback = policy.settings.fallback;
                policy.settings = Default::default();
                policy.settings.fallback = fallback;
            }
        }
        if policy.rules.is_empty() {
            policy
                .rules
                .push(Rule::new("fallback-rule", Class::FaultCorrection).keyword("crash"));
        }
        policy
    }

    /// The items (possibly invalid ones: a negative deal value, ...).
    pub fn items(&self) -> Vec<FeedbackItem> {
        self.items
            .iter()
            .take(16)
            .enumerate()
            .map(|(i, it)| {
                let mut item = FeedbackItem::new(format!("item-{i}"))
                    .with_title(text(&it.title))
                    .with_body(text(&it.body))
                    .with_channel(Channel::ALL[it.channel as usize % Channel::ALL.len()])
                    .with_votes(u32::from(it.votes));
                if let Some(d) = it.deal_value {
                    item = item.with_deal_value(d.build());
                }
                for t in &it.tags {
                    item = item.with_tag(t.build());
                }
                item
            })
            .collect()
    }
}

/// Compiles the input's policy (skipping invalid ones) and classifies every
/// item, checking the invariants. Returns how many items were classified.
pub fn run(input: &Input) -> usize {
    let policy = input.valid_policy();
    let classifier = Classifier::new(&policy).expect("valid_policy is valid");
    let mut n = 0;
    for item in input.items() {
        match classifier.classify(&item) {
            Ok(c) => {
                check(&policy, &item, &c);
                n += 1;
            }
            Err(_) => assert!(item.validate().is_err(), "classify failed on a valid item"),
        }
        let c = classifier.classify_text(&item.title, &item.body);
        check(
            &policy,
            &FeedbackItem::new("text")
                .with_title(&item.title)
                .with_body(&item.body),
            &c,
        );
    }
    n
}

fn check_span(what: &str, text: &str, span: &std::ops::Range<usize>) {
    assert!(
        span.start < span.end && span.end <= text.len(),
        "{what}: span {span:?} outside text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {span:?} not on char boundaries in {text:?}"
    );
    let s = &text[span.clone()];
    // A word, or (for phrases matched by substring: other scripts, emoji)
    // at least one visible character.
    assert!(
        s.chars().any(|c| !c.is_whitespace() && !c.is_control()),
        "{what}: span text {s:?} is empty or blank"
    );
}

/// The invariants of one classification.
pub fn check(policy: &Policy, item: &FeedbackItem, c: &Classification) {
    for (class, s) in c.scores.iter() {
        assert!(s.is_finite() && s >= 0.0, "score of {class} is {s}");
    }
    assert!(
        (0.0..=1.0).contains(&c.confidence),
        "confidence {}",
        c.confidence
    );
    match c.class {
        None => assert!(
            c.outcome == Outcome::NoMatch && policy.settings.fallback.is_none(),
            "no class but outcome {:?}, fallback {:?}",
            c.outcome,
            policy.settings.fallback
        ),
        Some(k) if c.outcome == Outcome::NoMatch => {
            assert_eq!(Some(k), policy.settings.fallback, "no_match class")
        }
        Some(_) => {}
    }
    assert!(!c.secondary.contains(&c.class.unwrap_or(Class::Necessity)) || c.class.is_none());
    let field_text = |f: &TextField| match f {
        TextField::Title => item.title.as_str(),
        TextField::Body => item.body.as_str(),
    };
    for ev in &c.evidence {
        let rule = policy
            .rule(&ev.rule)
            .unwrap_or_else(|| panic!("evidence names unknown rule {:?}", ev.rule));
        assert_eq!(ev.class, rule.class);
        assert!(
            ev.contribution.is_finite() && ev.contribution >= 0.0,
            "contribution {}",
            ev.contribution
        );
        match &ev.kind {
            EvidenceKind::Keyword {
                phrase,
                field,
                span,
            } => {
                assert!(rule.keywords.iter().any(|k| k.text == **phrase));
                assert!(
                    rule.field == Scope::Both
                        || matches!(
                            (rule.field, field),
                            (Scope::Title, TextField::Title) | (Scope::Body, TextField::Body)
                        )
                );
                check_span("keyword", field_text(field), span);
            }
            EvidenceKind::Negated {
                phrase,
                field,
                span,
                cue,
            } => {
                assert!(rule.keywords.iter().any(|k| k.text == **phrase));
                check_span("negated keyword", field_text(field), span);
                check_span("negation cue", field_text(field), cue);
                assert!(cue.end <= span.start, "cue {cue:?} after keyword {span:?}");
            }
            EvidenceKind::Excluded {
                phrase,
                field,
                span,
            } => {
                assert!(rule.exclude.iter().any(|e| **e == **phrase));
                check_span("exclusion", field_text(field), span);
            }
            EvidenceKind::Condition { .. } => assert!(!rule.when.is_empty()),
            _ => {}
        }
    }
}

/// Input of the clustering target: parameters in their valid ranges, items
/// with a few customers, and the items to place afterwards with the index.
#[derive(Arbitrary, Debug, Clone)]
pub struct ClusterIn {
    pub threshold: u8,
    pub min_customers: u8,
    pub max_candidates: u8,
    pub items: Vec<ItemIn>,
    pub customers: Vec<u8>,
    pub probes: Vec<ItemIn>,
    /// When set, every item and probe carries a 3-dim caller embedding
    /// from `vectors` (cycled), so the exact-mean linkage runs.
    pub embed: bool,
    pub vectors: Vec<[i8; 3]>,
    pub embedding_ratio: u8,
    /// `shared_neighbours`, modulo 16 (0, one stage, to the most).
    pub shared_neighbours: u8,
    /// `embedding_neighbours`, modulo 51 (0, no smoothing, to the most).
    pub embedding_neighbours: u8,
}

impl ClusterIn {
    fn params(&self) -> ClusterParams {
        ClusterParams::default()
            .similarity_threshold(0.01 + 0.98 * f64::from(self.threshold) / 255.0)
            .min_distinct_customers(1 + usize::from(self.min_customers % 4))
            .max_candidates_per_item(1 + usize::from(self.max_candidates % 50))
            .embedding_threshold_ratio(0.01 + 0.99 * f64::from(self.embedding_ratio) / 255.0)
            .shared_neighbours(usize::from(self.shared_neighbours % 16))
            .embedding_neighbours(usize::from(self.embedding_neighbours % 51))
    }

    /// Item `i`'s embedding, when the input embeds (any values, the zero
    /// vector included).
    fn embedding(&self, i: usize) -> Option<Vec<f32>> {
        if !self.embed {
            return None;
        }
        let v = if self.vectors.is_empty() {
            [1, 0, 0]
        } else {
            self.vectors[i % self.vectors.len()]
        };
        Some(v.iter().map(|&x| f32::from(x)).collect())
    }

    fn to_items(&self, list: &[ItemIn], prefix: &str) -> Vec<FeedbackItem> {
        let wrapped = Input {
            settings: SettingsIn {
                title_weight: None,
                fit_ratio: None,
                ambiguity_ratio: None,
                confidence_scale: None,
                precedence_rotation: 0,
                negation_window: None,
                negation_cues: None,
                fallback: None,
            },
            rules: Vec::new(),
            items: list.to_vec(),
        };
        wrapped
            .items()
            .into_iter()
            .enumerate()
            .filter(|(_, it)| it.validate().is_ok())
            .map(|(i, mut it)| {
                it.id = format!("{prefix}-{i}");
                if let Some(e) = self.embedding(i) {
                    it = it.with_embedding(e);
                }
                if let Some(&c) = self.customers.get(i)
                    && c % 5 != 0
                {
                    it.customer = Some(format!("customer-{}", c % 7));
                }
                it
            })
            .collect()
    }
}

/// Clusters the input's items and checks the invariants: every id in
/// exactly one group, member lists sorted, counts and values consistent,
/// features backed by enough customers, the same result in reverse order,
/// and the index placing new items without panicking. Returns the number of
/// items clustered.
pub fn run_cluster(input: &ClusterIn) -> usize {
    let params = input.params();
    let min_customers = params.min_distinct_customers;
    let clusterer = Clusterer::new(params).expect("params are built in range");
    let items = input.to_items(&input.items, "item");
    let (clustering, index) = clusterer
        .cluster_with_index(&items)
        .expect("valid, unique items");
    let mut seen: Vec<&str> = Vec::new();
    for f in &clustering.features {
        assert!(f.members.len() >= 2 && f.members.windows(2).all(|w| w[0] < w[1]));
        assert!(f.distinct_customers <= f.members.len());
        assert!(f.distinct_customers >= min_customers);
        assert!(f.deal_value.is_finite() && f.deal_value >= 0.0);
        assert!(f.cohesion.is_finite() && (0.0..=1.0).contains(&f.cohesion));
        assert!(f.members.contains(&f.representative));
        seen.extend(f.members.iter().map(String::as_str));
    }
    for c in &clustering.special_cases {
        assert!(!c.members.is_empty() && c.members.windows(2).all(|w| w[0] < w[1]));
        assert!(c.distinct_customers <= c.members.len());
        assert!(c.members.contains(&c.representative));
        seen.extend(c.members.iter().map(String::as_str));
    }
    seen.sort_unstable();
    let mut ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(seen, ids, "every input id exactly once");
    let mut reversed = items.clone();
    reversed.reverse();
    assert_eq!(
        clusterer.cluster(&reversed).expect("same items"),
        clustering,
        "order independence"
    );
    let groups: Vec<&str> = clustering
        .features
        .iter()
        .map(|f| f.id.as_str())
        .chain(clustering.special_cases.iter().map(|c| c.id.as_str()))
        .collect();
    for probe in input.to_items(&input.probes, "probe").iter().take(4) {
        match index.assign(probe) {
            Assignment::Joins { id, similarity, .. } => {
                assert!(groups.contains(&id.as_str()));
                assert!((0.0..=1.0).contains(&similarity));
            }
            Assignment::New {
                closest: Some((id, s)),
            } => {
                assert!(groups.contains(&id.as_str()) && s.is_finite());
            }
            _ => {}
        }
        let check = index.find_duplicate(probe).expect("valid probe");
        assert!((0.0..=1.0).contains(&check.similarity));
        if let Some(t) = check.title_similarity {
            assert!((0.0..=1.0).contains(&t));
        }
    }
    items.len()
}

/// A piece of a learner's training text: as for classification, plus long
/// runs of one character (past the policies' limit on a keyword's length).
#[derive(Arbitrary, Debug, Clone)]
pub enum LearnPieceIn {
    Piece(PieceIn),
    Long(char, u16),
}

/// Input of the learner target: a few texts, combined into up to 64
/// labelled items (so that short inputs still give a training set), and
/// parameters in their valid ranges.
#[derive(Arbitrary, Debug, Clone)]
pub struct LearnIn {
    pub texts: Vec<(Vec<LearnPieceIn>, u8)>,
    pub items: u8,
    pub max_ngram: u8,
    pub min_doc_freq: u8,
    pub folds: u8,
    pub search: bool,
    pub values: u8,
}

fn learn_text(pieces: &[LearnPieceIn]) -> String {
    let mut s = String::new();
    for p in pieces.iter().take(32) {
        match p {
            LearnPieceIn::Piece(p) => s.push_str(&text(std::slice::from_ref(p))),
            LearnPieceIn::Long(c, n) => s.extend(std::iter::repeat_n(*c, usize::from(*n % 600))),
        }
    }
    s
}

/// Learns a policy from the input's texts and cross-validates it, checking
/// that nothing panics, that every learned policy validates and compiles,
/// and that the only errors are the documented ones for too few classes or
/// bad folds. Returns the number of training items.
pub fn run_learn(input: &LearnIn) -> usize {
    use feedback_triage::{FeatureValues, Labelled, LearnError, LearnParams, Learner, Search};
    let pieces: Vec<(String, u8)> = input
        .texts
        .iter()
        .take(16)
        .map(|(t, c)| (learn_text(t), *c))
        .collect();
    let m = pieces.len();
    // Item `i` takes its title from text `i mod m`, its body from another
    // text, and a class that also varies with the round `i / m`.
    let texts: Vec<(String, String, Class)> = (0..if m == 0 {
        0
    } else {
        usize::from(input.items % 65)
    })
        .map(|i| {
            let (title, c) = &pieces[i % m];
            let body = &pieces[(i / m + 3 * i) % m].0;
            let round = u8::try_from(i / m).unwrap_or(0);
            (
                title.clone(),
                body.clone(),
                class(c.wrapping_add(round % 2)),
            )
        })
        .collect();
    let items: Vec<Labelled<'_>> = texts
        .iter()
        .enumerate()
        .map(|(i, (t, b, c))| Labelled::new(i, t, b, *c))
        .collect();
    let values = [
        FeatureValues::Binary,
        FeatureValues::Idf,
        FeatureValues::LogOdds,
    ];
    let params = LearnParams::default()
        .max_ngram(1 + usize::from(input.max_ngram % 3))
        .min_doc_freq(1 + usize::from(input.min_doc_freq % 3))
        .values(values[usize::from(input.values) % values.len()])
        .search(if input.search {
            Search::InnerCv
        } else {
            Search::Off
        });
    let learner = Learner::new(params).expect("params are built in range");
    match learner.learn(&items) {
        Ok(policy) => {
            policy.validate().expect("a learned policy validates");
            let classifier = Classifier::new(&policy).expect("a learned policy compiles");
            for i in &items {
                let c = classifier.classify_text(i.title, i.body);
                assert!((0.0..=1.0).contains(&c.confidence));
            }
        }
        Err(LearnError::TooFewClasses { .. }) => {}
        Err(e) => panic!("learn: {e}"),
    }
    match learner.cross_validate(&items, 2 + usize::from(input.folds % 4)) {
        Ok(cv) => assert!(cv.mean_accuracy.is_finite()),
        Err(
            LearnError::TooFewClasses { .. }
            | LearnError::FoldTooFewClasses { .. }
            | LearnError::BadFolds { .. },
        ) => {}
        Err(e) => panic!("cross-validation: {e}"),
    }
    items.len()
}

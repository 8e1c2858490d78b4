//! The compiled classifier.

mod bag;
mod compile;
mod decide;
mod names;
mod result;
mod scan;
mod substrings;
mod terms;
mod why_not;

use std::cell::Cell;
use std::sync::Arc;

pub use result::{Band, Classification, Evidence, EvidenceKind, Outcome};
pub use why_not::{UnmetRule, WhyNot, WhyNotReason};

use crate::Class;
use crate::error::{ItemError, PolicyErrors};
use crate::item::FeedbackItem;
use crate::policy::{Policy, Rule, TextField};

/// A compiled, immutable policy: classifies items and explains each decision.
///
/// Cheap to clone (the compiled tables are shared) and `Send + Sync`, so one
/// classifier serves every thread of a service. Each thread that classifies
/// keeps reusable buffers and a memo of recent words (about 400 KB in all,
/// shared by every classifier that thread uses), so classifying allocates
/// nothing per word; the memo changes only the speed, never a result.
///
/// ```
/// use feedback_triage::{Band, Channel, Class, Classifier, FeedbackItem};
///
/// let classifier = Classifier::builtin();
/// let item = FeedbackItem::new("T-1")
///     .with_title("Acme will sign the contract once we add SAML single sign-on")
///     .with_channel(Channel::Sales)
///     .with_deal_value(120_000.0);
/// let result = classifier.classify(&item)?;
/// assert_eq!(result.class, Some(Class::Opportunistic));
/// assert_eq!(result.band, Band::High);
/// // SAML single sign-on is also a market signal: it is scored, not hidden.
/// assert!(result.scores[Class::MarketDriven] > result.scores[Class::Necessity]);
/// # Ok::<(), feedback_triage::ItemError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Classifier {
    inner: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    policy: Policy,
    /// Normalised term -> term id.
    terms: terms::TermTable,
    /// The names evidence carries, shared with every result.
    names: names::Names,
    /// The rules without keywords (they fire on conditions alone), in order.
    keywordless: Vec<usize>,
    /// What deciding needs of each rule and phrase, read once from the policy.
    facts: decide::Facts,
    /// The most words in one phrase (at least 1).
    max_phrase: usize,
    /// Per term: the phrases that may start at it.
    index: terms::PhraseIndex,
    phrases: Vec<Phrase>,
    /// What each bag phrase ([`Owner::Bag`]) adds to which rule:
    /// `bag_cells[start..start + len]`.
    bag_cells: Vec<bag::Cell>,
    /// Per bag cell: the keyword's index in the cell's rule.
    bag_index: Vec<u32>,
    /// Keywords and exclusions in scripts without spaces, matched as
    /// substrings.
    substrings: substrings::Substrings,
}

#[derive(Debug)]
struct Phrase {
    terms: Box<[u32]>,
    owner: Owner,
}

#[derive(Clone, Copy, Debug)]
enum Owner {
    Keyword {
        rule: u32,
        index: u32,
    },
    Exclude {
        rule: u32,
        index: u32,
    },
    Cue,
    /// The keywords of bag rules spelled this way ([`bag`]): what they
    /// add is `bag_cells[start..start + len]`.
    Bag {
        start: u32,
        len: u32,
    },
}

/// A match found in one field.
#[derive(Clone, Debug)]
struct Hit {
    /// The rule the phrase belongs to.
    rule: u32,
    phrase: u32,
    field: TextField,
    span: std::ops::Range<usize>,
    cue: Option<std::ops::Range<usize>>,
}

/// A word of the scanned field that is a policy term: only these are kept.
#[derive(Clone, Copy, Debug, Default)]
struct Term {
    /// Term id.
    id: u32,
    /// Position among all the field's words.
    index: u32,
    /// Which clause of the field it is in.
    clause: u32,
    start: usize,
    end: usize,
}

/// Reusable per-thread buffers, so classifying allocates nothing per token.
#[derive(Default)]
struct Scratch {
    /// The field's words that are policy terms, in order, not yet matched:
    /// `terms[..nterms]`. The entries beyond are room to write the next
    /// word into before knowing whether it is a term, so that keeping a
    /// term takes no branch.
    terms: Vec<Term>,
    nterms: usize,
    /// The last negation cue seen in the field: its first and last term.
    last_cue: Option<(Term, Term)>,
    /// Match in chunks of this many terms; 0 (or more than [`CHUNK`])
    /// means [`CHUNK`]. Tests set it small to prove the chunks do not change
    /// a result.
    chunk: usize,
    /// Per phrase: bit 0 title hit, 1 body hit, 2 title negated, 3 body negated.
    seen: Vec<u8>,
    /// Per rule: the token index up to which its last match reaches.
    covered: Vec<u32>,
    hits: Vec<Hit>,
    /// The phrases of bag rules found, once per field (when `bag_keep`).
    bag: Vec<bag::Hit>,
    /// The phrases of bag rules found, once per field, when not `bag_keep`
    /// (only their marks in `seen` need clearing).
    bag_found: Vec<u32>,
    /// This call keeps the bag hits in `bag`: for the evidence, or to add
    /// them up after the scan.
    bag_keep: bool,
    /// This call adds the bag phrases up as the scan finds them
    /// ([`bag::adds_as_found`]), not after it.
    bag_now: bool,
    /// Tests set it to add the bag phrases up after the scan always (the
    /// reference adding them as found must agree with).
    #[cfg(test)]
    bag_after: bool,
    /// Per rule: the sum of its bag keywords; all zero between calls (each
    /// is taken as the rules touched are visited).
    acc: Vec<bag::Acc>,
    /// The rules with a bag keyword found, in rule order once the scan is
    /// done.
    touched: Vec<u32>,
    /// While the scan adds up the bag phrases (`bag_now`), the rules with
    /// one found, a bit each; all zeros between calls.
    touched_bits: Vec<u64>,
    /// (evidence index, rule) of the bag rules in the evidence, each as one
    /// entry until its class is known to be shown in full.
    deferred: Vec<(usize, u32)>,
    /// Per rule: its place in `tops` while the evidence is expanded, else
    /// `u32::MAX`.
    slots: Vec<u32>,
    /// The strongest keywords of the bag rules shown in full.
    tops: Vec<bag::Top>,
    /// The rules of the class a "why not" asks about whose conditions did
    /// not hold, in rule order.
    unmet: Vec<u32>,
    /// The positions in `terms` at which a phrase may start, and whether
    /// one of two or more words may (else only a one-word phrase does).
    starts: Vec<(u32, bool)>,
    /// The evidence of the call being decided, before it moves into the
    /// result: empty between calls, its capacity kept.
    evidence: Vec<Evidence>,
    /// (keyword index, value, evidence index) of the keywords counted so far
    /// for the rule being decided.
    best: Vec<(u32, f64, usize)>,
    /// Words already looked up, across calls.
    memo: terms::WordMemo,
    /// The substring search's buffers.
    marks: substrings::Marks,
    /// Tests set it to search substrings one phrase at a time (the
    /// reference the automaton must agree with).
    #[cfg(test)]
    substrings_one_by_one: bool,
}

/// The thread's buffers while a call uses them: put back when dropped,
/// except when unwinding.
struct Lent(Option<Box<Scratch>>);

impl Drop for Lent {
    fn drop(&mut self) {
        // A call that panicked may have left marks set (`seen`, the
        // substring marks) or the memo half updated, and later calls rely
        // on them being clear: such buffers are dropped, and the thread's
        // next call starts with fresh ones.
        if !std::thread::panicking() {
            SCRATCH.set(self.0.take());
        }
    }
}

/// Terms are matched in chunks of about this many, so the buffer of a
/// field's terms stays small however long the text.
const CHUNK: usize = 1024;

/// The classifier of the embedded policy, compiled once per process.
static BUILTIN: std::sync::OnceLock<Classifier> = std::sync::OnceLock::new();

#[cfg(test)]
thread_local! {
    /// Makes the thread's next call panic after scanning, before the marks
    /// are cleared (a test hook).
    static PANIC_AFTER_SCAN: Cell<bool> = const { Cell::new(false) };
}

thread_local! {
    /// Taken out while a call classifies, and put back after: the call
    /// then returns its result straight to the caller, not through the
    /// thread-local's closure (a copy of the result, and a stall where its
    /// narrow writes are read back wide).
    static SCRATCH: Cell<Option<Box<Scratch>>> = const { Cell::new(None) };
}

impl Classifier {
    /// Validates `policy` and compiles it. Every problem is reported, not just
    /// the first.
    pub fn new(policy: &Policy) -> Result<Classifier, PolicyErrors> {
        policy.validate()?;
        Ok(Classifier {
            inner: Arc::new(Compiled::new(policy.clone())),
        })
    }

    /// The classifier for the embedded default policy ([`Policy::builtin`]).
    pub fn builtin() -> Classifier {
        BUILTIN
            .get_or_init(|| {
                // A test proves the builtin policy validates; compile it
                // without re-validating so this cannot fail.
                Classifier {
                    inner: Arc::new(Compiled::new(Policy::builtin())),
                }
            })
            .clone()
    }

    /// The policy this classifier was compiled from.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// Classifies one item, using its text and its metadata (channel, deal
    /// value, tags, votes). Fails only when the item itself is invalid.
    pub fn classify(&self, item: &FeedbackItem) -> Result<Classification, ItemError> {
        item.validate()?;
        Ok(self
            .inner
            .classify(&item.title, &item.body, Some(item), None))
    }

    /// The class [`classify`](Self::classify) gives `item` (`None`: no
    /// class), without building the evidence: no rule, keyword or span is
    /// listed (about a fifth fewer instructions on short requests). For a
    /// caller that only routes requests; use `classify` to show why.
    /// Fails as `classify` does.
    ///
    /// ```
    /// use feedback_triage::{Class, Classifier, FeedbackItem};
    ///
    /// let c = Classifier::builtin();
    /// let item = FeedbackItem::new("r-1").with_title("The app crashes when I export a report");
    /// assert_eq!(c.class_of(&item)?, c.classify(&item)?.class);
    /// assert_eq!(c.class_of(&item)?, Some(Class::FaultCorrection));
    /// # Ok::<(), feedback_triage::ItemError>(())
    /// ```
    pub fn class_of(&self, item: &FeedbackItem) -> Result<Option<Class>, ItemError> {
        item.validate()?;
        let mut lent = Lent(SCRATCH.take());
        let s = lent.0.get_or_insert_with(Box::default);
        Ok(self
            .inner
            .class_with(&item.title, &item.body, Some(item), s))
    }

    /// Classifies a text alone, as if its channel were unknown. Never fails.
    pub fn classify_text(&self, title: &str, body: &str) -> Classification {
        self.inner.classify(title, body, None, None)
    }

    /// Explains why `item` did not get `class` (or how it did): both scores,
    /// the gap, the class's evidence that came closest and what cancelled
    /// the rest, its rules whose conditions did not hold, and what carried
    /// the winner. See [`WhyNot`]. Fails only when the item is invalid.
    pub fn explain_against(&self, item: &FeedbackItem, class: Class) -> Result<WhyNot, ItemError> {
        item.validate()?;
        Ok(self
            .inner
            .explain(&item.title, &item.body, Some(item), class))
    }

    /// [`explain_against`](Self::explain_against) for a text alone, as if
    /// its channel were unknown. Never fails.
    pub fn explain_text_against(&self, title: &str, body: &str, class: Class) -> WhyNot {
        self.inner.explain(title, body, None, class)
    }

    /// Classifies a batch, in input order. With the `parallel` feature the
    /// work is spread over all cores; the results are identical.
    pub fn classify_batch(&self, items: &[FeedbackItem]) -> Vec<Result<Classification, ItemError>> {
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            items.par_iter().map(|i| self.classify(i)).collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            items.iter().map(|i| self.classify(i)).collect()
        }
    }
}

impl Compiled {
    fn rule(&self, r: u32) -> &Rule {
        &self.policy.rules[r as usize]
    }

    /// Classifies a text; `also` names a class whose bag rules list their
    /// strongest keywords even when the result does not show it.
    fn classify(
        &self,
        title: &str,
        body: &str,
        item: Option<&FeedbackItem>,
        also: Option<Class>,
    ) -> Classification {
        // Another call on this thread holding the buffers (not possible
        // through this API) would leave none here: then fresh ones serve.
        let mut lent = Lent(SCRATCH.take());
        let s = lent.0.get_or_insert_with(Box::default);
        // The last expression, built where the caller wants it; the buffers
        // go back after.
        self.classify_with(title, body, item, also, s, true)
    }

    /// Classifies with `class`'s evidence in full, and explains the result
    /// against it.
    fn explain(
        &self,
        title: &str,
        body: &str,
        item: Option<&FeedbackItem>,
        class: Class,
    ) -> WhyNot {
        let mut lent = Lent(SCRATCH.take());
        let s = lent.0.get_or_insert_with(Box::default);
        let result = self.classify_with(title, body, item, Some(class), s, true);
        let links = links_only(title, body);
        why_not::explain(&self.policy, &result, class, &s.unmet, links, |r| {
            self.names.description(r).to_string()
        })
    }

    /// Classifies with the buffers `s`; without `expand` the result has
    /// the class, scores and outcome but no evidence (what `class_of`
    /// needs).
    fn classify_with(
        &self,
        title: &str,
        body: &str,
        item: Option<&FeedbackItem>,
        also: Option<Class>,
        s: &mut Scratch,
        expand: bool,
    ) -> Classification {
        self.match_item(title, body, s, expand);
        // Last, so that the result is built where the caller wants it.
        self.decide(item, (title, body), also, s, expand)
    }

    /// Scans both fields into `s`: the hits, the bag phrases found and the
    /// bag rules' sums (added up as found, or after the scan), with the
    /// marks in `seen` cleared again.
    fn match_item(&self, title: &str, body: &str, s: &mut Scratch, expand: bool) {
        s.hits.clear();
        s.bag.clear();
        s.bag_found.clear();
        // With the evidence, the hits are kept anyway: they are added up
        // after, in one pass.
        s.bag_now = !expand && bag::adds_as_found(self.policy.settings.title_weight);
        #[cfg(test)]
        {
            s.bag_now &= !s.bag_after;
        }
        s.bag_keep = expand || !s.bag_now;
        // The previous call's sums (of any classifier) went back to zero as
        // it read them (`Compiled::tally`).
        s.touched.clear();
        s.acc.resize(self.policy.rules.len(), bag::Acc::default());
        if s.bag_now {
            s.touched_bits
                .resize(self.policy.rules.len().div_ceil(64), 0);
        }
        // `seen` is all zeros between calls: only the entries of this call's
        // hits are set, and they are reset below.
        s.seen.resize(self.phrases.len(), 0);
        self.scan(title, TextField::Title, s);
        self.scan(body, TextField::Body, s);
        if s.bag_now {
            bag::drain_bits(&mut s.touched_bits, &mut s.touched);
        }
        #[cfg(test)]
        if PANIC_AFTER_SCAN.replace(false) {
            panic!("a test's panic, with the marks of the scan set");
        }
        for h in &s.hits {
            s.seen[h.phrase as usize] = 0;
        }
        for b in &mut s.bag {
            // The plain hits' bits (title, body), as `bag::Hit::seen` reads them.
            b.seen = s.seen[b.phrase as usize] & 3;
        }
        for b in &s.bag {
            s.seen[b.phrase as usize] = 0;
        }
        for &p in &s.bag_found {
            s.seen[p as usize] = 0;
        }
        if !s.bag_now {
            bag::accumulate(
                &s.bag,
                &self.bag_cells,
                self.policy.settings.title_weight,
                &mut s.acc,
                &mut s.touched,
            );
        }
    }

    /// The class [`classify_with`](Self::classify_with) gives, without the
    /// rest of the result.
    fn class_with(
        &self,
        title: &str,
        body: &str,
        item: Option<&FeedbackItem>,
        s: &mut Scratch,
    ) -> Option<Class> {
        self.match_item(title, body, s, false);
        self.decide_class(item, (title, body), s)
    }
}

/// Whether a text is links alone (`https://...`, with nothing else but
/// punctuation): not a request, so the words inside its links (`https`,
/// `github`, `pull`) must not give it a class. A link is a word that starts
/// (after opening brackets or quotes) with a scheme and `://`; text written
/// onto a link (`Crash:https://...`, `[crash](https://...)`) is not one.
/// Texts without `://`, most of them, are told apart by one substring
/// search.
pub(super) fn links_only(title: &str, body: &str) -> bool {
    if !title.contains("://") && !body.contains("://") {
        return false;
    }
    [title, body].iter().all(|t| {
        t.split_whitespace()
            .all(|w| is_link(w) || !w.chars().any(char::is_alphanumeric))
    })
}

/// Whether a word is a link: `scheme://...`, after any of `<([("'`.
fn is_link(word: &str) -> bool {
    let w = word.trim_start_matches(['<', '(', '[', '"', '\'']);
    let Some((scheme, _)) = w.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::Class;

    /// A text of links alone is not a request: no class from the words
    /// inside its links; a word beside a link, or a decisive rule on the
    /// item's metadata, still counts.
    #[test]
    fn links_alone_get_no_class() {
        let c = Classifier::builtin();
        for t in [
            "http://x.y",
            "https://github.com/foo/bar/pull/12",
            "<https://a.b/c>, https://d.e/f",
        ] {
            let r = c.classify_text(t, "");
            assert_eq!((r.outcome, r.class), (Outcome::NoMatch, None), "{t}");
            let r = c.classify_text("", t);
            assert_eq!(r.outcome, Outcome::NoMatch, "{t}");
        }
        assert!(links_only("https://a.b", " \n ( https://c.d ) "));
        assert!(!links_only("crash on https://a.b", ""));
        assert!(!links_only("www.example.com", ""));
        // Text written onto a link is text.
        assert!(!links_only("Crash:https://github.com/foo/bar/issues/1", ""));
        assert!(!links_only(
            "[crash](https://github.com/foo/bar/issues/1)",
            ""
        ));
        assert!(links_only("<https://a.b/c>", ""));
        assert!(!links_only("", ""));
        let crash = c.classify_text("The app crashes: https://github.com/foo/bar/issues/1", "");
        assert_eq!(crash.class, Some(Class::FaultCorrection));
        let why = c.explain_text_against(
            "https://github.com/foo/bar/pull/12",
            "",
            Class::FaultCorrection,
        );
        assert_eq!(why.reason, WhyNotReason::LinksOnly);
        let item = FeedbackItem::new("r")
            .with_title("https://example.gov/notice/2026-01")
            .with_channel(crate::item::Channel::Regulator);
        assert_eq!(c.class_of(&item).unwrap(), c.classify(&item).unwrap().class);
    }

    /// As the README says: the longer match covers the keywords inside it.
    #[test]
    fn a_rules_matches_do_not_overlap() {
        let r = Classifier::builtin().classify_text("", "Steps to reproduce the crash");
        let template: Vec<&str> = r
            .evidence
            .iter()
            .filter(|e| &*e.rule == "fault-report-template")
            .filter_map(|e| match &e.kind {
                EvidenceKind::Keyword { phrase, .. } => Some(&**phrase),
                _ => None,
            })
            .collect();
        assert_eq!(template, ["steps to reproduce"]);
    }

    /// Evidence shares its names with the compiled policy, for the embedded
    /// policy as for any other: two results of one classifier point at the
    /// same strings (nothing copied per result), and a result outlives its
    /// classifier.
    #[test]
    fn evidence_shares_its_names_with_the_policy() {
        let text = "The app crashes when I export";
        let names = |r: &Classification| -> Vec<Arc<str>> {
            r.evidence
                .iter()
                .flat_map(|e| match &e.kind {
                    EvidenceKind::Keyword { phrase, .. } => vec![e.rule.clone(), phrase.clone()],
                    _ => vec![e.rule.clone()],
                })
                .collect()
        };
        let builtin = Classifier::builtin();
        let own = Classifier::new(&Policy::builtin()).unwrap();
        for c in [&builtin, &own] {
            let (a, b) = (c.classify_text(text, ""), c.classify_text(text, ""));
            let (a, b) = (names(&a), names(&b));
            assert!(a.len() >= 2, "{a:?}");
            assert_eq!(a.len(), b.len());
            assert!(a.iter().zip(&b).all(|(x, y)| Arc::ptr_eq(x, y)), "{a:?}");
        }
        let kept = own.classify_text(text, "");
        drop(own);
        assert_eq!(kept, builtin.classify_text(text, ""));
    }

    /// The names serialise as plain strings and read back into an equal
    /// result (serde's `rc` support for `Arc<str>`).
    #[test]
    fn evidence_names_round_trip_through_json() {
        let c = Classifier::builtin();
        let r = c.classify_text("The app crashes when I export, not slow", "");
        let json = serde_json::to_value(&r).unwrap();
        let rule = &json["evidence"][0]["rule"];
        assert_eq!(rule.as_str(), Some(&*r.evidence[0].rule), "{json}");
        let back: Classification = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        let why = c.explain_text_against("The app crashes", "", Class::Responsiveness);
        let back: WhyNot = serde_json::from_str(&serde_json::to_string(&why).unwrap()).unwrap();
        assert_eq!(back, why);
    }

    proptest::proptest! {
        /// The class alone (no evidence listed) is the full
        /// classification's class, with the same scores.
        #[test]
        fn the_class_alone_is_the_full_class(
            title in proptest::collection::vec(
                "not|crash|crashes|app|slow|export|invoice|csv|please add|dark mode|GDPR|login|password|price|competitor|\\.|won't|data|\n",
                0..12,
            ),
            body in proptest::collection::vec(
                "not|crash|app|slow|export|invoice|reports|excel|please add|feature|sso|security|customers|\\.|data|refund|card",
                0..40,
            ),
            channel in 0usize..4,
        ) {
            use crate::item::Channel;
            let c = Classifier::builtin();
            let channel = [Channel::Sales, Channel::Support, Channel::Internal, Channel::Unknown][channel];
            let item = FeedbackItem::new("x")
                .with_title(title.join(" "))
                .with_body(body.join(" "))
                .with_channel(channel);
            proptest::prop_assert_eq!(c.class_of(&item), c.classify(&item).map(|r| r.class));
            // Without evidence listed, the rest of the result is the same.
            let mut s = Scratch::default();
            let bare = c.inner.classify_with(&item.title, &item.body, Some(&item), None, &mut s, false);
            let mut full = c.classify(&item).unwrap();
            full.evidence.clear();
            proptest::prop_assert_eq!(bare, full);
        }
    }

    proptest::proptest! {
        /// Adding the bag phrases up as the scan finds them gives the sums
        /// (to the bit) and the evidence of adding them up after, with a
        /// title weight of 1 or more (below 1 they are added after).
        #[test]
        fn bag_phrases_added_as_found_add_up_as_after(
            title in proptest::collection::vec(
                "crash|crashes|app|slow|export|invoice|csv|please add|dark mode|login|data|\\.|report|error|feature|\n",
                0..12,
            ),
            body in proptest::collection::vec(
                "crash|app|slow|export|invoice|reports|excel|please add|feature|sso|security|customers|\\.|data|refund|card|error|report|login",
                0..40,
            ),
            title_weight in proptest::sample::select(vec![1.0, 1.5, 4.0]),
        ) {
            let (title, body) = (title.join(" "), body.join(" "));
            let mut policy = Policy::builtin();
            policy.settings.title_weight = title_weight;
            let c = Classifier::new(&policy).unwrap();
            for expand in [false, true] {
                let now = c.inner.classify_with(&title, &body, None, None, &mut Scratch::default(), expand);
                let after = c.inner.classify_with(&title, &body, None, None, &mut Scratch {
                    bag_after: true,
                    ..Scratch::default()
                }, expand);
                let bits = |r: &Classification| r.scores.0.map(f64::to_bits);
                proptest::prop_assert_eq!(bits(&now), bits(&after));
                proptest::prop_assert_eq!(now, after);
            }
        }
    }

    proptest::proptest! {
        /// Matching in chunks of any size gives the result of matching
        /// the whole field at once.
        #[test]
        fn chunks_do_not_change_the_result(
            words in proptest::collection::vec(
                "not|no longer|crash|crashes|app|the|steps to reproduce|dark mode|please add|GDPR|\\.|won't|data|\n",
                0..60,
            ),
            chunk in 1usize..8,
        ) {
            let text = words.join(" ");
            let c = Classifier::builtin();
            let whole = c.inner.classify_with(&text, &text, None, None, &mut Scratch {
                chunk: CHUNK,
                ..Scratch::default()
            }, true);
            let chunked = c.inner.classify_with(&text, &text, None, None, &mut Scratch {
                chunk,
                ..Scratch::default()
            }, true);
            proptest::prop_assert_eq!(chunked, whole);
        }
    }

    proptest::proptest! {
        /// With a policy of overlapping, repeated and nested keywords and
        /// exclusions in scripts without spaces, scoped to the title, the
        /// body or both, the automaton gives the classification of a search
        /// per phrase.
        #[test]
        fn substring_automaton_classifies_as_one_search_per_phrase(
            rules in proptest::collection::vec(
                (
                    proptest::collection::vec("[数据丢失崩溃👍İ]{1,4}", 1..6),
                    proptest::collection::vec("[数据丢失崩溃👍]{1,3}", 0..2),
                    0usize..3,
                    0usize..5,
                ),
                1..8,
            ),
            title in "[数据丢失崩溃👍İ a。]{0,30}",
            body in "[数据丢失崩溃👍İ a。]{0,120}",
        ) {
            use crate::policy::Scope;
            let mut policy = Policy::empty();
            for (i, (kws, excl, scope, class)) in rules.iter().enumerate() {
                let mut rule = Rule::new(format!("r{i}"), Class::ALL[*class])
                    .field([Scope::Both, Scope::Title, Scope::Body][*scope]);
                for k in kws {
                    rule = rule.keyword(k.as_str());
                }
                rule.exclude = excl.clone();
                policy.rules.push(rule);
            }
            let c = Classifier::new(&policy).unwrap();
            let fast = c.inner.classify_with(&title, &body, None, None, &mut Scratch::default(), true);
            let slow = c.inner.classify_with(&title, &body, None, None, &mut Scratch {
                substrings_one_by_one: true,
                ..Scratch::default()
            }, true);
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    /// A panic in the middle of a call (caught by the caller) does not
    /// leave the thread's buffers with marks set: the thread's next calls
    /// find the same keywords as a fresh thread does.
    #[test]
    fn a_caught_panic_leaves_no_marks_behind() {
        let c = Classifier::builtin();
        let (title, body) = (
            "The app crashes on export",
            "应用崩溃 after the update, crashes again",
        );
        let fresh = c.classify_text(title, body);
        let swapped = c.classify_text(body, title);
        assert!(fresh.evidence.len() >= 3, "{fresh:?}");
        std::thread::spawn(move || {
            // The thread's buffers exist and are warm before the panic.
            assert_eq!(c.classify_text(title, body), fresh);
            PANIC_AFTER_SCAN.set(true);
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                c.classify_text(title, body)
            }));
            assert!(caught.is_err());
            assert_eq!(c.classify_text(title, body), fresh);
            assert_eq!(c.classify_text(body, title), swapped);
        })
        .join()
        .unwrap();
    }

    /// A huge request's token buffers are not kept in the thread's scratch
    /// (found by examples/adversarial: the peak memory stayed at the 10 MB
    /// case's for the rest of the process).
    #[test]
    fn scratch_is_not_pinned_by_a_huge_input() {
        let c = Classifier::builtin();
        let big = "the app crashes again ".repeat(50_000);
        let before = c.classify_text("", &big);
        assert_eq!(before.class, Some(Class::FaultCorrection));
        let capacity = || {
            let s = SCRATCH.take().expect("the buffers are back after a call");
            let capacity = s.terms.capacity();
            SCRATCH.set(Some(s));
            capacity
        };
        assert!(capacity() <= 2 * CHUNK);
        // Small inputs keep their buffers for reuse.
        c.classify_text("", "the app crashes");
        assert!(capacity() > 0);
    }
}

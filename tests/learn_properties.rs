//! Property tests of the learner: whatever the training texts (long tokens,
//! any script, emoji, control characters, empty), learning and
//! cross-validation never panic, and every learned policy validates and
//! compiles.

use feedback_triage::{
    Class, Classifier, Labelled, LearnError, LearnParams, Learner, Policy, Search,
};
use proptest::prelude::*;

/// One token: a word of a common script, a word of a script without spaces,
/// emoji, control characters, a long run of one character (past the
/// policies' 200-character limit on a keyword), or any string.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "crash", "crashes", "app", "please", "add", "dark", "mode", "gdpr", "not", "the",
            "崩溃", "数据丢失", "クラッシュ", "ไทย", "مرحبا", "привет", "İstanbul", "straße",
            "👍🏽", "👨\u{200d}👩\u{200d}👧", "\u{0}", "\u{202e}", "\u{feff}", "\t", ". ", "-",
        ])
        .prop_map(str::to_string),
        2 => (prop::sample::select(vec!['x', 'é', '崩', '👍', 'a', '\u{301}', '1']), 150usize..400)
            .prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
        1 => "\\PC{0,20}",
        1 => any::<String>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..10).prop_map(|v| v.join(" "))
}

fn items() -> impl Strategy<Value = Vec<(String, String, Class)>> {
    let class = prop::sample::select(Class::ALL.to_vec());
    prop::collection::vec((text(), text(), class), 0..36)
}

fn labelled(v: &[(String, String, Class)]) -> Vec<Labelled<'_>> {
    v.iter()
        .enumerate()
        .map(|(i, (t, b, c))| Labelled::new(i, t, b, *c))
        .collect()
}

/// A learned policy validates, compiles, classifies its training texts with
/// finite scores, and survives a JSON round trip.
fn check(policy: &Policy, items: &[Labelled<'_>]) -> Result<(), TestCaseError> {
    if let Err(e) = policy.validate() {
        return Err(TestCaseError::fail(format!("learned policy invalid: {e}")));
    }
    let classifier = Classifier::new(policy).map_err(|e| TestCaseError::fail(e.to_string()))?;
    for i in items {
        let c = classifier.classify_text(i.title, i.body);
        prop_assert!((0.0..=1.0).contains(&c.confidence));
        for (_, s) in c.scores.iter() {
            prop_assert!(s.is_finite() && s >= 0.0);
        }
    }
    let json = serde_json::to_string(policy).unwrap();
    let back: Policy = serde_json::from_str(&json).unwrap();
    prop_assert!(back.validate().is_ok());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_learned_policy_validates(
        v in items(),
        max_ngram in 1usize..=3,
        folds in 2usize..6,
        search in any::<bool>(),
    ) {
        let items = labelled(&v);
        let params = LearnParams::default()
            .max_ngram(max_ngram)
            .search(if search { Search::InnerCv } else { Search::Off });
        let learner = Learner::new(params).unwrap();
        let classes = Class::ALL.iter().filter(|c| v.iter().any(|i| i.2 == **c)).count();
        match learner.learn(&items) {
            Ok(policy) => check(&policy, &items)?,
            Err(LearnError::TooFewClasses { found }) => prop_assert!(classes < 2 && found == classes),
            Err(e) => return Err(TestCaseError::fail(format!("learn: {e}"))),
        }
        match learner.cross_validate(&items, folds) {
            Ok(cv) => {
                prop_assert_eq!(cv.per_fold.len(), folds);
                prop_assert!((0.0..=1.0).contains(&cv.mean_macro_f1));
            }
            Err(LearnError::TooFewClasses { found }) => prop_assert!(classes < 2 && found == classes),
            Err(LearnError::FoldTooFewClasses { fold, found }) => {
                // Named fold: its training items alone lack a second class.
                let train: Vec<_> = items.iter().filter(|i| i.index % folds != fold).collect();
                let theirs = Class::ALL.iter().filter(|c| train.iter().any(|i| i.class == **c)).count();
                prop_assert!(classes >= 2 && found == theirs && found < 2);
            }
            Err(LearnError::BadFolds { .. }) => prop_assert!(folds > items.len()),
            Err(e) => return Err(TestCaseError::fail(format!("cross-validation: {e}"))),
        }
    }

    /// The learned policy does not depend on the order of the items (rule
    /// order, the split of phrases into `-part-N` rules, every weight).
    #[test]
    fn learning_ignores_the_items_order(
        v in items(),
        rotate in any::<prop::sample::Index>(),
        reverse in any::<bool>(),
    ) {
        let items = labelled(&v);
        let mut moved = items.clone();
        if !moved.is_empty() {
            let by = rotate.index(moved.len());
            moved.rotate_left(by);
        }
        if reverse {
            moved.reverse();
        }
        let learner = Learner::new(LearnParams::default().max_ngram(2)).unwrap();
        match (learner.learn(&items), learner.learn(&moved)) {
            (Ok(a), Ok(b)) => prop_assert_eq!(
                serde_json::to_string(&a).unwrap(),
                serde_json::to_string(&b).unwrap()
            ),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => return Err(TestCaseError::fail(format!("{a:?} against {b:?}"))),
        }
    }
}

/// The reported case: 20 of 40 items carry a 250-character token; learning
/// and 5-fold cross-validation used to panic on a keyword over 200
/// characters.
#[test]
fn a_250_character_token_gives_a_valid_policy_and_cross_validates() {
    let long = "x".repeat(250);
    let v: Vec<(String, String, Class)> = (0..40)
        .map(|i| {
            let (class, body) = if i % 2 == 0 {
                (Class::FaultCorrection, "the app crashes when saving")
            } else {
                (Class::MarketDriven, "please add dark mode support")
            };
            let body = if i < 20 {
                format!("{body} {long}")
            } else {
                body.to_string()
            };
            (format!("item {i}"), body, class)
        })
        .collect();
    let items = labelled(&v);
    let learner = Learner::new(LearnParams::default()).unwrap();
    let policy = learner.learn(&items).unwrap();
    policy.validate().unwrap();
    assert!(
        policy
            .rules
            .iter()
            .flat_map(|r| &r.keywords)
            .all(|k| k.text.chars().count() <= 200 && !k.text.contains(&long[..201]))
    );
    // The short words still separate the classes.
    assert!(
        policy
            .rules
            .iter()
            .any(|r| r.class == Class::FaultCorrection
                && r.keywords.iter().any(|k| k.text.contains("crash")))
    );
    let cv = learner.cross_validate(&items, 5).unwrap();
    assert_eq!(cv.per_fold.len(), 5);
    assert!(cv.mean_accuracy > 0.9, "{}", cv.mean_accuracy);
}

//! Feature names: phrases the members wrote, in their order, kept apart
//! across the features of a clustering, independent of the input order.
//! They need no data files.

use feedback_triage::{Assignment, Backlog, ClusterParams, Clusterer, Clustering, FeedbackItem};
use proptest::prelude::*;

fn item(id: &str, title: &str, customer: &str) -> FeedbackItem {
    FeedbackItem::new(id)
        .with_title(title)
        .with_customer(customer)
}

/// Lower-cased, white space collapsed: how names are written.
fn written(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words that are stop words of the crate (a sample of its list).
const STOP: &[&str] = &[
    "the", "a", "an", "of", "to", "my", "for", "and", "in", "on", "is", "it", "i", "up", "please",
    "with", "our", "we", "can", "not", "you", "your", "want", "need", "how", "do",
];

/// The feature whose members include `id`.
fn feature_of<'a>(c: &'a Clustering, id: &str) -> &'a feedback_triage::CandidateFeature {
    c.features
        .iter()
        .find(|f| f.members.iter().any(|m| m == id))
        .unwrap_or_else(|| panic!("{id} is in no feature: {c:#?}"))
}

/// True when the name is a run of one member's title or body.
fn is_members_phrase(name: &str, members: &[String], items: &[FeedbackItem]) -> bool {
    members.iter().any(|id| {
        let it = items.iter().find(|it| &it.id == id).unwrap();
        written(&it.title).contains(name) || written(&it.body).contains(name)
    })
}

/// Three groups of differently worded requests from different customers.
fn banking() -> Vec<FeedbackItem> {
    vec![
        item("a1", "How do I raise the top-up limit of my card?", "c1"),
        item("a2", "Top-up limit is too low for us", "c2"),
        item("a3", "Can you increase my top-up limits please", "c3"),
        item("a4", "What is the top-up limit", "c4"),
        item("b1", "Wrong exchange rate applied to my payment", "c1"),
        item("b2", "The exchange rate was wrong on my transfer", "c2"),
        item("b3", "Why did I get a wrong exchange rate", "c3"),
        item("c1", "I want to change my PIN", "c1"),
        item("c2", "How can I change the PIN of my card", "c2"),
        item("c3", "Change PIN on the app", "c4"),
    ]
}

#[test]
fn names_are_phrases_in_the_customers_order() {
    let items = banking();
    let c = Clusterer::default().cluster(&items).unwrap();
    let top_up = feature_of(&c, "a1");
    // Word salad sorted by weight ("limit top") would fail both checks.
    assert_eq!(top_up.name, "top-up limit", "{c:#?}");
    let rate = feature_of(&c, "b1");
    assert!(rate.name.contains("exchange rate"), "{:?}", rate.name);
    let pin = feature_of(&c, "c1");
    assert_eq!(pin.name, "change pin", "{c:#?}");
    for f in &c.features {
        assert!(
            is_members_phrase(&f.name, &f.members, &items),
            "{:?}",
            f.name
        );
    }
}

#[test]
fn the_living_backlog_names_features_by_phrases_after_a_save_and_load() {
    let items = banking();
    let mut backlog = Backlog::new(ClusterParams::default()).unwrap();
    for it in &items {
        backlog.insert(it).unwrap();
    }
    // Saved and loaded: the text that names the groups is kept.
    let json = serde_json::to_string(&backlog).unwrap();
    let backlog: Backlog = serde_json::from_str(&json).unwrap();
    let c = backlog.clustering();
    let top_up = feature_of(&c, "a1");
    assert_eq!(top_up.name, "top-up limit", "{c:#?}");
    for f in &c.features {
        assert!(
            is_members_phrase(&f.name, &f.members, &items),
            "{:?}",
            f.name
        );
    }
    let names: std::collections::HashSet<&str> =
        c.features.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names.len(), c.features.len(), "{c:#?}");
}

#[test]
fn stop_words_only_inside_a_name() {
    // Every member writes "export of the invoices"; longer runs would start
    // or end with a stop word or pass five words.
    let items = vec![
        item("1", "the export of the invoices to us", "c1"),
        item("2", "an export of the invoices is needed", "c2"),
        item(
            "3",
            "can we get an export of the invoices for the accountant",
            "c3",
        ),
    ];
    let c = Clusterer::default().cluster(&items).unwrap();
    let f = feature_of(&c, "1");
    assert_eq!(f.name, "export of the invoices", "{c:#?}");
    let words: Vec<&str> = f.name.split(' ').collect();
    assert!(!STOP.contains(&words[0]), "{:?}", f.name);
    assert!(!STOP.contains(words.last().unwrap()), "{:?}", f.name);
}

#[test]
fn a_name_prefers_a_form_without_a_personal_pronoun() {
    // The same words in two forms, each written once: "her" ties the name
    // to one writer, and by string order alone it would win.
    let items = vec![
        item("1", "invoices into her spreadsheet", "c1"),
        item("2", "invoices to a spreadsheet", "c2"),
    ];
    let c = Clusterer::default().cluster(&items).unwrap();
    assert_eq!(
        feature_of(&c, "1").name,
        "invoices to a spreadsheet",
        "{c:#?}"
    );
}

#[test]
fn a_particle_ends_a_name_where_most_members_write_it() {
    // "top up" is a compound: the name keeps its particle. "on" follows
    // "change my pin" in one member of four: the name does not end with it.
    let items = vec![
        item("1", "verify my top up", "c1"),
        item("2", "how do I verify my top up", "c2"),
        item("3", "verify my top up please", "c3"),
        item("4", "change my pin", "c1"),
        item("5", "change my pin on the app", "c2"),
        item("6", "change my pin today", "c3"),
        item("7", "I need to change my pin", "c4"),
    ];
    let c = Clusterer::default().cluster(&items).unwrap();
    assert_eq!(feature_of(&c, "1").name, "verify my top up", "{c:#?}");
    assert_eq!(feature_of(&c, "4").name, "change my pin", "{c:#?}");
}

#[test]
fn a_name_is_not_cut_short_where_the_members_go_on() {
    // Every member writes "report stolen credit card": four content words,
    // one more than a name holds by default. "card" is common to the other
    // group too, so the cut "report stolen credit" outweighs "stolen credit
    // card" by its words; it stops where every member goes on, so it is
    // not taken.
    let items = vec![
        item("1", "report stolen credit card", "c1"),
        item("2", "where to report stolen credit card", "c2"),
        item("3", "I must report stolen credit card today", "c3"),
        item("4", "report stolen credit card online", "c4"),
        item("5", "card payment declined at the shop", "c1"),
        item("6", "the shop declined my card payment", "c2"),
        item("7", "card payment at the shop declined again", "c3"),
        item("8", "card declined in a shop", "c4"),
    ];
    let params = ClusterParams::default().semantic_weight(0.0);
    let c = Clusterer::new(params).unwrap().cluster(&items).unwrap();
    let f = feature_of(&c, "1");
    assert_eq!(f.members.len(), 4, "{c:#?}");
    let last = f.name.rsplit(' ').next().unwrap();
    assert!(
        !["report", "stolen", "credit"].contains(&last),
        "{:?}",
        f.name
    );
    assert!(
        is_members_phrase(&f.name, &f.members, &items),
        "{:?}",
        f.name
    );
}

#[test]
fn a_plural_or_another_order_is_the_same_candidate() {
    // No member writes "card arrived" twice in the same form, but four of
    // five say it in some form: the merged candidate wins over a phrase only
    // two members wrote ("new card").
    let items = vec![
        item("1", "my new card arrived", "c1"),
        item("2", "the cards arrive tomorrow", "c2"),
        item("3", "card arrival", "c3"),
        item("4", "when has the card arrived", "c4"),
        item("5", "new card, did it arrive", "c5"),
    ];
    // Grouped by terms alone, so that all five form one group: by default
    // the meaning of "card arrival" (a noun phrase, no verb) keeps it apart
    // from the four that say the card arrived, and this test is about names.
    let params = ClusterParams::default().semantic_weight(0.0);
    let c = Clusterer::new(params).unwrap().cluster(&items).unwrap();
    let f = feature_of(&c, "1");
    assert_eq!(f.members.len(), 5, "{c:#?}");
    // The written form the members use most.
    assert_eq!(f.name, "card arrived", "{c:#?}");
}

#[test]
fn no_two_features_share_a_name() {
    // Six groups of customers asking for Excel export, each group adding its
    // own word: the best phrase of every group is "excel export".
    let extra = [
        "invoices", "reports", "orders", "contacts", "tickets", "payments",
    ];
    let mut items = Vec::new();
    for (g, w) in extra.iter().enumerate() {
        for k in 0..3 {
            items.push(item(
                &format!("{g}-{k}"),
                &format!("excel export of {w} {w} {w}"),
                &format!("cust-{g}-{k}"),
            ));
        }
    }
    let c = Clusterer::new(ClusterParams::default().similarity_threshold(0.6))
        .unwrap()
        .cluster(&items)
        .unwrap();
    assert!(c.features.len() >= 2, "{c:#?}");
    let mut names: Vec<&str> = c.features.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n, "{names:?}");
}

#[test]
fn cjk_names_are_runs_of_the_original_text() {
    let items = vec![
        item("1", "希望支持导出报表到Excel", "c1"),
        item("2", "请支持导出报表", "c2"),
        item("3", "导出报表功能什么时候上线", "c3"),
        item("4", "ダークモードに対応してほしい", "c1"),
        item("5", "ダークモードが欲しいです", "c2"),
        item("6", "ダークモード機能を追加して", "c3"),
    ];
    let c = Clusterer::default().cluster(&items).unwrap();
    assert!(!c.features.is_empty(), "{c:#?}");
    for f in &c.features {
        assert!(!f.name.is_empty());
        // A run of one member's text: no spaces put between characters.
        assert!(!f.name.contains(' '), "{:?}", f.name);
        assert!(
            is_members_phrase(&f.name, &f.members, &items),
            "{:?}",
            f.name
        );
    }
    assert!(feature_of(&c, "1").name.contains("导出报表"), "{c:#?}");
    // Characters follow each other without a break: a run is not "cut
    // short" because another character comes next.
    assert!(feature_of(&c, "4").name.contains("ダークモード"), "{c:#?}");
}

#[test]
fn odd_text_gets_a_name_or_none_without_panicking() {
    let long = "export invoices ".repeat(20_000);
    let items = vec![
        item("1", "🚀🚀🚀", "c1"),
        item("2", "🚀🚀🚀", "c2"),
        item("3", "\u{0}\u{1b}[31m export\tinvoices \u{7f}", "c3"),
        item("4", &long, "c4"),
        item("5", "", "c5"),
        item("6", "!!! ??? ...", "c6"),
        item("7", "!!! ??? ...", "c7"),
        item("8", "export, invoices", "c8"),
        item("9", "what\u{7}is this", "c9"),
        item("10", "why\u{0}not", "c9"),
        item("11", "👍", "c9"),
        item("12", "...thanks", "c9"),
    ];
    let c = Clusterer::default().cluster(&items).unwrap();
    let names = c
        .features
        .iter()
        .map(|f| (&f.name, &f.members))
        .chain(c.special_cases.iter().map(|s| (&s.name, &s.members)));
    for (name, members) in names {
        assert!(name.chars().count() <= 200, "{name:?}");
        assert!(!name.chars().any(char::is_control), "{name:?}");
        // Only a group of blank requests has no name.
        let blank = members.iter().all(|m| m == "5");
        assert_eq!(name.trim().is_empty(), blank, "{name:?} of {members:?}");
    }
    // The escape sequence's "31m" is a word of the text; the control
    // characters are not part of the name.
    assert!(
        feature_of(&c, "3").name.ends_with("export invoices"),
        "{c:#?}"
    );
}

#[test]
fn the_index_and_the_triage_report_show_the_phrase() {
    let items = banking();
    let (c, index) = Clusterer::default().cluster_with_index(&items).unwrap();
    let f = feature_of(&c, "a1");
    let new = item("n", "Please raise my top-up limit", "c9");
    match index.assign(&new) {
        Assignment::Joins { id, name, .. } => {
            assert_eq!(id, f.id);
            assert_eq!(name, f.name);
        }
        other => panic!("{other:?}"),
    }
    let report = feedback_triage::Triage::builtin().report(&items).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert!(json.to_string().contains("\"top-up limit\""), "{json}");
}

/// Words for generated requests: content words, stop words, punctuation,
/// inflections and another script.
const WORDS: &[&str] = &[
    "export", "exports", "exported", "excel", "invoice", "invoices", "dark", "mode", "editor",
    "login", "sso", "saml", "card", "cards", "arrive", "arrived", "top-up", "limit", "limits",
    "the", "of", "to", "my", "for", "and", ",", ".", "(", "导出", "报表", "🚀",
];

fn requests(max: usize) -> impl Strategy<Value = Vec<FeedbackItem>> {
    prop::collection::vec(
        (
            prop::collection::vec(0..WORDS.len(), 1..8),
            0..5u8,
            any::<u16>(),
        ),
        0..max,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (words, cust, tag))| {
                let text: Vec<&str> = words.iter().map(|&w| WORDS[w]).collect();
                // Ids whose order is not the generation order.
                FeedbackItem::new(format!("{tag:05}-{i}"))
                    .with_title(text.join(" "))
                    .with_customer(format!("cust-{cust}"))
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn names_do_not_depend_on_the_input_order(items in requests(48), seed in any::<u64>()) {
        let cl = Clusterer::new(ClusterParams::default().min_distinct_customers(2)).unwrap();
        let a = cl.cluster(&items).unwrap();
        let mut shuffled = items.clone();
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let b = cl.cluster(&shuffled).unwrap();
        let names = |c: &Clustering| -> Vec<(String, String)> {
            let mut v: Vec<(String, String)> = c.features.iter().map(|f| (f.id.clone(), f.name.clone()))
                .chain(c.special_cases.iter().map(|s| (s.id.clone(), s.name.clone())))
                .collect();
            v.sort();
            v
        };
        prop_assert_eq!(names(&a), names(&b));
    }

    #[test]
    fn names_are_unique_members_phrases(items in requests(48)) {
        let c = Clusterer::new(ClusterParams::default().min_distinct_customers(2))
            .unwrap()
            .cluster(&items)
            .unwrap();
        let mut seen = std::collections::HashSet::new();
        for f in &c.features {
            prop_assert!(seen.insert(f.name.clone()), "{:?} twice", f.name);
            // A numbered name (" (2)") is the fallback when every candidate is taken.
            let base = f.name.split(" (").next().unwrap();
            prop_assert!(is_members_phrase(base, &f.members, &items), "{:?}", f.name);
            let words: Vec<&str> = base.split(' ').collect();
            // Only a group whose members share no content word (a letter
            // or digit, not a stop word) has a name without one, and then
            // it is their words as written ("and 🚀 the").
            let content = |w: &&str| !STOP.contains(w) && w.chars().any(char::is_alphanumeric);
            if !words.iter().any(content) {
                continue;
            }
            prop_assert!(!STOP.contains(&words[0]), "{:?}", f.name);
            prop_assert!(!STOP.contains(words.last().unwrap()), "{:?}", f.name);
        }
    }
}

//! The growing backlog: round trips, stable ids, history and bad saved state.

use feedback_triage::{
    BACKLOG_FORMAT_VERSION, Backlog, BacklogError, ClusterParams, EventKind, FeedbackItem,
    Placement, SpecialReason,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const WORDS: [&str; 12] = [
    "export", "invoice", "csv", "dark", "mode", "login", "sso", "okta", "webhook", "retry",
    "slack", "alert",
];

fn item(i: usize, words: &[u8], customer: u8) -> FeedbackItem {
    let text: Vec<&str> = words
        .iter()
        .map(|&w| WORDS[w as usize % WORDS.len()])
        .collect();
    let it = FeedbackItem::new(format!("r{i}")).with_title(text.join(" "));
    if customer == 0 {
        it
    } else {
        it.with_customer(format!("c{customer}"))
    }
}

fn stream() -> impl Strategy<Value = Vec<FeedbackItem>> {
    // Up to 150 requests: the backlog consolidates at 64 and 128.
    prop::collection::vec((prop::collection::vec(0u8..12, 1..5), 0u8..6), 1..150).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (w, c))| item(i, &w, c))
            .collect()
    })
}

fn fresh() -> Backlog {
    Backlog::new(ClusterParams::default()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Saving after any prefix, loading and inserting the rest gives the
    /// same saved bytes as never stopping.
    #[test]
    fn save_load_insert_equals_uninterrupted(items in stream(), cut in 0usize..150) {
        let cut = cut.min(items.len());
        let mut whole = fresh();
        whole.insert_batch(&items).unwrap();
        let mut first = fresh();
        first.insert_batch(&items[..cut]).unwrap();
        let saved = serde_json::to_string(&first).unwrap();
        let mut resumed: Backlog = serde_json::from_str(&saved).unwrap();
        resumed.insert_batch(&items[cut..]).unwrap();
        prop_assert_eq!(
            serde_json::to_string(&whole).unwrap(),
            serde_json::to_string(&resumed).unwrap()
        );
    }

    /// The batch-shaped view: every request in exactly one `members`, the
    /// features those of `features()`, and a resumed backlog gives the same
    /// view as one that never stopped.
    #[test]
    fn clustering_holds_every_request_once(items in stream(), cut in 0usize..150) {
        let cut = cut.min(items.len());
        let mut whole = fresh();
        whole.insert_batch(&items).unwrap();
        let c = whole.clustering();
        let mut all: Vec<&str> = c.features.iter().flat_map(|f| f.members.iter())
            .chain(c.special_cases.iter().flat_map(|s| s.members.iter()))
            .map(String::as_str).collect();
        all.sort_unstable();
        let mut ids: Vec<&str> = items.iter().map(|it| it.id.as_str()).collect();
        ids.sort_unstable();
        prop_assert_eq!(all, ids);
        let mut fids: Vec<String> = c.features.iter().map(|f| f.id.clone()).collect();
        fids.sort();
        let mut expected: Vec<String> = whole.features().into_iter().map(|f| f.id).collect();
        expected.sort();
        prop_assert_eq!(fids, expected);
        // A special case's reason says what held it back.
        let min = whole.params().min_distinct_customers;
        for s in &c.special_cases {
            let want = if s.members.len() == 1 {
                SpecialReason::Alone
            } else if s.distinct_customers < min {
                SpecialReason::FewCustomers
            } else {
                SpecialReason::Loose
            };
            prop_assert_eq!(s.reason, want, "{:?}", s);
        }
        let mut first = fresh();
        first.insert_batch(&items[..cut]).unwrap();
        let mut resumed: Backlog =
            serde_json::from_str(&serde_json::to_string(&first).unwrap()).unwrap();
        resumed.insert_batch(&items[cut..]).unwrap();
        prop_assert_eq!(resumed.clustering(), c);
    }

    /// A request's feature id changes only by a recorded event: its feature
    /// merged into an older one, a consolidation moving it, or its feature
    /// split (both halves new ids). Every request is in exactly one group;
    /// retired ids never come back.
    #[test]
    fn ids_change_only_by_recorded_events(items in stream()) {
        let mut b = fresh();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut retired: BTreeSet<String> = BTreeSet::new();
        for it in &items {
            let before = b.events().len();
            b.insert(it).unwrap();
            for e in &b.events()[before..] {
                match &e.kind {
                    EventKind::Merged { absorbed: Some(a), .. } => {
                        let (o, n): (u64, u64) = (a[1..].parse().unwrap(), e.feature[1..].parse().unwrap());
                        prop_assert!(n < o, "merge kept {} over older {}", e.feature, a);
                        seen.values_mut().filter(|v| *v == a).for_each(|v| *v = e.feature.clone());
                        retired.insert(a.clone());
                    }
                    EventKind::Moved { to, .. } => match to {
                        Some(t) => { seen.insert(e.requests[0].clone(), t.clone()); }
                        None => { seen.remove(&e.requests[0]); }
                    },
                    EventKind::Split { from } => {
                        retired.insert(from.clone());
                        for r in &e.requests {
                            if let Some(v) = seen.get(r) {
                                prop_assert_eq!(v, from);
                            }
                            seen.insert(r.clone(), e.feature.clone());
                        }
                    }
                    EventKind::Dissolved => {
                        retired.insert(e.feature.clone());
                        seen.retain(|_, f| *f != e.feature);
                    }
                    EventKind::Created | EventKind::Grew => {
                        for r in &e.requests {
                            seen.insert(r.clone(), e.feature.clone());
                        }
                    }
                    _ => {}
                }
            }
            for (req, id) in &seen {
                let now = b.feature_of(req);
                prop_assert_eq!(now.as_ref(), Some(id), "{} changed silently", req);
            }
            if let Some(f) = b.feature_of(&it.id) {
                seen.insert(it.id.clone(), f);
            }
            let live: BTreeSet<String> = b.features().into_iter().map(|f| f.id).collect();
            prop_assert!(live.is_disjoint(&retired));
        }
        let all: Vec<&str> = b.partition().into_iter().flatten().collect();
        let unique: BTreeSet<&str> = all.iter().copied().collect();
        prop_assert_eq!(all.len(), items.len());
        prop_assert_eq!(unique.len(), items.len());
    }

    /// On a stream of one request asked again and again, the feature born
    /// from the first two customers keeps its id to the end and records one
    /// growth per later request.
    #[test]
    fn growing_feature_keeps_its_id(extra in prop::collection::vec(prop::collection::vec(0u8..3, 0..3), 1..40)) {
        let mut b = fresh();
        let base = [0u8, 1, 2];
        let mut id = None;
        for (i, more) in extra.iter().enumerate() {
            let mut words = base.to_vec();
            words.extend(more);
            let placed = b.insert(&item(i, &words, (i % 5 + 1) as u8)).unwrap();
            match (&id, placed) {
                (None, Placement::Feature { id: f }) => id = Some(f),
                (Some(old), Placement::Feature { id: f }) => prop_assert_eq!(old, &f),
                (Some(_), Placement::Special) => prop_assert!(false, "left the feature"),
                (None, Placement::Special) => prop_assert_eq!(i, 0),
                _ => {}
            }
        }
        let grew = b.events().iter().filter(|e| e.kind == EventKind::Grew).count();
        prop_assert_eq!(grew + 2, extra.len().max(2));
        prop_assert_eq!(b.features().len(), usize::from(extra.len() > 1));
    }
}

#[test]
fn special_cases_need_distinct_customers() {
    let mut b = fresh();
    for i in 0..4 {
        let p = b.insert(&item(i, &[0, 1, 2], 1)).unwrap();
        assert_eq!(p, Placement::Special);
    }
    assert_eq!(b.special_cases().len(), 4);
    assert_eq!(b.partition().len(), 1);
    let p = b.insert(&item(4, &[0, 1, 2], 2)).unwrap();
    let Placement::Feature { id } = p else {
        panic!("two customers make a feature")
    };
    let created = &b.events()[0];
    assert_eq!(created.kind, EventKind::Created);
    assert_eq!(created.feature, id);
    assert_eq!(created.requests, ["r0", "r1", "r2", "r3", "r4"]);
    assert!(b.special_cases().is_empty());
}

#[test]
fn one_customer_in_several_spellings_is_one_customer() {
    // "Acme", " ACME" and "acme " are one customer, and a blank name is no
    // customer (a request of its own): four requests, two customers, no
    // feature while min_distinct_customers is 3.
    let params = ClusterParams::default().min_distinct_customers(3);
    let names = ["Acme", " ACME", "acme ", " "];
    let mut b = Backlog::new(params).unwrap();
    for (i, who) in names.iter().enumerate() {
        let it = FeedbackItem::new(format!("r{i}"))
            .with_title("export invoice csv")
            .with_customer(*who);
        b.insert(&it).unwrap();
    }
    assert!(b.features().is_empty());
    let c = b.clustering();
    assert_eq!(c.special_cases.len(), 1);
    assert_eq!(c.special_cases[0].distinct_customers, 2);
    // A state that counted the spellings apart (as earlier releases did) is
    // counted again on loading.
    let mut v = serde_json::to_value(&b).unwrap();
    let g = v["groups"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|g| !g["members"].as_array().unwrap().is_empty())
        .unwrap();
    g["customers"] = serde_json::json!([" ", " ACME", "Acme", "acme "]);
    g["anonymous"] = 0.into();
    let loaded: Backlog = serde_json::from_value(v).unwrap();
    assert_eq!(loaded.clustering().special_cases[0].distinct_customers, 2);
    assert_eq!(
        serde_json::to_value(&loaded).unwrap(),
        serde_json::to_value(&b).unwrap()
    );
}

#[test]
fn unrelated_requests_stay_apart() {
    let mut b = fresh();
    b.insert(&item(0, &[0, 1, 2], 1)).unwrap();
    b.insert(&item(1, &[3, 4], 2)).unwrap();
    b.insert(&item(2, &[5, 6, 7], 3)).unwrap();
    assert_eq!(b.partition().len(), 3);
    assert!(b.features().is_empty());
}

#[test]
fn odd_and_bad_requests() {
    let mut b = fresh();
    for (i, t) in [
        "",
        "🦀🦀",
        "\u{0}\u{7}ctl",
        "数据导出功能",
        &"x ".repeat(100_000),
    ]
    .iter()
    .enumerate()
    {
        b.insert(
            &FeedbackItem::new(format!("o{i}"))
                .with_title(*t)
                .with_body(*t),
        )
        .unwrap();
    }
    assert_eq!(b.len(), 5);
    let dup = b.insert(&FeedbackItem::new("o1")).unwrap_err();
    assert!(matches!(dup, BacklogError::DuplicateRequest { ref id } if id == "o1"));
    assert!(matches!(
        b.insert(&FeedbackItem::new(" ")),
        Err(BacklogError::Item(_))
    ));
    assert_eq!(b.len(), 5);
}

fn saved_with(f: impl FnOnce(&mut serde_json::Value)) -> Result<Backlog, String> {
    let mut b = fresh();
    for i in 0..6 {
        b.insert(&item(i, &[0, 1, (i % 2) as u8 + 2], i as u8))
            .unwrap();
    }
    let mut v = serde_json::to_value(&b).unwrap();
    f(&mut v);
    serde_json::from_value(v).map_err(|e| e.to_string())
}

#[test]
fn bad_saved_state_names_the_field() {
    assert!(saved_with(|_| {}).is_ok());
    let e = saved_with(|v| v["version"] = (BACKLOG_FORMAT_VERSION + 1).into()).unwrap_err();
    assert!(e.contains("field `version`"), "{e}");
    let e = saved_with(|v| v["items"][0]["group"] = 999.into()).unwrap_err();
    assert!(e.contains("groups.members"), "{e}");
    let e = saved_with(|v| v["items"][1]["id"] = "r0".into()).unwrap_err();
    assert!(e.contains("items.id"), "{e}");
    let e = saved_with(|v| v["df"].as_array_mut().unwrap().clear()).unwrap_err();
    assert!(e.contains("field `df`"), "{e}");
    let e = saved_with(|v| v["next_feature"] = 0.into()).unwrap_err();
    assert!(e.contains("groups.feature"), "{e}");
    let e = saved_with(|v| v["params"]["similarity_threshold"] = 2.0.into()).unwrap_err();
    assert!(e.contains("similarity_threshold"), "{e}");
}

/// A hand-edited state can neither hang the backlog (a loop of merges) nor
/// make a later insert overflow a count.
#[test]
fn edited_state_with_loops_or_huge_counts_is_refused() {
    let e = saved_with(|v| v["groups"][0]["merged_into"] = 0.into()).unwrap_err();
    assert!(
        e.contains("groups.merged_into") && e.contains("loop"),
        "{e}"
    );
    let e = saved_with(|v| {
        // A second group merged into the first, and the first into it.
        let groups = v["groups"].as_array_mut().unwrap();
        let mut copy = groups[0].clone();
        copy["merged_into"] = 0.into();
        groups.push(copy);
        let last = groups.len() - 1;
        groups[0]["merged_into"] = last.into();
    })
    .unwrap_err();
    assert!(e.contains("loop"), "{e}");
    let e = saved_with(|v| v["groups"][0]["anonymous"] = u64::MAX.into()).unwrap_err();
    assert!(e.contains("groups.anonymous"), "{e}");
    let e = saved_with(|v| v["next_feature"] = u64::MAX.into()).unwrap_err();
    assert!(e.contains("next_feature"), "{e}");
    if let Ok(b) = saved_with(|_| {})
        && b.uses_meaning()
    {
        let e = saved_with(|v| v["meaning"]["center_count"] = u64::MAX.into()).unwrap_err();
        assert!(e.contains("meaning.center_count"), "{e}");
    }
}

/// A hand-edited state whose customer lists or requests say what the
/// requests do not is refused, not ranked on customers nobody asked for.
#[test]
fn edited_customers_and_requests_are_refused() {
    let with_customers = |v: &serde_json::Value| {
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .position(|g| !g["customers"].as_array().unwrap().is_empty())
            .unwrap()
    };
    let e = saved_with(|v| {
        let k = with_customers(v);
        v["groups"][k]["customers"]
            .as_array_mut()
            .unwrap()
            .push("initech".into());
    })
    .unwrap_err();
    assert!(e.contains("groups.customers"), "{e}");
    let e = saved_with(|v| {
        let k = with_customers(v);
        v["groups"][k]["customers"] = serde_json::json!(["nobody"]);
    })
    .unwrap_err();
    assert!(e.contains("groups.customers"), "{e}");
    let e = saved_with(|v| v["items"][1]["deal_value"] = (-5.0).into()).unwrap_err();
    assert!(e.contains("items.deal_value"), "{e}");
    let e = saved_with(|v| v["items"][1]["deal_value"] = 1e300.into()).unwrap_err();
    assert!(e.contains("items.deal_value"), "{e}");
    let e = saved_with(|v| v["items"][1]["id"] = " ".into()).unwrap_err();
    assert!(e.contains("items.id"), "{e}");
}

/// Some random stream merges two features: the history records it, the
/// older id survives and the merged feature holds both groups' requests.
#[test]
fn merges_happen_and_are_recorded() {
    let mut merges = 0;
    for seed in 0..200u64 {
        let mut b = fresh();
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        };
        for i in 0..40 {
            let words: Vec<u8> = (0..1 + next() % 4).map(|_| next() % 12).collect();
            b.insert(&item(i, &words, next() % 6)).unwrap();
        }
        for e in b.events() {
            if let EventKind::Merged {
                absorbed: Some(a),
                requests_absorbed,
            } = &e.kind
            {
                merges += 1;
                assert!(*requests_absorbed > 0);
                assert!(b.features().iter().all(|f| &f.id != a));
                assert_eq!(e.requests.len(), 1);
            }
        }
    }
    assert!(merges > 0, "no stream merged two features");
}

/// Meaning needs the built-in vectors (the default `static-vectors` feature).
#[cfg(feature = "static-vectors")]
#[test]
fn meaning_is_on_by_default_and_saved() {
    let b = fresh();
    assert_eq!(b.uses_meaning(), cfg!(feature = "static-vectors"));
    let terms = Backlog::new(ClusterParams::default().semantic_weight(0.0)).unwrap();
    assert!(!terms.uses_meaning());
    // A state saved with meaning does not load as terms only, and back.
    let mut v = serde_json::to_value(&terms).unwrap();
    v["params"]["semantic_weight"] = 0.5.into();
    let e = serde_json::from_value::<Backlog>(v)
        .unwrap_err()
        .to_string();
    if cfg!(feature = "static-vectors") {
        assert!(e.contains("meaning"), "{e}");
    }
}

#[test]
fn a_state_round_trips_through_a_format_that_reads_by_position() {
    // postcard reads every field by position: a field left out when empty
    // (a request's title) would shift the rest.
    let mut b = fresh();
    for i in 0..8 {
        let it = item(i, &[0, 1, (i % 3) as u8 + 2], i as u8);
        let it = if i % 2 == 0 {
            FeedbackItem::new(it.id.clone()).with_body(it.title.clone())
        } else {
            it
        };
        b.insert(&it).unwrap();
    }
    let bytes = postcard::to_stdvec(&b).unwrap();
    let back: Backlog = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back.clustering(), b.clustering());
    assert_eq!(
        serde_json::to_string(&back).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

#[test]
fn older_states_are_refused_by_their_version() {
    let e = saved_with(|v| {
        v["version"] = 1.into();
        let o = v.as_object_mut().unwrap();
        o.remove("meaning");
        o.remove("surfaces");
    })
    .unwrap_err();
    assert!(e.contains("format version 1, expected 4 or 5"), "{e}");
    assert_eq!(BACKLOG_FORMAT_VERSION, 5);
    // Version 2 summed another trust per group, version 3 kept no vectors
    // per request (see the constant's docs).
    for old in [2, 3] {
        let e = saved_with(|v| {
            v["version"] = old.into();
            for it in v["items"].as_array_mut().unwrap() {
                let o = it.as_object_mut().unwrap();
                o.remove("terms");
                o.remove("dense");
            }
        })
        .unwrap_err();
        assert!(
            e.contains(&format!("format version {old}, expected 4 or 5")),
            "{e}"
        );
    }
    // Version 4 kept no text: it loads, and its groups are named by their
    // key terms until requests with text join them.
    let v4 = saved_with(|v| {
        v["version"] = 4.into();
        for it in v["items"].as_array_mut().unwrap() {
            let o = it.as_object_mut().unwrap();
            assert!(o.remove("title").is_some());
            o.remove("body");
        }
    })
    .unwrap();
    let c = v4.clustering();
    assert!(!c.features.is_empty(), "{c:#?}");
    for f in &c.features {
        assert_eq!(f.name, f.key_terms[..f.key_terms.len().min(3)].join(" "));
    }
    // A request's vectors are checked against the terms and dimensions.
    let e = saved_with(|v| v["items"][0]["terms"] = serde_json::json!([[999999, 0.5]]));
    assert!(e.unwrap_err().contains("items.terms"));
    let e = saved_with(|v| v["items"][0]["terms"] = serde_json::json!([[1, 0.5], [0, 0.5]]));
    assert!(e.unwrap_err().contains("items.terms"));
    if cfg!(feature = "static-vectors") {
        let e = saved_with(|v| v["items"][0]["dense"]["values"] = "TWFu".into());
        assert!(e.unwrap_err().contains("items.dense"));
        let e = saved_with(|v| v["items"][0]["dense"]["values"] = "not base64!".into());
        assert!(e.unwrap_err().contains("items.dense"));
        // A group must count the members that have a vector.
        let e = saved_with(|v| v["items"][0]["dense"] = serde_json::Value::Null);
        assert!(e.unwrap_err().contains("groups.dense_n"));
    } else {
        let e = saved_with(|v| {
            v["items"][0]["dense"] = serde_json::json!({"scale": 1.0, "trust": 1.0, "values": ""})
        });
        assert!(e.unwrap_err().contains("items.dense"));
    }
    // Without the built-in vectors a backlog saves no meaning side.
    if cfg!(feature = "static-vectors") {
        let e = saved_with(|v| v["meaning"]["sigs"].as_array_mut().unwrap().clear());
        assert!(e.unwrap_err().contains("meaning.sigs"));
    }
}

#[test]
fn insert_each_reports_every_bad_request() {
    let mut b = fresh();
    let items = [
        item(0, &[0, 1], 1),
        FeedbackItem::new(" "),
        item(0, &[2], 1),
        item(1, &[0, 1], 2),
    ];
    let done = b.insert_each(&items);
    assert!(!done.is_complete());
    // Every good request's placement is kept beside the refusals.
    assert_eq!(done.placements.len(), items.len());
    assert_eq!(done.placements[1], None);
    assert_eq!(done.placements[2], None);
    let id = b.clustering().features[0].id.clone();
    assert_eq!(
        done.placements[3],
        Some(Placement::Feature { id: id.clone() })
    );
    assert_eq!(b.feature_of(&items[3].id), Some(id));
    assert!(done.placements[0].is_some());
    let Err(BacklogError::Requests(bad)) = done.into_result() else {
        panic!("two bad requests")
    };
    let places: Vec<usize> = bad.iter().map(|e| e.index).collect();
    assert_eq!(places, [1, 2]);
    assert!(matches!(
        *bad[1].error,
        BacklogError::DuplicateRequest { .. }
    ));
    assert_eq!(b.len(), 2);
    assert_eq!(b.clustering().features.len(), 1);
}

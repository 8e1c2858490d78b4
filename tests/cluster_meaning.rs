//! Grouping by meaning with the caller's embeddings: requests that share no
//! word, bad embeddings, items without one, and the embedding threshold.

use feedback_triage::{Assignment, ClusterParams, Clusterer, FeedbackItem, ItemError};

#[path = "common/partition.rs"]
mod partition;
use partition::partition;

/// Requests that share no word but whose caller embeddings agree.
fn same_meaning_other_words() -> Vec<FeedbackItem> {
    let texts = [
        ("a1", "my card has not arrived", [1.0, 0.1, 0.0]),
        (
            "a2",
            "still waiting on the new one you posted",
            [0.9, 0.0, 0.1],
        ),
        ("a3", "delivery of plastic never came", [1.0, 0.0, 0.0]),
        ("b1", "dark theme for the editor", [0.0, 1.0, 0.1]),
        ("b2", "night colours when writing code", [0.1, 1.0, 0.0]),
        ("c1", "export invoices as spreadsheet", [0.0, 0.0, 1.0]),
    ];
    texts
        .iter()
        .map(|(id, t, e)| {
            FeedbackItem::new(*id)
                .with_title(*t)
                .with_embedding(e.to_vec())
        })
        .collect()
}

#[test]
fn caller_embeddings_join_requests_that_share_no_word() {
    let items = same_meaning_other_words();
    let hybrid = Clusterer::default().cluster(&items).unwrap();
    let p = partition(&hybrid);
    assert!(
        p.contains(&vec!["a1".to_string(), "a2".into(), "a3".into()]),
        "{p:?}"
    );
    assert!(p.contains(&vec!["b1".to_string(), "b2".into()]), "{p:?}");
    // Terms alone cannot see it.
    let terms = Clusterer::new(ClusterParams::default().semantic_weight(0.0)).unwrap();
    let p = partition(&terms.cluster(&items).unwrap());
    assert!(p.iter().all(|g| g.len() == 1), "{p:?}");
    // The index uses the same similarity: a new request by meaning only.
    let (clustering, index) = Clusterer::default().cluster_with_index(&items).unwrap();
    let group_of_a1 = clustering
        .features
        .iter()
        .find(|f| f.members.contains(&"a1".to_string()))
        .map(|f| f.id.clone());
    let new = FeedbackItem::new("a4")
        .with_title("where is the thing you mailed")
        .with_embedding(vec![0.95, 0.05, 0.0]);
    match index.assign(&new) {
        Assignment::Joins { id, .. } => assert_eq!(Some(id), group_of_a1),
        other => panic!("{other:?}"),
    }
    let check = index.find_duplicate(&new).unwrap();
    assert!(check.similarity > 0.3, "{check:?}");
}

#[test]
fn bad_embeddings_are_typed_errors_naming_the_item() {
    let mut items = same_meaning_other_words();
    items.push(FeedbackItem::new("z1").with_embedding(vec![1.0, 2.0]));
    items.push(FeedbackItem::new("y1").with_embedding(vec![1.0, 2.0, 3.0, 4.0]));
    let err = Clusterer::default().cluster(&items).unwrap_err();
    assert!(
        matches!(&err, ItemError::EmbeddingDimension { id, expected: 3, .. } if id == "y1"),
        "{err}"
    );
    // Also with meaning switched off: one input agrees in dimension.
    let off = Clusterer::new(ClusterParams::default().semantic_weight(0.0)).unwrap();
    assert!(off.cluster(&items).is_err());
    let mut items = same_meaning_other_words();
    items.push(FeedbackItem::new("n1").with_embedding(vec![1.0, f32::NAN, 0.0]));
    let err = Clusterer::default().cluster(&items).unwrap_err();
    assert!(
        matches!(&err, ItemError::InvalidEmbedding { id, index: 1, .. } if id == "n1"),
        "{err}"
    );
    assert!(err.to_string().contains("embedding"));
}

#[test]
fn items_without_an_embedding_compare_by_terms_among_embedded_ones() {
    let mut items = same_meaning_other_words();
    items.push(FeedbackItem::new("d1").with_title("single sign-on with SAML"));
    items.push(FeedbackItem::new("d2").with_title("SAML single sign-on please"));
    let p = partition(&Clusterer::default().cluster(&items).unwrap());
    assert!(p.contains(&vec!["d1".to_string(), "d2".into()]), "{p:?}");
}

#[test]
fn the_embedding_threshold_ratio_is_validated_and_only_splits_when_raised() {
    for bad in [0.0, -0.1, 1.5, f64::NAN] {
        let err = Clusterer::new(ClusterParams::default().embedding_threshold_ratio(bad))
            .unwrap_err()
            .to_string();
        assert!(err.contains("embedding_threshold_ratio"), "{err}");
    }
    let items = same_meaning_other_words();
    let loose = partition(&Clusterer::default().cluster(&items).unwrap());
    let strict = Clusterer::new(ClusterParams::default().embedding_threshold_ratio(1.0)).unwrap();
    let strict = partition(&strict.cluster(&items).unwrap());
    // At ratio 1 a group must be as close as the median item is to its
    // nearest neighbour: fewer merges, and each strict group lies inside a
    // default one.
    assert!(strict.len() > loose.len(), "{strict:?} {loose:?}");
    for g in &strict {
        assert!(
            loose.iter().any(|l| g.iter().all(|id| l.contains(id))),
            "{g:?} in {loose:?}"
        );
    }
}

/// `per` requests for each of `intents` directions in `dims` dimensions,
/// each moved by deterministic noise of size `noise` (no shared words).
fn noisy_intents(intents: usize, per: usize, noise: f32, dims: usize) -> Vec<FeedbackItem> {
    let mut state = 0x2545_f491_u32;
    let mut next = move || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    };
    let mut items = Vec::new();
    for t in 0..intents {
        for i in 0..per {
            let e: Vec<f32> = (0..dims)
                .map(|d| f32::from(u8::from(d == t)) + noise * next())
                .collect();
            items.push(
                FeedbackItem::new(format!("t{t}-{i:02}"))
                    .with_title(format!("w{t}x{i}"))
                    .with_embedding(e),
            );
        }
    }
    items
}

#[test]
fn embedding_neighbours_are_validated_and_the_smoothing_keeps_order_free_groups() {
    let err = Clusterer::new(ClusterParams::default().embedding_neighbours(51))
        .unwrap_err()
        .to_string();
    assert!(err.contains("embedding_neighbours"), "{err}");
    let items = noisy_intents(4, 12, 0.6, 8);
    let smooth = Clusterer::default();
    let p = partition(&smooth.cluster(&items).unwrap());
    // Each intent is one group, whatever the order the items come in.
    for t in 0..4 {
        let ids: Vec<String> = (0..12).map(|i| format!("t{t}-{i:02}")).collect();
        assert!(p.contains(&ids), "intent {t}: {p:?}");
    }
    let mut shuffled = items.clone();
    shuffled.reverse();
    shuffled.rotate_left(17);
    assert_eq!(partition(&smooth.cluster(&shuffled).unwrap()), p);
    // The index compares a new request as the linkage did (smoothed over
    // its nearest indexed requests): one more of intent 2 joins its group,
    // and its similarity clears the linkage's own threshold.
    let (clustering, index) = smooth.cluster_with_index(&items).unwrap();
    let group = |id: &str| {
        clustering
            .features
            .iter()
            .find(|f| f.members.iter().any(|m| m == id))
            .map(|f| f.id.clone())
    };
    let new = noisy_intents(4, 13, 0.6, 8).swap_remove(2 * 13 + 12);
    match index.assign(&FeedbackItem::new("new").with_embedding(new.embedding.unwrap())) {
        Assignment::Joins { id, similarity, .. } => {
            assert_eq!(Some(id), group("t2-00"));
            assert!(similarity >= index.threshold(), "{similarity}");
        }
        other => panic!("{other:?}"),
    }
    // Without smoothing (and its ratio) the same items cluster too: the
    // parameter switches a step, it does not break the linkage.
    let plain = ClusterParams::default()
        .embedding_neighbours(0)
        .embedding_threshold_ratio(0.48);
    let plain = partition(&Clusterer::new(plain).unwrap().cluster(&items).unwrap());
    assert!(
        plain
            .iter()
            .all(|g| g.iter().all(|id| id[..2] == g[0][..2])),
        "{plain:?}"
    );
}

#[test]
fn a_batch_of_mostly_singletons_keeps_them_apart_and_pairs_its_duplicates() {
    // 90 requests in directions of their own; ten of them have a near copy.
    let mut items = noisy_intents(90, 1, 0.6, 96);
    for t in 80..90 {
        let e: Vec<f32> = items[t].embedding.clone().unwrap();
        let twin: Vec<f32> = e
            .iter()
            .enumerate()
            .map(|(d, x)| x + 0.02 * ((d % 3) as f32 - 1.0))
            .collect();
        items.push(
            FeedbackItem::new(format!("t{t}-01"))
                .with_title(format!("v{t}y"))
                .with_embedding(twin),
        );
    }
    let p = partition(&Clusterer::default().cluster(&items).unwrap());
    // Every copy joins its request; no group grows past two, and few
    // singletons pair up (a cut at 0.54 × the median best cosine, which
    // assumes most requests have a paraphrase near, would sweep them in).
    for t in 80..90 {
        let pair = vec![format!("t{t}-00"), format!("t{t}-01")];
        assert!(p.contains(&pair), "{p:?}");
    }
    assert!(p.iter().all(|g| g.len() <= 2), "{p:?}");
    let paired = p.iter().filter(|g| g.len() == 2).count();
    assert!(paired <= 10 + 8, "{p:?}");
}

/// Pair F1 of a clustering against the intents (the id's first two bytes).
fn intent_pair_f1(groups: &[Vec<String>], items: &[FeedbackItem]) -> f64 {
    let group_of = |id: &str| groups.iter().position(|g| g.iter().any(|m| m == id));
    let (mut tp, mut fp, mut missed) = (0u32, 0u32, 0u32);
    for (n, a) in items.iter().enumerate() {
        for b in &items[n + 1..] {
            let same_intent = a.id[..2] == b.id[..2];
            let same_group = group_of(&a.id).is_some() && group_of(&a.id) == group_of(&b.id);
            match (same_intent, same_group) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => missed += 1,
                _ => {}
            }
        }
    }
    2.0 * f64::from(tp) / f64::from(2 * tp + fp + missed)
}

/// The group (feature or special case) holding `id`.
fn group_id(c: &feedback_triage::Clustering, id: &str) -> Option<String> {
    let has = |members: &[String]| members.iter().any(|m| m == id);
    c.features
        .iter()
        .find(|f| has(&f.members))
        .map(|f| f.id.clone())
        .or_else(|| {
            c.special_cases
                .iter()
                .find(|s| has(&s.members))
                .map(|s| s.id.clone())
        })
}

#[test]
fn smoothing_separates_noisy_intents_and_the_index_compares_alike() {
    // Six intents of 20 in 12 dimensions, noisy enough that single vectors
    // stray toward other intents.
    let items = noisy_intents(6, 20, 1.0, 12);
    let plain = ClusterParams::default()
        .embedding_neighbours(0)
        .embedding_threshold_ratio(0.48);
    let plain = Clusterer::new(plain).unwrap().cluster(&items).unwrap();
    let (smooth, index) = Clusterer::default().cluster_with_index(&items).unwrap();
    let (f1_plain, f1_smooth) = (
        intent_pair_f1(&partition(&plain), &items),
        intent_pair_f1(&partition(&smooth), &items),
    );
    assert!(
        f1_smooth > 0.85 && f1_smooth > f1_plain + 0.03,
        "{f1_smooth} {f1_plain}"
    );
    // Each request given to the index again (its own copy left out of its
    // neighbours) joins the group the clustering gave it: the index smooths
    // it as the linkage did and compares with the groups' smoothed means
    // (without the smoothing of the query, 94 of 120 did).
    let own = items
        .iter()
        .filter(|it| match index.assign(it) {
            Assignment::Joins { id, .. } => Some(id) == group_id(&smooth, &it.id),
            _ => false,
        })
        .count();
    assert!(own >= 108, "{own} of 120");
}

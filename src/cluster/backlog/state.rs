//! The saved form of a [`Backlog`] and the errors of loading one.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::meaning::{Meaning, Packed};
use super::{
    BACKLOG_FORMAT_VERSION, Backlog, Event, Group, Item, Slot, TEXT_BYTES, TermMap, meaning_for,
};
use crate::cluster::ClusterParams;
use crate::cluster::vectors::capped;
use crate::error::{ItemError, ParamsError};
use crate::item::customer_key;

/// Why a [`Backlog`] refused a request or a saved state.
///
/// A saved state is read through serde, whose `Deserialize` returns the
/// format's own error type: [`Version`](Self::Version),
/// [`Inconsistent`](Self::Inconsistent) and [`Params`](Self::Params) reach
/// the caller as that error, carrying this one's message (which names the
/// field at fault).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BacklogError {
    /// The parameters are out of range.
    #[error(transparent)]
    Params(ParamsError),
    /// The request is invalid.
    #[error(transparent)]
    Item(ItemError),
    /// A request with this id was inserted before.
    #[error("field `id`: request {id:?} was already inserted")]
    DuplicateRequest {
        /// The id.
        id: String,
    },
    /// The saved state was written by another format version.
    #[error(
        "field `version`: saved backlog has format version {found}, expected {} or {expected}",
        .expected.saturating_sub(1)
    )]
    Version {
        /// The version found.
        found: u32,
        /// The version this release writes (it reads the one before too).
        expected: u32,
    },
    /// Requests of a batch could not be inserted
    /// ([`Inserted::into_result`](super::Inserted::into_result)): each with
    /// its place and why.
    #[error("{} bad requests; first: {}", .0.len(), .0.first().map_or(String::new(), |e| e.to_string()))]
    Requests(Vec<RequestError>),
    /// The saved state contradicts itself (edited or truncated by hand).
    #[error("field `{field}` of the saved backlog is inconsistent: {detail}")]
    Inconsistent {
        /// The field.
        field: &'static str,
        /// What is wrong.
        detail: String,
    },
}

/// A request a batch could not take: its place in the batch (from 0), its
/// id when known, and why.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("request {index}{}: {error}", .id.as_ref().map_or(String::new(), |id| format!(" ({id:?})")))]
pub struct RequestError {
    /// Its place in the batch, from 0.
    pub index: usize,
    /// Its id, when it has one.
    pub id: Option<String>,
    /// Why it was refused.
    pub error: Box<BacklogError>,
}

fn bad(field: &'static str, detail: impl Into<String>) -> BacklogError {
    BacklogError::Inconsistent {
        field,
        detail: detail.into(),
    }
}

/// The saved form, as read. [`SavedRef`] writes the same fields from a
/// borrowed backlog.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Saved {
    version: u32,
    params: ClusterParams,
    terms: Vec<String>,
    df: Vec<u32>,
    items: Vec<SavedItem>,
    groups: Vec<SavedGroup>,
    feature_postings: Vec<Vec<u32>>,
    pending_postings: Vec<Vec<u32>>,
    events: Vec<Event>,
    next_feature: u64,
    // New in version 2 (defaults let a version 1 file parse far enough to
    // report its version).
    #[serde(default)]
    surfaces: Vec<String>,
    /// The meaning side, when used.
    #[serde(default)]
    meaning: Option<SavedMeaning>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedMeaning {
    center_sum: Vec<f64>,
    center_count: u64,
    sigs: Vec<Option<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedItem {
    id: String,
    customer: Option<String>,
    #[serde(default)]
    deal_value: Option<f64>,
    group: u32,
    /// New in version 4: the request's term vector as inserted.
    #[serde(default)]
    terms: Vec<(u32, f32)>,
    /// New in version 4: its packed dense vector.
    #[serde(default)]
    dense: Option<SavedPacked>,
    /// New in version 5: the start of its title and body.
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// A request's packed dense vector: the bytes in base64, so that any serde
/// format keeps them compact (JSON would write one number per byte).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedPacked {
    scale: f32,
    trust: f32,
    values: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedGroup {
    feature: Option<u64>,
    members: Vec<u32>,
    /// The member vectors' sum, by term id.
    sum: Vec<(u32, f32)>,
    norm2: f64,
    customers: Vec<String>,
    anonymous: u64,
    merged_into: Option<u32>,
    #[serde(default)]
    dense: Vec<f32>,
    #[serde(default)]
    dense_n: u32,
    #[serde(default)]
    trust_sum: f32,
}

impl TryFrom<Saved> for Backlog {
    type Error = BacklogError;

    fn try_from(s: Saved) -> Result<Backlog, BacklogError> {
        // The version before lacks only the requests' text.
        if s.version != BACKLOG_FORMAT_VERSION && s.version != BACKLOG_FORMAT_VERSION - 1 {
            return Err(BacklogError::Version {
                found: s.version,
                expected: BACKLOG_FORMAT_VERSION,
            });
        }
        s.params.validate().map_err(BacklogError::Params)?;
        check_terms(&s)?;
        // A split takes two numbers at once; far more than any stream.
        if s.next_feature > u64::MAX / 2 {
            return Err(bad("next_feature", "no feature number is left"));
        }
        let groups = load_groups(&s)?;
        check_merges(&groups)?;
        let items = load_items(&s, &groups)?;
        check_postings(&s)?;
        check_features(&s, &groups)?;
        let meaning = load_meaning(&s, &groups)?;
        let term_ids = s
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let item_ids = items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id.clone(), i as u32))
            .collect();
        let slots = groups
            .iter()
            .enumerate()
            .map(|(i, g)| Slot::new(g.merged_into.unwrap_or(i as u32)))
            .collect();
        let mut backlog = Backlog {
            params: s.params,
            terms: s.terms,
            term_ids,
            df: s.df,
            items,
            item_ids,
            groups,
            feature_postings: s.feature_postings,
            pending_postings: s.pending_postings,
            events: s.events,
            next_feature: s.next_feature,
            slots,
            surfaces: s.surfaces,
            meaning,
            buffers: Default::default(),
        };
        // Earlier releases counted "Acme" and "ACME " apart and a blank
        // name as a customer (see `FeedbackItem::customer_key`): such a
        // state lists a customer name not in its counted form, and is
        // counted again from its requests. A state that lists only counted
        // forms must list what its requests count to: anything else was
        // edited, and would rank features on customers nobody asked for.
        let stale = backlog
            .groups
            .iter()
            .flat_map(|g| &g.customers)
            .any(|c| customer_key(c).as_deref() != Some(c.as_str()));
        for g in 0..backlog.groups.len() {
            let (customers, anonymous) = backlog.count_customers(g as u32);
            let group = &mut backlog.groups[g];
            if !stale && (group.customers != customers || group.anonymous != anonymous) {
                return Err(bad(
                    "groups.customers",
                    format!("group {g} lists other customers than its requests have"),
                ));
            }
            (group.customers, group.anonymous) = (customers, anonymous);
        }
        Ok(backlog)
    }
}

fn check_terms(s: &Saved) -> Result<(), BacklogError> {
    let n = s.terms.len();
    if s.df.len() != n {
        return Err(bad("df", format!("{} counts for {n} terms", s.df.len())));
    }
    if s.surfaces.len() != n {
        return Err(bad(
            "surfaces",
            format!("{} words for {n} terms", s.surfaces.len()),
        ));
    }
    if s.feature_postings.len() != n || s.pending_postings.len() != n {
        return Err(bad(
            "feature_postings",
            format!("lists not one per term ({n})"),
        ));
    }
    let distinct: BTreeSet<&str> = s.terms.iter().map(String::as_str).collect();
    if distinct.len() != n {
        return Err(bad("terms", "a term is listed twice"));
    }
    Ok(())
}

fn load_groups(s: &Saved) -> Result<Vec<Group>, BacklogError> {
    let (n_groups, n_terms) = (s.groups.len(), s.terms.len());
    s.groups
        .iter()
        .map(|g| {
            if g.merged_into.is_some_and(|m| m as usize >= n_groups) {
                return Err(bad("groups.merged_into", "points past the groups"));
            }
            if g.sum
                .iter()
                .any(|&(t, w)| t as usize >= n_terms || !w.is_finite())
            {
                return Err(bad("groups.sum", "unknown term or non-finite weight"));
            }
            if !g.norm2.is_finite() {
                return Err(bad("groups.norm2", "not finite"));
            }
            if g.dense.iter().any(|x| !x.is_finite()) || !g.trust_sum.is_finite() {
                return Err(bad("groups.dense", "non-finite value"));
            }
            if (g.dense_n == 0) != g.dense.is_empty() {
                return Err(bad("groups.dense", "vector and count disagree"));
            }
            // No count can exceed the requests seen: later sums cannot overflow.
            let n_items = s.items.len() as u64;
            if g.anonymous > n_items || u64::from(g.dense_n) > n_items {
                return Err(bad("groups.anonymous", "a count exceeds the requests seen"));
            }
            let sum: TermMap = g.sum.iter().copied().collect();
            if sum.len() != g.sum.len() {
                return Err(bad("groups.sum", "a term is listed twice"));
            }
            Ok(Group {
                feature: g.feature,
                members: g.members.clone(),
                sum,
                norm2: g.norm2,
                customers: g.customers.iter().cloned().collect(),
                anonymous: g.anonymous,
                merged_into: g.merged_into,
                dense: g.dense.clone(),
                dense_n: g.dense_n,
                trust_sum: g.trust_sum,
            })
        })
        .collect()
}

/// Every chain of merges ends at a group that was not merged, so following
/// one always stops (a hand-edited state could make a loop).
fn check_merges(groups: &[Group]) -> Result<(), BacklogError> {
    // 0: not visited, 1: on the chain being followed, 2: ends well.
    let mut state = vec![0u8; groups.len()];
    for start in 0..groups.len() {
        let mut chain = Vec::new();
        let mut g = start;
        while state[g] == 0 {
            state[g] = 1;
            chain.push(g);
            match groups[g].merged_into {
                Some(next) => g = next as usize,
                None => break,
            }
        }
        if state[g] == 1 && groups[g].merged_into.is_some() {
            return Err(bad(
                "groups.merged_into",
                format!("group {start} is merged in a loop"),
            ));
        }
        for c in chain {
            state[c] = 2;
        }
    }
    Ok(())
}

fn load_items(s: &Saved, groups: &[Group]) -> Result<Vec<Item>, BacklogError> {
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    let mut seen = vec![false; s.items.len()];
    for (k, g) in groups.iter().enumerate() {
        if g.merged_into.is_some() && !g.members.is_empty() {
            return Err(bad(
                "groups.members",
                format!("merged group {k} has members"),
            ));
        }
        for &m in &g.members {
            let ok = s
                .items
                .get(m as usize)
                .is_some_and(|it| it.group as usize == k);
            if !ok || std::mem::replace(&mut seen[m as usize], true) {
                return Err(bad(
                    "groups.members",
                    format!("group {k} lists request {m} wrongly"),
                ));
            }
        }
    }
    if let Some(i) = seen.iter().position(|&x| !x) {
        return Err(bad("items.group", format!("request {i} is in no group")));
    }
    for it in &s.items {
        if !ids.insert(&it.id) {
            return Err(bad(
                "items.id",
                format!("request {:?} is listed twice", it.id),
            ));
        }
        // What `FeedbackItem::validate` checks of a new request.
        if it.id.trim().is_empty() {
            return Err(bad("items.id", "a request's id is empty"));
        }
        if let Some(v) = it.deal_value
            && !crate::item::deal_value_in_range(v)
        {
            return Err(bad(
                "items.deal_value",
                format!("request {:?}: deal value {v} is not from 0 to 1e15", it.id),
            ));
        }
    }
    let items: Vec<Item> = s
        .items
        .iter()
        .map(|it| load_item(s, it))
        .collect::<Result<_, _>>()?;
    for (k, g) in groups.iter().enumerate() {
        let with = g
            .members
            .iter()
            .filter(|&&m| items[m as usize].dense.is_some());
        if with.count() != g.dense_n as usize {
            return Err(bad(
                "groups.dense_n",
                format!("group {k} counts other members with a vector than it has"),
            ));
        }
    }
    Ok(items)
}

/// One saved request, its vectors checked against the terms and the
/// word vectors' dimensions.
fn load_item(s: &Saved, it: &SavedItem) -> Result<Item, BacklogError> {
    let n_terms = s.terms.len();
    let ordered = it.terms.windows(2).all(|w| w[0].0 < w[1].0);
    if !ordered
        || it
            .terms
            .iter()
            .any(|&(t, w)| t as usize >= n_terms || !w.is_finite())
    {
        return Err(bad(
            "items.terms",
            format!(
                "request {:?}: unknown, repeated or unordered term, or non-finite weight",
                it.id
            ),
        ));
    }
    let dims = s.meaning.as_ref().map_or(0, |m| m.center_sum.len());
    let dense = match &it.dense {
        None => None,
        Some(_) if s.meaning.is_none() => {
            return Err(bad(
                "items.dense",
                format!("request {:?} has a vector, the backlog no meaning", it.id),
            ));
        }
        Some(p) => {
            let values = base64::decode(&p.values)
                .filter(|v| v.len() == dims && p.scale.is_finite() && p.trust.is_finite())
                .ok_or_else(|| {
                    bad(
                        "items.dense",
                        format!(
                            "request {:?}: not {dims} base64 bytes with a finite scale and trust",
                            it.id
                        ),
                    )
                })?;
            Some(Packed {
                scale: p.scale,
                trust: p.trust,
                values: values.into_iter().map(|b| b as i8).collect(),
            })
        }
    };
    Ok(Item {
        id: it.id.clone(),
        customer: it.customer.clone(),
        deal_value: it.deal_value,
        group: it.group,
        terms: it.terms.as_slice().into(),
        dense,
        title: capped(&it.title, TEXT_BYTES).into(),
        body: capped(&it.body, TEXT_BYTES).into(),
    })
}

fn check_postings(s: &Saved) -> Result<(), BacklogError> {
    let n = s.groups.len();
    for (field, lists) in [
        ("feature_postings", &s.feature_postings),
        ("pending_postings", &s.pending_postings),
    ] {
        if lists.iter().flatten().any(|&g| g as usize >= n) {
            return Err(bad(field, "points past the groups"));
        }
    }
    Ok(())
}

fn check_features(s: &Saved, groups: &[Group]) -> Result<(), BacklogError> {
    let mut seen = BTreeSet::new();
    for g in groups.iter().filter(|g| g.merged_into.is_none()) {
        if let Some(f) = g.feature
            && (f >= s.next_feature || !seen.insert(f))
        {
            return Err(bad(
                "groups.feature",
                format!("feature id F{f} is reused or past next_feature"),
            ));
        }
    }
    Ok(())
}

/// The meaning side as saved, checked against what these parameters and
/// this build use.
fn load_meaning(s: &Saved, groups: &[Group]) -> Result<Option<Meaning>, BacklogError> {
    let vectors = meaning_for(&s.params);
    match (vectors, &s.meaning) {
        (None, None) => Ok(None),
        (Some(_), None) | (None, Some(_)) => Err(bad(
            "meaning",
            "saved with and loaded without word vectors, or the reverse \
             (semantic_weight or the static-vectors feature differ)",
        )),
        (Some(vectors), Some(m)) => {
            let dims = vectors.dims();
            if m.center_sum.len() != dims || m.center_sum.iter().any(|x| !x.is_finite()) {
                return Err(bad(
                    "meaning.center_sum",
                    format!("not {dims} finite values"),
                ));
            }
            if m.sigs.len() != s.items.len() {
                return Err(bad("meaning.sigs", "not one per request"));
            }
            if groups
                .iter()
                .any(|g| !g.dense.is_empty() && g.dense.len() != dims)
            {
                return Err(bad("groups.dense", format!("not {dims} values")));
            }
            if m.center_count > s.items.len() as u64 {
                return Err(bad("meaning.center_count", "exceeds the requests seen"));
            }
            Ok(Some(Meaning::restore(
                vectors,
                m.center_sum.clone(),
                m.center_count,
                m.sigs.clone(),
            )))
        }
    }
}

/// Base64 (RFC 4648, with padding) for the packed vectors' bytes.
mod base64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// The bytes of `v` (as unsigned) in base64.
    pub fn encode(v: &[i8]) -> String {
        let mut out = String::with_capacity(v.len().div_ceil(3) * 4);
        for chunk in v.chunks(3) {
            let byte = |k: usize| chunk.get(k).map_or(0, |&x| u32::from(x as u8));
            let n = byte(0) << 16 | byte(1) << 8 | byte(2);
            for k in 0..4 {
                if k <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// The bytes `s` encodes; `None` when it is not base64 as
    /// [`encode`] writes it.
    pub fn decode(s: &str) -> Option<Vec<u8>> {
        let s = s.as_bytes();
        if !s.len().is_multiple_of(4) {
            return None;
        }
        let mut out = Vec::with_capacity(s.len() / 4 * 3);
        for (c, chunk) in s.chunks(4).enumerate() {
            let last = c + 1 == s.len() / 4;
            let pad = chunk.iter().rev().take_while(|&&x| x == b'=').count();
            if pad > 2 || (pad > 0 && !last) {
                return None;
            }
            let mut n = 0u32;
            for &x in &chunk[..4 - pad] {
                n = n << 6 | digit(x)?;
            }
            // The bits a padded group drops are zero in what `encode`
            // writes.
            if n & ((1 << (2 * pad as u32)) - 1) != 0 {
                return None;
            }
            n <<= 6 * pad as u32;
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            out.extend_from_slice(&bytes[..3 - pad]);
        }
        Some(out)
    }

    /// The value of a base64 digit.
    fn digit(x: u8) -> Option<u32> {
        let d = match x {
            b'A'..=b'Z' => x - b'A',
            b'a'..=b'z' => x - b'a' + 26,
            b'0'..=b'9' => x - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        Some(u32::from(d))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trips_every_length_and_byte() {
            for len in 0..10 {
                let v: Vec<i8> = (0..len)
                    .map(|i| (i as i8).wrapping_mul(37).wrapping_sub(100))
                    .collect();
                let e = encode(&v);
                let d: Vec<i8> = decode(&e).unwrap().into_iter().map(|b| b as i8).collect();
                assert_eq!(d, v, "{e}");
            }
            let all: Vec<i8> = (0..=255u8).map(|b| b as i8).collect();
            assert_eq!(
                decode(&encode(&all)).unwrap(),
                (0..=255u8).collect::<Vec<_>>()
            );
            assert_eq!(encode(&[77, 97, 110]), "TWFu");
            assert_eq!(encode(&[77]), "TQ==");
        }

        #[test]
        fn refuses_what_is_not_base64() {
            // "TR==" and "TWE=" have non-zero dropped bits: not what
            // `encode` writes for any bytes.
            for bad in [
                "abc", "TQ=a", "T===", "TQ==TWFu", "TW!u", "é123", "TR==", "TWF=",
            ] {
                assert_eq!(decode(bad), None, "{bad}");
            }
        }
    }
}

/// A backlog written field by field from borrows, in [`Saved`]'s order and
/// shape (a saved state reads back as `Saved`): no copy of the backlog is
/// made to save it.
#[derive(Serialize)]
struct SavedRef<'a> {
    version: u32,
    params: &'a ClusterParams,
    terms: &'a [String],
    df: &'a [u32],
    items: Each<'a, Item>,
    groups: Each<'a, Group>,
    feature_postings: &'a [Vec<u32>],
    pending_postings: &'a [Vec<u32>],
    events: &'a [Event],
    next_feature: u64,
    surfaces: &'a [String],
    meaning: Option<MeaningRef<'a>>,
}

#[derive(Serialize)]
struct MeaningRef<'a> {
    center_sum: &'a [f64],
    center_count: u64,
    sigs: &'a [Option<u64>],
}

#[derive(Serialize)]
struct ItemRef<'a> {
    id: &'a str,
    customer: &'a Option<String>,
    deal_value: Option<f64>,
    group: u32,
    terms: &'a [(u32, f32)],
    dense: Option<PackedRef>,
    // Always written, even empty: formats that read fields by position
    // (postcard, bincode) need every field.
    title: &'a str,
    body: &'a str,
}

#[derive(Serialize)]
struct PackedRef {
    scale: f32,
    trust: f32,
    values: String,
}

#[derive(Serialize)]
struct GroupRef<'a> {
    feature: Option<u64>,
    members: &'a [u32],
    sum: Vec<(u32, f32)>,
    norm2: f64,
    customers: &'a BTreeSet<String>,
    anonymous: u64,
    merged_into: Option<u32>,
    dense: &'a [f32],
    dense_n: u32,
    trust_sum: f32,
}

/// A slice written as a sequence of each element's saved form, made one at
/// a time.
struct Each<'a, T>(&'a [T]);

impl Serialize for Each<'_, Item> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|it| ItemRef {
            id: &it.id,
            customer: &it.customer,
            deal_value: it.deal_value,
            group: it.group,
            terms: &it.terms,
            dense: it.dense.as_ref().map(|p| PackedRef {
                scale: p.scale,
                trust: p.trust,
                values: base64::encode(&p.values),
            }),
            title: &it.title,
            body: &it.body,
        }))
    }
}

impl Serialize for Each<'_, Group> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|g| {
            let mut sum: Vec<(u32, f32)> = g.sum.iter().map(|(&t, &w)| (t, w)).collect();
            sum.sort_unstable_by_key(|e| e.0);
            GroupRef {
                feature: g.feature,
                members: &g.members,
                sum,
                norm2: g.norm2,
                customers: &g.customers,
                anonymous: g.anonymous,
                merged_into: g.merged_into,
                dense: &g.dense,
                dense_n: g.dense_n,
                trust_sum: g.trust_sum,
            }
        }))
    }
}

impl Serialize for Backlog {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SavedRef {
            version: BACKLOG_FORMAT_VERSION,
            params: &self.params,
            terms: &self.terms,
            df: &self.df,
            items: Each(&self.items),
            groups: Each(&self.groups),
            feature_postings: &self.feature_postings,
            pending_postings: &self.pending_postings,
            events: &self.events,
            next_feature: self.next_feature,
            surfaces: &self.surfaces,
            meaning: self.meaning.as_ref().map(|m| MeaningRef {
                center_sum: &m.center_sum,
                center_count: m.center_count,
                sigs: &m.sigs,
            }),
        }
        .serialize(s)
    }
}

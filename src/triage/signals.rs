//! The portfolio signals of a triage report: alignment, market versus
//! customer focus, sources and customer contact cadence.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Alignment, Cadence, ChannelCount, FeatureReport, Focus, MonthContact, Sources};
use crate::class::Class;
use crate::cluster::{ClassMix, SpecialCase};
use crate::item::{Channel, FeedbackItem, customer_key};

pub(super) fn alignment(features: &[FeatureReport]) -> Alignment {
    let mut considered = 0;
    let mut aligned = 0;
    for f in features {
        let mix: &ClassMix = &f.feature.class_mix;
        let present = [
            Class::MarketDriven,
            Class::Opportunistic,
            Class::Responsiveness,
        ]
        .iter()
        .filter(|c| mix.get(**c) > 0)
        .count();
        if present > 0 {
            considered += 1;
            if present >= 2 {
                aligned += 1;
            }
        }
    }
    Alignment {
        features_considered: considered,
        features_aligned: aligned,
        share: (considered > 0).then(|| aligned as f64 / considered as f64),
    }
}

/// A customer's requests, and the spelling of its name shown.
struct Customer<'a> {
    items: usize,
    /// The spelling (trimmed) most of its requests use; among equals, the
    /// smaller.
    spelling: &'a str,
    spelling_items: usize,
}

/// The named customers' requests, by the name as counted
/// ([`FeedbackItem::customer_key`]). The standard (randomly keyed) hash: the
/// keys are request text; the result does not depend on its order.
fn per_customer(items: &[FeedbackItem]) -> HashMap<Cow<'_, str>, Customer<'_>> {
    let mut spellings: HashMap<&str, usize> = HashMap::new();
    for item in items {
        if let Some(c) = item.customer.as_deref().map(str::trim) {
            *spellings.entry(c).or_default() += 1;
        }
    }
    let mut per_customer: HashMap<Cow<'_, str>, Customer<'_>> = HashMap::new();
    for (spelling, k) in spellings {
        let Some(key) = customer_key(spelling) else {
            continue;
        };
        let x = per_customer.entry(key).or_insert(Customer {
            items: 0,
            spelling,
            spelling_items: 0,
        });
        x.items += k;
        if k > x.spelling_items || k == x.spelling_items && spelling < x.spelling {
            x.spelling = spelling;
            x.spelling_items = k;
        }
    }
    per_customer
}

pub(super) fn focus(
    n: usize,
    features: &[FeatureReport],
    special: &[SpecialCase],
    items: &[FeedbackItem],
) -> Focus {
    let shared: usize = features.iter().map(|f| f.feature.members.len()).sum();
    let custom: usize = special.iter().map(|s| s.members.len()).sum();
    let per_customer = per_customer(items);
    let named: usize = per_customer.values().map(|c| c.items).sum();
    // Most items first; ties by the smaller name as counted.
    let top = per_customer
        .iter()
        .fold(None::<(&str, &Customer)>, |best, (c, x)| match best {
            Some((b, bx)) if bx.items > x.items || (bx.items == x.items && b < c.as_ref()) => best,
            _ => Some((c.as_ref(), x)),
        })
        .map(|(_, x)| (x.spelling, x.items));
    Focus {
        shared_items: shared,
        custom_items: custom,
        shared_share: if n == 0 {
            0.0
        } else {
            shared as f64 / n as f64
        },
        top_customer_share: match top {
            Some((_, k)) if named > 0 => k as f64 / named as f64,
            _ => 0.0,
        },
        top_customer: top.map(|(c, k)| (c.to_string(), k)),
    }
}

pub(super) fn sources(items: &[FeedbackItem]) -> Sources {
    let n = items.len();
    let mut counts: BTreeMap<Channel, usize> = BTreeMap::new();
    for item in items {
        *counts.entry(item.channel).or_default() += 1;
    }
    let get = |c: Channel| counts.get(&c).copied().unwrap_or(0);
    let internal = get(Channel::Internal);
    let unknown = get(Channel::Unknown);
    let external = n - internal - unknown;
    Sources {
        channels: Channel::ALL
            .iter()
            .filter(|c| get(**c) > 0)
            .map(|c| ChannelCount {
                channel: *c,
                items: get(*c),
                share: get(*c) as f64 / n as f64,
            })
            .collect(),
        internal,
        external,
        unknown,
        internal_share: (internal + external > 0)
            .then(|| internal as f64 / (internal + external) as f64),
    }
}

/// `(year, month)` from a date that starts with `YYYY-MM`.
fn month_of(date: &str) -> Option<(u32, u32)> {
    let b = date.trim().as_bytes();
    if b.len() < 7
        || b[4] != b'-'
        || !b[..4].iter().all(u8::is_ascii_digit)
        || !b[5..7].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let year = b[..4]
        .iter()
        .fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    let month = u32::from(b[5] - b'0') * 10 + u32::from(b[6] - b'0');
    (1..=12).contains(&month).then_some((year, month))
}

/// The most months listed (a longer stretch is cut to its last
/// `MAX_MONTHS` months).
const MAX_MONTHS: u32 = 600;

/// The longest run of months without a dated request inside the listed
/// stretch of the contact cadence ([`Cadence`]): two years.
pub const CADENCE_MAX_GAP: u32 = 24;

/// A month's distinct customers (as counted) and its items.
type Month<'a> = (BTreeSet<Cow<'a, str>>, usize);

pub(super) fn cadence(items: &[FeedbackItem], threshold: usize) -> Cadence {
    let mut months: BTreeMap<(u32, u32), Month<'_>> = BTreeMap::new();
    let mut undated = 0;
    for item in items {
        match item.created.as_deref().and_then(month_of) {
            Some(m) => {
                let e = months.entry(m).or_default();
                e.1 += 1;
                if let Some(c) = item.customer_key() {
                    e.0.insert(c);
                }
            }
            None => undated += 1,
        }
    }
    let index = |(y, m): (u32, u32)| y * 12 + (m - 1);
    let mut rows = Vec::new();
    let mut out_of_range = 0;
    if let Some((first, last)) = busiest_stretch(&months, index) {
        let (lo, hi) = (
            index(first).max(index(last).saturating_sub(MAX_MONTHS - 1)),
            index(last),
        );
        out_of_range = months
            .iter()
            .filter(|(m, _)| !(lo..=hi).contains(&index(**m)))
            .map(|(_, (_, n))| n)
            .sum();
        for k in lo..=hi {
            let key = (k / 12, k % 12 + 1);
            let (customers, count) = months.get(&key).map_or((0, 0), |(c, n)| (c.len(), *n));
            rows.push(MonthContact {
                month: format!("{:04}-{:02}", key.0, key.1),
                customers,
                items: count,
                below: customers < threshold,
            });
        }
    }
    Cadence {
        threshold,
        months_below: rows.iter().filter(|r| r.below).count(),
        months: rows,
        undated,
        out_of_range,
    }
}

/// The first and last month of the stretch of dated months (no gap over
/// [`CADENCE_MAX_GAP`] months) holding the most items; among equals, the
/// one with more months that have items (a lone mistyped date is one
/// month), then the latest. `None` without dated items.
fn busiest_stretch(
    months: &BTreeMap<(u32, u32), Month<'_>>,
    index: impl Fn((u32, u32)) -> u32,
) -> Option<((u32, u32), (u32, u32))> {
    // (first month, last month, (items, months with items)).
    type Stretch = ((u32, u32), (u32, u32), (usize, usize));
    let mut best: Option<Stretch> = None;
    let mut run: Option<Stretch> = None;
    let keep = |r: Option<Stretch>, best: &mut Option<Stretch>| {
        if let Some(r) = r.filter(|r| best.is_none_or(|b| r.2 >= b.2)) {
            *best = Some(r);
        }
    };
    for (&m, (_, n)) in months {
        run = match run {
            Some((a, b, (k, c))) if index(m) - index(b) <= CADENCE_MAX_GAP + 1 => {
                Some((a, m, (k + n, c + 1)))
            }
            _ => {
                keep(run, &mut best);
                Some((m, m, (*n, 1)))
            }
        };
    }
    keep(run, &mut best);
    best.map(|(a, b, _)| (a, b))
}

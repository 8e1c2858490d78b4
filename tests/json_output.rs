//! The classify tool's float shortcut (`examples/common/json.rs`) against
//! zmij, which serde_json writes floats with: the same bytes for every
//! finite float, taken by the shortcut or not.

#[path = "../examples/common/json.rs"]
mod json;

/// What serde_json writes for `v`.
fn zmij(v: f64) -> String {
    zmij::Buffer::new().format_finite(v).to_string()
}

fn ours(v: f64) -> String {
    let mut out = Vec::new();
    json::write_finite(&mut out, v);
    String::from_utf8(out).unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

    /// Any bit pattern of a finite float.
    #[test]
    fn any_float(bits in proptest::prelude::any::<u64>()) {
        let v = f64::from_bits(bits);
        proptest::prop_assume!(v.is_finite());
        proptest::prop_assert_eq!(ours(v), zmij(v));
    }

    /// Decimals of up to eight places across the shortcut's range and past
    /// its ends, as read from text: most are taken by the shortcut.
    #[test]
    fn decimals(n in 0u64..10_000_000_000_000_000, places in 0i32..9) {
        let v: f64 = format!("{n}e-{places}").parse().unwrap();
        proptest::prop_assert_eq!(ours(v), zmij(v));
    }

    /// Keyword values as the classifier makes them (a rule weight times a
    /// keyword weight, times the title weight) and their sums.
    #[test]
    fn products_and_sums(
        weights in proptest::collection::vec((1u32..5000, 1u32..3000), 1..40),
        title in proptest::prelude::any::<bool>(),
    ) {
        let factor = if title { 1.5 } else { 1.0 };
        let mut sum = 0.0;
        for (a, b) in weights {
            let v = f64::from(a) / 1000.0 * (f64::from(b) / 1000.0) * factor;
            proptest::prop_assert_eq!(ours(v), zmij(v));
            sum += v;
            proptest::prop_assert_eq!(ours(sum), zmij(sum));
        }
    }
}

/// The ends of the shortcut's range, and values near them.
#[test]
fn the_range_ends() {
    for v in [
        0.0,
        -0.0,
        1e-5,
        9.99999e-6,
        1.00001e-5,
        1e9,
        999_999_999.999_999,
        1e9 - 1e-6,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        4_503_599_627_370_496.0,
        0.1 + 0.2,
        1.0 / 3.0,
    ] {
        assert_eq!(ours(v), zmij(v), "{v:e}");
        assert_eq!(ours(-v), zmij(-v), "{:e}", -v);
    }
}

proptest::proptest! {
    /// Names written through a cache (small, so that names share and
    /// take over slots; each name written several times, in any order) give
    /// serde_json's strings, escapes included.
    #[test]
    fn names_through_the_cache_are_serde_json_strings(
        names in proptest::collection::vec("[a-z \"\\\\\n\t\u{1}\u{7f}é👍-]{0,60}", 1..40),
        order in proptest::collection::vec(0usize..1000, 0..200),
        slots_log2 in 0u32..4,
    ) {
        let names: Vec<std::sync::Arc<str>> = names.iter().map(|n| n.as_str().into()).collect();
        let mut cache = json::NameCache::with_slots(1 << slots_log2);
        for i in order.iter().chain(&order) {
            let name = &names[i % names.len()];
            let mut out = Vec::new();
            cache.write(&mut out, name);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&**name).unwrap());
        }
    }
}

/// A name freed while another takes its address is not mistaken for it:
/// the cache holds each name it has seen alive.
#[test]
fn a_freed_names_address_is_not_reused_while_cached() {
    let mut cache = json::NameCache::with_slots(1);
    for round in 0..100 {
        // Names of one length, so that the allocator hands a freed one's
        // address to the next: only the one without a quote writes as is.
        let name: std::sync::Arc<str> = if round % 2 == 0 {
            "plain".into()
        } else {
            "pl\"in".into()
        };
        let mut out = Vec::new();
        cache.write(&mut out, &name);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&*name).unwrap()
        );
    }
}

proptest::proptest! {
    /// Integers as itoa writes them, of every length.
    #[test]
    fn integers_are_written_as_itoa_writes_them(v in proptest::prelude::any::<u64>(), digits in 1u32..20) {
        let v = v % 10u64.pow(digits);
        let mut out = Vec::new();
        json::write_integer(&mut out, v);
        let mut itoa = itoa::Buffer::new();
        proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), itoa.format(v));
    }
}

/// The ends of the eight-digit path.
#[test]
fn integer_edges() {
    for v in [
        0,
        9,
        10,
        99,
        100,
        101,
        1000,
        9999,
        10_000,
        99_999_999,
        100_000_000,
        u64::MAX,
    ] {
        let mut out = b"x".to_vec();
        json::write_integer(&mut out, v);
        assert_eq!(String::from_utf8(out).unwrap(), format!("x{v}"));
    }
}

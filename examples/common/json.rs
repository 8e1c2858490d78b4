//! JSON strings and floats written by hand, byte for byte as serde_json
//! writes them: strings escaped eight bytes at a time, the names evidence
//! carries checked for escapes once ([`NameCache`]), and floats in zmij's
//! shortest round-trip form with a shortcut for the short decimals that
//! most of the classify tool's numbers are (keyword values such as
//! `0.177`, `1.5`, `0.0`).
//!
//! Kept free of the other example modules so that `tests/json_output.rs`
//! can include it and hold the shortcuts equal to serde_json.

use std::sync::Arc;

/// The shortcut takes decimals of at most six places: `10^6`.
const SCALE: f64 = 1e6;
const SCALE_INT: u64 = 1_000_000;
/// The shortcut's range. Below it zmij may write an exponent (it does from
/// 1e-5 down); above it two decimals of six places may round to one
/// float, and the one found might not be the one zmij writes.
const LOW: f64 = 1e-5;
const HIGH: f64 = 1e9;

/// Appends `v` (finite) as serde_json writes it: zmij's shortest form.
#[inline]
pub fn write_finite(out: &mut Vec<u8>, v: f64) {
    if !short_decimal(out, v) {
        out.extend_from_slice(zmij::Buffer::new().format_finite(v).as_bytes());
    }
}

/// Appends `v` when it is `+0.0` or a decimal of at most six
/// places in `[LOW, HIGH)`, as zmij would write it, and says whether it
/// did.
///
/// Why this is zmij's form: `n / 10^6 == v` (both exact in a double, the
/// quotient correctly rounded) says that the decimal `n × 10^-6` reads
/// back as `v`. Below [`HIGH`] the gap between two such decimals (10^-6)
/// is wider than a float's rounding interval, so no other decimal of six
/// places or fewer reads back as `v`: with its trailing zeros dropped, `n
/// × 10^-6` is the shortest decimal that does, which is what zmij writes
/// (in plain notation from 1e-5 to 1e16). No such decimal lies exactly
/// between two floats in this range (that would take 54 significant
/// bits), so the boundaries of the interval never matter.
#[inline]
fn short_decimal(out: &mut Vec<u8>, v: f64) -> bool {
    if v.to_bits() == 0 {
        out.extend_from_slice(b"0.0");
        return true;
    }
    if !(LOW..HIGH).contains(&v) {
        return false;
    }
    // The nearest integer to v × 10^6 (below 2^50 here), by truncation
    // (`f64::round` is a call without SSE4.1); should it be off by one, the
    // test below fails and zmij writes the value.
    let n = (v * SCALE + 0.5) as i64 as u64;
    if n as f64 / SCALE != v {
        return false;
    }
    let (int, frac) = (n / SCALE_INT, n % SCALE_INT);
    // The integer part, the point, then the fraction's six digits (or "0"),
    // assembled in `buf` and appended at once.
    let mut buf = [0u8; 24];
    let mut len = match int {
        0..10 => {
            buf[0] = b'0' + int as u8;
            1
        }
        10..100 => {
            buf[..2].copy_from_slice(pair(int));
            2
        }
        _ => {
            let mut s = itoa::Buffer::new();
            let digits = s.format(int).as_bytes();
            buf[..digits.len()].copy_from_slice(digits);
            digits.len()
        }
    };
    buf[len] = b'.';
    len += 1;
    if frac == 0 {
        buf[len] = b'0';
        len += 1;
    } else {
        let mut d = [b'0'; 8];
        let (a, bc) = (frac / 10_000, frac % 10_000);
        d[..2].copy_from_slice(pair(a));
        d[2..4].copy_from_slice(pair(bc / 100));
        d[4..6].copy_from_slice(pair(bc % 100));
        // The fraction's trailing zeros dropped: its last digit other than
        // '0' is the highest nonzero byte once every '0' is made zero.
        let w = u64::from_le_bytes(d) ^ u64::from_le_bytes(*b"00000000");
        let digits = 8 - (w.leading_zeros() / 8) as usize;
        buf[len..len + 8].copy_from_slice(&d);
        len += digits;
    }
    append_short(out, &buf, len);
    true
}

/// Appends `buf[..len]` as a copy of all of `buf` (a fixed size: a few
/// moves, where a copy of a length known only at run time is a call to
/// memcpy, costly for a few bytes), then drops the bytes past `len`.
#[inline(always)]
pub fn append_short<const N: usize>(out: &mut Vec<u8>, buf: &[u8; N], len: usize) {
    debug_assert!(len <= N);
    out.extend_from_slice(buf);
    out.truncate(out.len() - (N - len.min(N)));
}

/// Appends `v` in decimal as itoa (and serde_json) writes it.
#[inline]
pub fn write_integer(out: &mut Vec<u8>, v: u64) {
    match v {
        0..10 => out.push(b'0' + v as u8),
        10..100 => out.extend_from_slice(pair(v)),
        100..100_000_000 => {
            // Eight digits from four pairs, then the leading zeros dropped.
            let mut d = [0u8; 8];
            let (hi, lo) = (v / 10_000, v % 10_000);
            d[..2].copy_from_slice(pair(hi / 100));
            d[2..4].copy_from_slice(pair(hi % 100));
            d[4..6].copy_from_slice(pair(lo / 100));
            d[6..].copy_from_slice(pair(lo % 100));
            // Leading '0's are the low bytes that are zero once each '0' is
            // made zero (there are at most five: v >= 100).
            let w = u64::from_le_bytes(d) ^ u64::from_le_bytes(*b"00000000");
            let skip = w.trailing_zeros() / 8;
            // The digits moved to the front by a shift (not a copy of a
            // length known only at run time).
            let digits = (u64::from_le_bytes(d) >> (8 * skip)).to_le_bytes();
            append_short(out, &digits, 8 - skip as usize);
        }
        _ => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
    }
}

/// The two digits of `n` (below 100).
#[inline(always)]
fn pair(n: u64) -> &'static [u8] {
    const PAIRS: &[u8; 200] = b"\
        0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let i = 2 * n as usize;
    &PAIRS[i..i + 2]
}

/// The names evidence carries (rule ids, phrases, descriptions: `Arc<str>`s
/// shared with the classifier, a few hundred distinct ones in a run), each
/// checked for characters to escape once rather than at every use.
///
/// A slot is found by the name's address and keeps a clone of the name, so
/// that its allocation cannot be freed and another name take its address
/// while the slot holds it: the same address in a slot is the same string.
pub struct NameCache {
    /// By the address's hash: the name, and its JSON string when it is
    /// short and needs no escaping.
    slots: Vec<Option<(Arc<str>, Option<Quoted>)>>,
}

/// A name's JSON string (quotes included) in [`QUOTED`] bytes, padded.
#[derive(Clone)]
struct Quoted {
    bytes: [u8; QUOTED],
    len: u8,
}

/// The longest JSON string a [`NameCache`] keeps (a name of up to 46
/// bytes: every rule id and phrase of the embedded policy but a few).
const QUOTED: usize = 48;

impl Default for NameCache {
    fn default() -> Self {
        NameCache::with_slots(NAME_SLOTS)
    }
}

/// Slots of a [`NameCache`] (a power of two).
const NAME_SLOTS: usize = 2048;

impl NameCache {
    /// A cache of `slots` slots (a power of two; tests use few, so that
    /// names share slots).
    pub fn with_slots(slots: usize) -> Self {
        assert!(slots.is_power_of_two());
        NameCache {
            slots: vec![None; slots],
        }
    }

    /// Writes `name` as [`string`] does.
    #[inline]
    pub fn write(&mut self, out: &mut Vec<u8>, name: &Arc<str>) {
        let address = Arc::as_ptr(name).cast::<u8>() as usize as u64;
        // The upper half of a 64-bit product, as `usize` on any target.
        let slot = ((address >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize;
        let mask = self.slots.len() - 1;
        let slot = &mut self.slots[slot & mask];
        let quoted = match slot {
            Some((cached, quoted)) if Arc::ptr_eq(cached, name) => quoted,
            _ => &mut slot.insert((name.clone(), Quoted::of(name))).1,
        };
        match quoted {
            Some(q) => append_short(out, &q.bytes, usize::from(q.len)),
            None => string(out, name),
        }
    }
}

impl Quoted {
    /// `name` quoted, when it is short enough and needs no escaping.
    fn of(name: &str) -> Option<Quoted> {
        let plain = !name.bytes().any(escaped);
        if !plain || name.len() + 2 > QUOTED {
            return None;
        }
        let mut bytes = [0u8; QUOTED];
        bytes[0] = b'"';
        bytes[1..=name.len()].copy_from_slice(name.as_bytes());
        bytes[name.len() + 1] = b'"';
        Some(Quoted {
            bytes,
            len: (name.len() + 2) as u8,
        })
    }
}

/// A JSON string as serde_json escapes it: `"` and `\\` with a backslash,
/// the control characters below U+0020 as `\b`, `\t`, `\n`, `\f`, `\r` or
/// `\u00xx` (lowercase hex); everything else, U+007F and non-ASCII
/// included, as it is.
pub fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time while none needs escaping (most strings:
        // rule ids, phrases, ids), then the last eight (overlapping).
        while let Some(chunk) = bytes.get(i..i + 8) {
            if needs_escape(word(chunk)) {
                break;
            }
            i += 8;
        }
        let end = (i + 8).min(bytes.len());
        if end - i < 8 && bytes.len() >= 8 && !needs_escape(word(&bytes[bytes.len() - 8..])) {
            break;
        }
        // An escape among bytes[i..end] (or a short string's bytes).
        for at in i..end {
            let b = bytes[at];
            if !escaped(b) {
                continue;
            }
            out.extend_from_slice(&bytes[start..at]);
            start = at + 1;
            escape(out, b);
        }
        i = end;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether serde_json escapes byte `b` in a string (see [`escape`]).
#[inline]
fn escaped(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Eight bytes as one word.
fn word(chunk: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&chunk[..8]);
    u64::from_le_bytes(w)
}

/// A byte that needs escaping, escaped as serde_json does.
fn escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        b'\t' => out.extend_from_slice(b"\\t"),
        b'\n' => out.extend_from_slice(b"\\n"),
        0x0c => out.extend_from_slice(b"\\f"),
        b'\r' => out.extend_from_slice(b"\\r"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(b >> 4) as usize],
            HEX[(b & 0xf) as usize],
        ]),
    }
}

/// Whether any of eight bytes is below 0x20, `"` or `\\` (the classic
/// "has a zero byte" test: exact as a yes or no).
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (control | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')))) != 0
}

#[cfg(test)]
mod tests {
    /// The shortcut's answer, when it gives one.
    fn short(v: f64) -> Option<String> {
        let mut out = Vec::new();
        super::short_decimal(&mut out, v).then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn short_decimals_are_written_as_zmij_writes_them() {
        for v in [
            0.0,
            0.177,
            1.5,
            2.0,
            100.0,
            0.005,
            0.7005,
            8.3335,
            1e-5,
            123456.789012,
        ] {
            let s = short(v).unwrap_or_else(|| panic!("{v} not taken"));
            assert_eq!(s, zmij::Buffer::new().format_finite(v), "{v}");
        }
        for v in [-0.0, -1.5, 0.1 + 0.2, 1e-6, 1e9, 0.123_456_7] {
            assert_eq!(short(v), None, "{v}");
        }
    }
}

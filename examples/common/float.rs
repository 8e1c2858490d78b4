//! Floats as serde_json writes them (zmij's shortest round-trip form), with
//! a shortcut for the short decimals that most of the classify tool's
//! numbers are (keyword values such as `0.177`, `1.5`, `0.0`).
//!
//! Kept free of the other example modules so that `tests/float_format.rs`
//! can include it and hold the shortcut equal to zmij.

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
    out.extend_from_slice(&buf[..len]);
    true
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

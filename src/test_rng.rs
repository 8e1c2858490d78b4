//! A tiny deterministic generator for the unit tests' generated cases.

/// Xorshift64 from `seed` (non-zero): each call gives the next state.
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

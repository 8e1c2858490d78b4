//! A fast hasher for tables whose keys text cannot choose.

use std::hash::{BuildHasherDefault, Hasher};

/// A fast, deterministic hasher for short keys (FxHash's mixing step). Not
/// resistant to hash flooding, so no table keyed by request text uses it
/// (the clustering's vocabulary and the learner's maps use the standard,
/// randomly keyed hash). Its tables hold keys that text cannot choose: the
/// classifier's hold policy terms, chosen by the policy's author, and only
/// look text up (a lookup's probes are bounded by the table, built from the
/// policy); the stop-word set is fixed; the clustering's link maps are keyed
/// by group numbers (positions in the clustering's order), and the backlog's
/// term sums by term numbers (the order terms were first seen).
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        // What `write` gives for the four bytes, without the loop.
        self.add(u64::from(i));
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// MurmurHash3's 64-bit finaliser: spreads every input bit over the whole
/// word (FxHash and FNV-1a alone barely move the high bits when only the
/// last bytes change).
pub(crate) fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// `HashMap` with [`FxHasher`].
pub(crate) type FxHashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

//! Static word vectors: a table from WordPiece token to a small quantised
//! vector, and the text embedding built from it.
//!
//! The table is distilled from a sentence model (the built-in one from
//! all-MiniLM-L6-v2, see the README) by embedding each token of the model's
//! vocabulary on its own, so a text's embedding costs a few table look-ups
//! per word and no model at run time.

mod tokens;
mod wordpiece;

use std::sync::Arc;

use tokens::Tokens;

/// The magic bytes that start a static vector file.
const MAGIC: &[u8; 4] = b"FTSV";
/// The file format version this library reads.
pub(crate) const STATIC_VECTORS_VERSION: u8 = 1;
/// The largest number of dimensions a table may have.
pub(crate) const MAX_DIMS: usize = 4096;

/// What is wrong with the bytes handed to [`StaticVectors::from_bytes`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum VectorsError {
    /// The bytes do not start with `FTSV`.
    #[error("not a static vector file (the first 4 bytes must be \"FTSV\")")]
    BadMagic,
    /// The format version is not one this library reads.
    #[error(
        "unsupported static vector file version {found} (this library reads version {supported})"
    )]
    UnsupportedVersion {
        /// The version found.
        found: u8,
        /// The version supported.
        supported: u8,
    },
    /// The header's dimension count is 0 or above 4096.
    #[error("field `dims` must be in 1..={MAX_DIMS}, got {0}")]
    BadDims(usize),
    /// The file ends before the part named.
    #[error("the file ends inside {0}")]
    Truncated(&'static str),
    /// Bytes follow the last vector.
    #[error("{0} bytes follow the last vector")]
    TrailingBytes(usize),
    /// A token is empty, not UTF-8, or repeats an earlier one.
    #[error("token #{index}: {reason}")]
    BadToken {
        /// 0-based position of the token.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A row's scale is negative, NaN or infinite.
    #[error("token #{index}: field `scale` must be finite and >= 0, got {value}")]
    BadScale {
        /// 0-based position of the token.
        index: usize,
        /// The value found.
        value: f32,
    },
}

/// A table of static token vectors, built from bytes the caller hands over
/// ([`from_bytes`](Self::from_bytes)) or, with the `static-vectors` feature,
/// the embedded default ([`builtin`](Self::builtin)). Immutable and cheap to
/// clone (shared), `Send + Sync`.
///
/// A text's embedding ([`embed`](Self::embed)) is the weighted mean of its
/// tokens' vectors, scaled to unit length. The weights are the ones the
/// table was distilled with: each row already carries its token's SIF weight
/// `a / (a + p(token))` (`a = 1e-4`, `p` estimated from the token's rank in
/// the vocabulary by Zipf's law), so frequent pieces ("the", "##s") count
/// little and rare ones much. Words the vocabulary cannot spell add nothing.
///
/// ```
/// use feedback_triage::StaticVectors;
///
/// // A two-token table of 2 dimensions, in the file format.
/// let mut bytes = b"FTSV\x01\x02\x00\x02\x00\x00\x00".to_vec();
/// bytes.extend(b"\x04card\x04mail");
/// bytes.extend(1.0f32.to_le_bytes());
/// bytes.extend(1.0f32.to_le_bytes());
/// bytes.extend([127u8, 0, 0, 127]);
/// let table = StaticVectors::from_bytes(&bytes)?;
/// assert_eq!((table.len(), table.dims()), (2, 2));
/// let v = table.embed("Card!").unwrap();
/// assert!((v[0] - 1.0).abs() < 1e-6 && v[1].abs() < 1e-6);
/// assert!(table.embed("nothing known").is_none());
/// assert!(StaticVectors::from_bytes(b"FTSV").is_err());
/// # Ok::<(), feedback_triage::VectorsError>(())
/// ```
#[derive(Clone)]
pub struct StaticVectors {
    table: Arc<Table>,
}

struct Table {
    dims: usize,
    ids: Tokens,
    scales: Vec<f32>,
    values: Vec<i8>,
    /// The first [`wide_rows`] rows' values as `f32` (the same numbers:
    /// every `i8` is exact as an `f32`). The tokens are in the order of
    /// their frequency, so these rows are most of a text's, and adding one
    /// skips the widening of every value; the rest stay `i8` (the whole
    /// table as `f32` would be four times its memory).
    wide: Vec<f32>,
}

/// The most rows kept as `f32` as well (4 MB at 128 dimensions).
const WIDE_ROWS: usize = 8192;

/// The most bytes of `f32` copies: a wider table keeps fewer rows (a
/// caller's table of 384 dimensions 2,730, of 4,096 dimensions 256), so
/// that the copies stay about as large as the shipped table's.
const WIDE_BYTES: usize = 4 << 20;

/// How many rows of `dims` values are kept as `f32` as well.
fn wide_rows(dims: usize) -> usize {
    WIDE_ROWS.min(WIDE_BYTES / (4 * dims.max(1)))
}

impl std::fmt::Debug for StaticVectors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticVectors")
            .field("tokens", &self.len())
            .field("dims", &self.dims())
            .finish()
    }
}

/// A little-endian reader over the file's bytes.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], VectorsError> {
        if self.bytes.len() < n {
            return Err(VectorsError::Truncated(what));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
}

impl StaticVectors {
    /// Reads a table in the crate's format (all integers little-endian):
    /// `b"FTSV"`, version `u8` (1), dims `u16`, tokens `u32`; then each
    /// token as a length `u8` and its UTF-8 bytes (WordPiece: `##` marks a
    /// piece that continues a word); then one `f32` scale per token; then
    /// `dims` `i8` values per token (a row is its scale times its values).
    /// `scripts/vectors/build_static_vectors.py` writes it.
    ///
    /// Every malformed input is an error naming the part at fault, never a
    /// panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<StaticVectors, VectorsError> {
        let mut r = Reader { bytes };
        if r.take(4, "the magic bytes")? != MAGIC {
            return Err(VectorsError::BadMagic);
        }
        let version = r.take(1, "the header")?[0];
        if version != STATIC_VECTORS_VERSION {
            return Err(VectorsError::UnsupportedVersion {
                found: version,
                supported: STATIC_VECTORS_VERSION,
            });
        }
        let d = r.take(2, "the header")?;
        let dims = usize::from(u16::from_le_bytes([d[0], d[1]]));
        if dims == 0 || dims > MAX_DIMS {
            return Err(VectorsError::BadDims(dims));
        }
        let c = r.take(4, "the header")?;
        let count = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize;
        // Each token needs at least 2 + 4 + dims bytes: a count the bytes
        // cannot hold is refused before anything is allocated for it.
        if count > r.bytes.len() / (6 + dims) {
            return Err(VectorsError::Truncated("the tokens"));
        }
        let mut ids = Tokens::with_capacity(count, 0);
        for index in 0..count {
            let len = usize::from(r.take(1, "the tokens")?[0]);
            let raw = r.take(len, "the tokens")?;
            let token = std::str::from_utf8(raw).map_err(|_| VectorsError::BadToken {
                index,
                reason: "not UTF-8",
            })?;
            if token.is_empty() {
                return Err(VectorsError::BadToken {
                    index,
                    reason: "empty",
                });
            }
            ids.insert(token)
                .map_err(|reason| VectorsError::BadToken { index, reason })?;
        }
        let raw = r.take(4 * count, "the scales")?;
        let mut scales = Vec::with_capacity(count);
        for (index, s) in raw.chunks_exact(4).enumerate() {
            let value = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
            if !value.is_finite() || value < 0.0 {
                return Err(VectorsError::BadScale { index, value });
            }
            scales.push(value);
        }
        let values: Vec<i8> = r
            .take(dims * count, "the vectors")?
            .iter()
            .map(|&b| b as i8)
            .collect();
        if !r.bytes.is_empty() {
            return Err(VectorsError::TrailingBytes(r.bytes.len()));
        }
        let wide = values
            .iter()
            .take(wide_rows(dims) * dims)
            .map(|&v| f32::from(v))
            .collect();
        Ok(StaticVectors {
            table: Arc::new(Table {
                dims,
                ids,
                scales,
                values,
                wide,
            }),
        })
    }

    /// The embedded default: all-MiniLM-L6-v2 (Apache-2.0) distilled into
    /// 128-dimensional int8 token vectors (see the README for how it was
    /// built and what it scores). Parsed on each call: keep the result and
    /// clone it (cheap) rather than calling this per item.
    #[cfg(feature = "static-vectors")]
    pub fn builtin() -> StaticVectors {
        static BYTES: &[u8] = include_bytes!("../../data/minilm-static-128.ftsv");
        static TABLE: std::sync::OnceLock<StaticVectors> = std::sync::OnceLock::new();
        TABLE
            .get_or_init(|| {
                StaticVectors::from_bytes(BYTES).expect("the embedded table is valid (tested)")
            })
            .clone()
    }

    /// The number of dimensions of each vector.
    pub fn dims(&self) -> usize {
        self.table.dims
    }

    /// The number of tokens in the table.
    pub fn len(&self) -> usize {
        self.table.scales.len()
    }

    /// True when the table has no token.
    pub fn is_empty(&self) -> bool {
        self.table.scales.is_empty()
    }

    /// The unit-length embedding of `text`, or `None` when no token of it is
    /// in the table (an empty text, an unknown script). See the type's docs
    /// for the weights.
    pub fn embed(&self, text: &str) -> Option<Vec<f32>> {
        let mut sum = vec![0.0f32; self.dims()];
        self.add_text(text, 1.0, &mut sum, &mut Scratch::once());
        normalize(&mut sum).then_some(sum)
    }

    /// Adds `weight` times each token vector of `text` to `sum` (of
    /// [`dims`](Self::dims) values); returns how many words it has (white
    /// space and punctuation separated, punctuation not counted) and how
    /// many of those are a whole token of the table (not split into
    /// pieces, nor unknown).
    pub(crate) fn add_text(
        &self,
        text: &str,
        weight: f32,
        sum: &mut [f32],
        s: &mut Scratch,
    ) -> WordCount {
        let t = &*self.table;
        let Scratch { word, piece, memo } = s;
        memo.bind(&self.table);
        let add = |sum: &mut [f32], id: u32| {
            let id = id as usize;
            let scale = t.scales[id] * weight;
            // The same products and sums from either copy of the row.
            if let Some(row) = t.wide.get(id * t.dims..(id + 1) * t.dims) {
                for (s, &q) in sum.iter_mut().zip(row) {
                    *s += scale * q;
                }
            } else {
                let row = &t.values[id * t.dims..(id + 1) * t.dims];
                for (s, &q) in sum.iter_mut().zip(row) {
                    *s += scale * f32::from(q);
                }
            }
        };
        let mut count = WordCount::default();
        wordpiece::for_each_word(text, word, |w| {
            // A whole token is found by one look-up, the first the greedy
            // match makes; the other words' pieces are remembered.
            let direct = wordpiece::whole_token(w, t.ids.max_len(), |p| t.ids.get(p));
            let whole = match direct {
                Some(id) => {
                    add(sum, id);
                    true
                }
                None => {
                    let (ids, whole) = memo.pieces(w, |ids| {
                        wordpiece::pieces(
                            w,
                            piece,
                            t.ids.max_len(),
                            |p| t.ids.get(p),
                            |id| ids.push(id),
                        )
                    });
                    for &id in ids {
                        add(sum, id);
                    }
                    whole
                }
            };
            if w.chars().any(char::is_alphanumeric) {
                count.words += 1;
                count.known += usize::from(whole);
            }
        });
        count
    }
}

/// The words of a text [`StaticVectors::add_text`] read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct WordCount {
    /// Words with a letter or digit.
    pub words: usize,
    /// Those that are a whole token of the table.
    pub known: usize,
}

impl std::ops::AddAssign for WordCount {
    fn add_assign(&mut self, other: WordCount) {
        self.words += other.words;
        self.known += other.known;
    }
}

/// Reusable buffers for [`StaticVectors::add_text`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Scratch {
    word: String,
    piece: String,
    memo: Memo,
}

impl Scratch {
    /// Buffers for one text: its word pieces are not remembered (no
    /// allocation per word that is not a token, for a memo dropped at once).
    pub(crate) fn once() -> Scratch {
        Scratch {
            memo: Memo {
                off: true,
                ..Memo::default()
            },
            ..Scratch::default()
        }
    }
}

/// The word pieces of the words that are not a whole token, per table: a
/// batch repeats its words, and a word that is not a token costs the greedy
/// match a look-up per prefix tried. Only what the match returns is kept,
/// so the sums are the same with or without it.
#[derive(Clone, Default)]
struct Memo {
    /// The table the pieces are of (held, so that it cannot be replaced by
    /// another at the same address).
    table: Option<Arc<Table>>,
    /// Word -> its pieces' place in `ids` and whether it was a whole token.
    words: crate::text::FxHashMap<Box<str>, (u32, u32, bool)>,
    ids: Vec<u32>,
    /// The bytes of the remembered words.
    key_bytes: usize,
    /// Nothing is remembered (see [`Scratch::once`]).
    off: bool,
}

/// At most this many words are remembered; past it the memo starts over.
const MEMO_WORDS: usize = 1 << 16;

/// At most about this many bytes of words and pieces are remembered; past
/// it the memo starts over (a backlog keeps its memo for its whole life).
const MEMO_BYTES: usize = 4 << 20;

/// Words longer than this many bytes have more than
/// `wordpiece::MAX_WORD_CHARS` characters, so no pieces: they are not
/// remembered (a blob of hex or a log line would only take room).
const MEMO_WORD_BYTES: usize = 4 * wordpiece::MAX_WORD_CHARS;

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("words", &self.words.len())
            .finish()
    }
}

impl Memo {
    /// Forgets everything when `table` is not the table remembered.
    fn bind(&mut self, table: &Arc<Table>) {
        if !self.off && !self.table.as_ref().is_some_and(|t| Arc::ptr_eq(t, table)) {
            *self = Memo {
                table: Some(Arc::clone(table)),
                ..Memo::default()
            };
        }
    }

    /// `word`'s pieces and whether it is whole, from `split` (which pushes
    /// the pieces' ids and says whether the word is whole) the first time.
    fn pieces(&mut self, word: &str, split: impl FnOnce(&mut Vec<u32>) -> bool) -> (&[u32], bool) {
        if self.off {
            self.ids.clear();
            let whole = split(&mut self.ids);
            return (&self.ids, whole);
        }
        if let Some(&(at, len, whole)) = self.words.get(word) {
            return (&self.ids[at as usize..(at + len) as usize], whole);
        }
        if self.words.len() >= MEMO_WORDS
            || self.key_bytes + 4 * self.ids.len() > MEMO_BYTES
            || self.ids.len() > u32::MAX as usize / 2
        {
            self.words.clear();
            self.ids.clear();
            self.key_bytes = 0;
        }
        let at = self.ids.len();
        let whole = split(&mut self.ids);
        let len = self.ids.len() - at;
        if word.len() <= MEMO_WORD_BYTES {
            self.key_bytes += word.len();
            self.words
                .insert(word.into(), (at as u32, len as u32, whole));
        }
        (&self.ids[at..], whole)
    }
}

/// Scales `v` to unit length; false (and `v` unchanged) when its length is
/// 0 or not finite.
pub(crate) fn normalize(v: &mut [f32]) -> bool {
    let norm = v
        .iter()
        .map(|x| f64::from(*x) * f64::from(*x))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 && norm.is_finite() {
        let inv = (1.0 / norm) as f32;
        if inv.is_finite() {
            v.iter_mut().for_each(|x| *x *= inv);
        } else {
            // A vector of subnormal values: its inverse norm overflows f32.
            v.iter_mut()
                .for_each(|x| *x = (f64::from(*x) / norm) as f32);
        }
        true
    } else {
        false
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn tiny_and_huge_vectors_normalise_to_unit_length() {
        for v in [
            vec![1e-40f32, 0.0, 2e-40],
            vec![f32::MAX, f32::MAX, -f32::MAX],
            vec![3.0, 4.0, 0.0],
        ] {
            let mut v = v;
            assert!(normalize(&mut v));
            assert!(v.iter().all(|x| x.is_finite()), "{v:?}");
            let n: f32 = v.iter().map(|x| x * x).sum();
            assert!((n - 1.0).abs() < 1e-5, "{v:?}");
        }
        let mut zero = vec![0.0f32; 3];
        assert!(!normalize(&mut zero));
    }

    /// The bytes of a table of `tokens` with the given rows (scale 0.5).
    pub(crate) fn table(tokens: &[&str], dims: u16, rows: &[&[i8]]) -> Vec<u8> {
        let mut b = b"FTSV\x01".to_vec();
        b.extend(dims.to_le_bytes());
        b.extend((tokens.len() as u32).to_le_bytes());
        for t in tokens {
            b.push(t.len() as u8);
            b.extend(t.as_bytes());
        }
        for _ in tokens {
            b.extend(0.5f32.to_le_bytes());
        }
        for r in rows {
            b.extend(r.iter().map(|&x| x as u8));
        }
        b
    }

    #[test]
    fn reads_a_table_and_embeds_subwords() {
        let bytes = table(
            &["wait", "##ing", "card"],
            2,
            &[&[10, 0], &[0, 10], &[-10, 0]],
        );
        let t = StaticVectors::from_bytes(&bytes).unwrap();
        let v = t.embed("WAITING").unwrap();
        assert!((v[0] - v[1]).abs() < 1e-6 && v[0] > 0.0);
        let v = t.embed("Card.").unwrap();
        assert!((v[0] + 1.0).abs() < 1e-6 && v[1].abs() < 1e-6);
        assert!(t.embed("").is_none());
        assert!(t.embed("🙂 данные").is_none());
    }

    /// Rows past the `f32` copies add the same products as the copied
    /// ones: a text whose tokens lie on both sides sums as by hand.
    #[test]
    fn wide_tables_keep_fewer_rows_as_f32() {
        assert_eq!(wide_rows(128), WIDE_ROWS);
        assert_eq!(wide_rows(3), WIDE_ROWS);
        assert_eq!(wide_rows(384), 2730);
        assert!(wide_rows(4096) * 4096 * 4 <= WIDE_BYTES);
    }

    #[test]
    fn rows_past_the_wide_copies_add_the_same() {
        let names: Vec<String> = (0..WIDE_ROWS + 2).map(|i| format!("t{i}")).collect();
        let tokens: Vec<&str> = names.iter().map(String::as_str).collect();
        let rows: Vec<[i8; 3]> = (0..tokens.len())
            .map(|i| [(i % 251) as i8, -((i % 113) as i8), (i % 7) as i8 - 3])
            .collect();
        let row_refs: Vec<&[i8]> = rows.iter().map(|r| &r[..]).collect();
        let t = StaticVectors::from_bytes(&table(&tokens, 3, &row_refs)).unwrap();
        let picked = [3, WIDE_ROWS - 1, WIDE_ROWS, WIDE_ROWS + 1, 5];
        let text: Vec<&str> = picked.iter().map(|&i| tokens[i]).collect();
        let mut sum = [0.25f32; 3];
        t.add_text(&text.join(" "), 1.5, &mut sum, &mut Scratch::default());
        let mut want = [0.25f32; 3];
        for &i in &picked {
            for (w, &q) in want.iter_mut().zip(&rows[i]) {
                *w += 0.5 * 1.5 * f32::from(q);
            }
        }
        assert_eq!(sum.map(f32::to_bits), want.map(f32::to_bits));
    }

    #[test]
    fn known_words_are_whole_tokens_of_the_table() {
        let bytes = table(
            &["wait", "##ing", "card"],
            2,
            &[&[10, 0], &[0, 10], &[-10, 0]],
        );
        let t = StaticVectors::from_bytes(&bytes).unwrap();
        let mut sum = [0.0f32; 2];
        let mut s = Scratch::default();
        // "waiting" is split into pieces, "xyzzy" is not in the table at
        // all, "?" is no word.
        let count = t.add_text("Card waiting xyzzy card ?", 1.0, &mut sum, &mut s);
        assert_eq!(count, WordCount { words: 4, known: 2 });
        let mut total = count;
        total += t.add_text("wait", 1.0, &mut sum, &mut s);
        assert_eq!(total, WordCount { words: 5, known: 3 });
    }

    #[test]
    fn remembered_pieces_give_the_same_sums() {
        let bytes = table(
            &["wait", "##ing", "card", "car", "##d", "##s", "x"],
            3,
            &[
                &[10, 0, 1],
                &[0, 10, -3],
                &[-10, 0, 7],
                &[5, 5, 5],
                &[1, -9, 2],
                &[3, 3, -8],
                &[0, 1, 0],
            ],
        );
        let t = StaticVectors::from_bytes(&bytes).unwrap();
        let texts = [
            "Card waiting xyzzy cards ?",
            "waiting cards carding xyzzy waiting",
            "xwait cardxx x waiting",
            "cards cards cards waitings",
        ];
        let mut memo = Scratch::default();
        for round in 0..2 {
            for (i, text) in texts.iter().enumerate() {
                let weight = 0.5 + i as f32;
                let (mut a, mut b) = ([0.25f32; 3], [0.25f32; 3]);
                let ca = t.add_text(text, weight, &mut a, &mut memo);
                // Without the memo: the greedy match for every word.
                let mut fresh = Scratch::default();
                let mut cb = WordCount::default();
                let mut word = String::new();
                let tb = &*t.table;
                wordpiece::for_each_word(text, &mut word, |w| {
                    let whole = wordpiece::pieces(
                        w,
                        &mut fresh.piece,
                        tb.ids.max_len(),
                        |p| tb.ids.get(p),
                        |id| {
                            let id = id as usize;
                            let scale = tb.scales[id] * weight;
                            for (s, &q) in b.iter_mut().zip(&tb.values[id * 3..id * 3 + 3]) {
                                *s += scale * f32::from(q);
                            }
                        },
                    );
                    if w.chars().any(char::is_alphanumeric) {
                        cb.words += 1;
                        cb.known += usize::from(whole);
                    }
                });
                assert_eq!(ca, cb, "round {round}, text {i}");
                let bits = |v: &[f32; 3]| v.map(f32::to_bits);
                assert_eq!(bits(&a), bits(&b), "round {round}, text {i}");
            }
        }
        assert!(memo.memo.words.contains_key("cards"));
        // Another table: the memo starts over.
        let other = StaticVectors::from_bytes(&bytes).unwrap();
        other.add_text("waiting", 1.0, &mut [0.0; 3], &mut memo);
        assert!(!memo.memo.words.contains_key("cards"));
    }

    #[test]
    fn one_text_buffers_give_the_same_sums_and_remember_nothing() {
        let bytes = table(
            &["wait", "##ing", "card", "##s"],
            2,
            &[&[10, 0], &[0, 10], &[3, 4], &[1, 1]],
        );
        let t = StaticVectors::from_bytes(&bytes).unwrap();
        let text = "waiting cards waiting xyz card";
        let (mut a, mut b) = ([0.0f32; 2], [0.0f32; 2]);
        let mut once = Scratch::once();
        let ca = t.add_text(text, 1.0, &mut a, &mut once);
        let cb = t.add_text(text, 1.0, &mut b, &mut Scratch::default());
        assert_eq!(ca, cb);
        assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
        assert!(once.memo.words.is_empty() && once.memo.table.is_none());
    }

    #[test]
    fn the_memo_stays_small_whatever_the_words() {
        let bytes = table(&["wait", "##ing"], 2, &[&[10, 0], &[0, 10]]);
        let t = StaticVectors::from_bytes(&bytes).unwrap();
        let mut memo = Scratch::default();
        // Long distinct words (a hex dump, say) are not remembered: they
        // have no pieces.
        for i in 0..2_000 {
            let blob = format!("{i:x}{}", "f".repeat(5_000));
            t.add_text(&blob, 1.0, &mut [0.0; 2], &mut memo);
        }
        assert!(memo.memo.key_bytes <= MEMO_BYTES, "{}", memo.memo.key_bytes);
        assert!(memo.memo.words.is_empty(), "{}", memo.memo.words.len());
        // Many distinct words of 390 bytes: the bytes stay under the cap,
        // not only the count.
        for i in 0..20_000u32 {
            let word = format!("{i:05}{}", "q".repeat(385));
            t.add_text(&word, 1.0, &mut [0.0; 2], &mut memo);
        }
        assert!(memo.memo.words.len() < 20_000);
        let m = &memo.memo;
        assert!(
            m.key_bytes + 4 * m.ids.len() <= MEMO_BYTES + 64,
            "{}",
            m.key_bytes
        );
        assert!(m.words.len() <= MEMO_WORDS);
        let keys: usize = m.words.keys().map(|k| k.len()).sum();
        assert_eq!(keys, m.key_bytes);
    }

    #[test]
    fn bad_bytes_are_typed_errors() {
        let good = table(&["a", "b"], 2, &[&[1, 2], &[3, 4]]);
        assert!(StaticVectors::from_bytes(&good).is_ok());
        assert_eq!(
            StaticVectors::from_bytes(b"XXXX").unwrap_err(),
            VectorsError::BadMagic
        );
        let mut v2 = good.clone();
        v2[4] = 2;
        assert!(matches!(
            StaticVectors::from_bytes(&v2),
            Err(VectorsError::UnsupportedVersion { found: 2, .. })
        ));
        for cut in 0..good.len() {
            assert!(
                StaticVectors::from_bytes(&good[..cut]).is_err(),
                "cut {cut}"
            );
        }
        let mut extra = good.clone();
        extra.push(0);
        assert_eq!(
            StaticVectors::from_bytes(&extra).unwrap_err(),
            VectorsError::TrailingBytes(1)
        );
        let dup = table(&["a", "a"], 2, &[&[1, 2], &[3, 4]]);
        assert!(matches!(
            StaticVectors::from_bytes(&dup),
            Err(VectorsError::BadToken { index: 1, .. })
        ));
        let mut nan = good.clone();
        let at = 4 + 1 + 2 + 4 + 2 + 2;
        nan[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(matches!(
            StaticVectors::from_bytes(&nan),
            Err(VectorsError::BadScale { index: 0, .. })
        ));
        let mut dims0 = good;
        dims0[5] = 0;
        assert_eq!(
            StaticVectors::from_bytes(&dims0).unwrap_err(),
            VectorsError::BadDims(0)
        );
    }

    #[cfg(feature = "static-vectors")]
    #[test]
    fn builtin_table_reads_and_relates_meanings() {
        let t = StaticVectors::builtin();
        assert!(t.len() > 20_000 && t.dims() >= 64);
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let card = t.embed("my card has not arrived").unwrap();
        let post = t.embed("still waiting on the new one you posted").unwrap();
        let rate = t.embed("what is the exchange rate for euros").unwrap();
        assert!(dot(&card, &post) > dot(&card, &rate));
    }
}

//! Text in its written form: lower-cased, white space collapsed.

/// Appends `s` as it is written down for comparing: lower-cased, runs of
/// white space one space (feature names, the same-text check, customer
/// names).
pub(crate) fn written_into(out: &mut String, s: &str) {
    let start = out.len();
    if s.is_ascii() {
        written_ascii(out, s);
        return;
    }
    for w in s.split_whitespace() {
        if out.len() > start {
            out.push(' ');
        }
        if w.is_ascii() {
            // What `char::to_lowercase` gives for ASCII, without the
            // character by character loop.
            let at = out.len();
            out.push_str(w);
            out[at..].make_ascii_lowercase();
        } else {
            out.extend(w.chars().flat_map(char::to_lowercase));
        }
    }
}

/// ASCII white space as [`written_into`] collapses it (and
/// `char::is_whitespace` says of ASCII): tab to carriage return and the
/// space.
#[inline]
pub(crate) fn is_ascii_blank(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// [`written_into`] for ASCII text, byte by byte: the same result (ASCII
/// white space is what `char::is_whitespace` says of it, tab to carriage
/// return and the space; lower case is `to_ascii_lowercase`).
fn written_ascii(out: &mut String, s: &str) {
    let start = out.len();
    let space = |b: &u8| is_ascii_blank(*b);
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if space(&bytes[i]) {
            i += 1;
            continue;
        }
        let j = bytes[i..]
            .iter()
            .position(space)
            .map_or(bytes.len(), |p| i + p);
        if out.len() > start {
            out.push(' ');
        }
        let at = out.len();
        out.push_str(&s[i..j]); // ASCII: every byte starts a character
        out[at..].make_ascii_lowercase();
        i = j;
    }
}

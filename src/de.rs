//! Deserialisation helpers that name the key at fault in every error, so a
//! wrong type deep in a policy or item says where it is
//! (`rules[3]: rule "sso": field `weight`: invalid type ...`).

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// An error's message without the ` at line L column C` that serde_json
/// appends, nor the `in `key`` lines that toml appends: the outer
/// deserialiser adds its own when the wrapped error reaches it, and the
/// wrapper names the key already.
pub(crate) fn message(e: &dyn fmt::Display) -> String {
    let mut s = e.to_string();
    loop {
        let t = s.trim_end();
        match t.rsplit_once('\n') {
            Some((head, last)) if last.starts_with("in `") && last.ends_with('`') => {
                s = head.to_string()
            }
            _ => {
                s.truncate(t.len());
                break;
            }
        }
    }
    if let Some(i) = s.rfind(" at line ")
        && let Some((line, col)) = s[i + 9..].split_once(" column ")
        && line.parse::<u64>().is_ok()
        && col.parse::<u64>().is_ok()
    {
        return s[..i].to_string();
    }
    s
}

/// Prefixes an error with `context: `.
pub(crate) fn wrap<E: de::Error>(context: impl fmt::Display, e: E) -> E {
    E::custom(format_args!("{context}: {}", message(&e)))
}

/// Reads a map value, naming `context` (`field `weight``) in any error.
pub(crate) fn value<'de, A, T>(map: &mut A, context: impl fmt::Display) -> Result<T, A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    map.next_value::<T>().map_err(|e| wrap(context, e))
}

/// Reads a map value that is a list, naming the element at fault
/// (``field `keywords[2]` ``) or the list (``field `keywords` ``); `prefix`
/// goes before either (`rule "x": `).
pub(crate) fn list<'de, A, T>(map: &mut A, prefix: &str, name: &str) -> Result<Vec<T>, A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    let named = Cell::new(false);
    map.next_value_seed(NamedSeq::<T> {
        prefix,
        name,
        named: &named,
        marker: PhantomData,
    })
}

struct NamedSeq<'a, T> {
    prefix: &'a str,
    name: &'a str,
    /// Set when an element's error was already named.
    named: &'a Cell<bool>,
    marker: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for NamedSeq<'_, T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        let (prefix, name, named) = (self.prefix, self.name, self.named);
        d.deserialize_seq(self).map_err(|e| {
            if named.get() {
                e
            } else {
                wrap(format_args!("{prefix}field `{name}`"), e)
            }
        })
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for NamedSeq<'_, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // The hint comes from the input: trusted only up to a small
        // allocation, so a hostile length cannot reserve memory.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        loop {
            let i = out.len();
            match seq.next_element::<T>() {
                Ok(Some(v)) => out.push(v),
                Ok(None) => return Ok(out),
                Err(e) => {
                    self.named.set(true);
                    return Err(wrap(
                        format_args!("{}field `{}[{i}]`", self.prefix, self.name),
                        e,
                    ));
                }
            }
        }
    }
}

/// A map key, borrowed from the input when the format lends it (serde's own
/// `Cow<str>` always copies): reading an item's keys allocates nothing with
/// serde_json's `from_str` / `from_slice`.
pub(crate) struct Key<'de>(pub(crate) std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(std::borrow::Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key(std::borrow::Cow::Owned(v)))
    }
}

/// The keys of one map seen so far, to reject a repeated key (JSON allows
/// them; silently keeping the last `keywords` would drop the first list).
/// A set (std's seeded hash): keys come from the input, so a line of many
/// distinct unknown keys costs linear time, not a scan per key.
#[derive(Default)]
pub(crate) struct Seen(std::collections::HashSet<String>);

impl Seen {
    /// Fails with serde's `duplicate field` error when `key` was seen.
    pub(crate) fn check<E: de::Error>(&mut self, key: &str, prefix: &str) -> Result<(), E> {
        if self.0.insert(key.to_owned()) {
            Ok(())
        } else {
            Err(duplicate(key, prefix))
        }
    }
}

/// serde's `duplicate field` error for `key`, after `prefix`.
pub(crate) fn duplicate<E: de::Error>(key: &str, prefix: &str) -> E {
    E::custom(format_args!("{prefix}duplicate field `{key}`"))
}

/// [`list`], or `None` for a null (compact self-describing formats write every field).
pub(crate) fn optional_list<'de, A, T>(
    map: &mut A,
    prefix: &str,
    name: &str,
) -> Result<Option<Vec<T>>, A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    let named = Cell::new(false);
    map.next_value_seed(OptionalSeq(NamedSeq::<T> {
        prefix,
        name,
        named: &named,
        marker: PhantomData,
    }))
}

struct OptionalSeq<'a, T>(NamedSeq<'a, T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for OptionalSeq<'_, T> {
    type Value = Option<Vec<T>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionalSeq<'_, T> {
    type Value = Option<Vec<T>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(d).map(Some)
    }
}

//! Methods of `str`. Strings index by character.

use crate::errors::{fail, kinds, Trap};
use crate::runtime::methods::{arg, int_arg, no_method, str_arg, Method};
use crate::value::{display, Str, Value};

/// Units of work charged for scanning `text` once (`contains`, `find`).
#[inline]
pub fn scan_units(text: &str) -> u64 {
    text.len() as u64 / 4
}

/// Whether `needle` occurs in `text`.
#[inline]
pub fn contains(text: &str, needle: &str) -> bool {
    find_byte(text, needle).is_some()
}

/// The byte offset of the first `needle` in `text`. A match of valid
/// UTF-8 in valid UTF-8 always starts at a character boundary, so
/// searching bytes gives std's answer. Haystacks shorter than
/// [`SHORT_HAYSTACK`] (labels, words, keys) are scanned directly: std's
/// `str::find` prepares a two-way searcher and memchr's a Rabin-Karp hash
/// on every call, which cost more than the scan; longer ones go to
/// memchr's vectorised search.
pub fn find_byte(text: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (text.as_bytes(), needle.as_bytes());
    if hay.len() < SHORT_HAYSTACK {
        short_find(hay, needle)
    } else {
        memchr::memmem::find(hay, needle)
    }
}

/// Below this many bytes a haystack is searched by [`short_find`].
const SHORT_HAYSTACK: usize = 64;

/// The first `needle` in a short `hay`: each position whose byte is the
/// needle's first is compared with the rest, at most `hay.len()` times
/// the needle's length (under 64 × 64 byte comparisons).
fn short_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let last = hay.len().checked_sub(needle.len())?;
    // Plain index loops: iterator adapters here were not fully inlined.
    let mut i = 0;
    while i <= last {
        if hay[i] == first {
            let mut j = 0;
            while j < rest.len() && hay[i + 1 + j] == rest[j] {
                j += 1;
            }
            if j == rest.len() {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// Call method `m` on string `s`.
pub fn method(m: Method, name: &str, s: &Str, args: &[Value]) -> Result<Value, Trap> {
    let text = &*s.text;
    // Passes over the whole string are charged to the step limit (a unit
    // per byte made or a few scanned; a value per character for `chars`).
    let n = text.len() as u64;
    let units = match m {
        Method::Chars => 16 * n,
        Method::Upper | Method::Lower | Method::Split | Method::Replace => n,
        Method::Len if !s.ascii => n / 4,
        Method::Contains | Method::Find | Method::IndexOf | Method::Trim => scan_units(text),
        Method::Substring | Method::Slice => n / 4,
        Method::Lines | Method::Bytes => 4 * n,
        Method::Count | Method::RFind | Method::Strip | Method::PadLeft | Method::PadRight => n / 4,
        Method::IsDigit | Method::IsAlpha | Method::IsSpace => n / 4,
        Method::Join => match arg(args, 0) {
            Value::List(l) => 4 * l.items.borrow().len() as u64,
            Value::Tuple(t) => 4 * t.items.len() as u64,
            _ => 0,
        },
        _ => 0,
    };
    if units > 0 {
        crate::limits::charge_units(units)?;
    }
    Ok(match m {
        Method::Len => Value::Int(s.char_len() as i64),
        Method::IsEmpty => Value::Bool(text.is_empty()),
        Method::Upper => Value::string(text.to_uppercase()),
        Method::Lower => Value::string(text.to_lowercase()),
        Method::Trim => Value::str(text.trim()),
        Method::Split => {
            let parts: Vec<Value> = match arg(args, 0) {
                Value::Nil => text.split_whitespace().map(Value::str).collect(),
                Value::Str(sep) if sep.text.is_empty() => {
                    text.chars().map(|c| Value::string(c.to_string())).collect()
                }
                Value::Str(sep) => text.split(&*sep.text).map(Value::str).collect(),
                other => {
                    return fail(
                        kinds::TYPE_ERROR,
                        &format!("split expects a str, got {}", other.type_name()),
                    )
                }
            };
            Value::list(parts)
        }
        Method::Join => match arg(args, 0) {
            Value::List(l) => Value::string(join(&l.items.borrow(), text)),
            Value::Tuple(t) => Value::string(join(&t.items, text)),
            other => {
                return fail(
                    kinds::TYPE_ERROR,
                    &format!("join expects a list, got {}", other.type_name()),
                )
            }
        },
        Method::Contains => Value::Bool(contains(text, str_arg(args, 0, "contains")?)),
        Method::StartsWith => Value::Bool(text.starts_with(str_arg(args, 0, "starts_with")?)),
        Method::EndsWith => Value::Bool(text.ends_with(str_arg(args, 0, "ends_with")?)),
        Method::Find | Method::IndexOf => {
            let needle = str_arg(args, 0, "find")?;
            match find_byte(text, needle) {
                Some(byte) => Value::Int(text[..byte].chars().count() as i64),
                None => Value::error("NotFound", &format!("'{needle}' not found")),
            }
        }
        Method::Replace => {
            let (from, to) = (str_arg(args, 0, "replace")?, str_arg(args, 1, "replace")?);
            // The result is checked against the limits before it is built:
            // replacing "" inserts `to` between every character, so repeated
            // replaces grow a string geometrically (found by fuzzing).
            let occurrences = if from.is_empty() {
                s.char_len() + 1
            } else {
                text.matches(from).count()
            };
            let result_len = (text.len() - occurrences * from.len())
                .saturating_add(occurrences.saturating_mul(to.len()));
            if result_len > 1 << 32 {
                return fail(kinds::RESOURCE_LIMIT, "string too large");
            }
            crate::limits::check_string(result_len)?;
            Value::string(text.replace(from, to))
        }
        Method::Substring | Method::Slice => {
            let n = s.char_len() as i64;
            let start = clamp(int_arg(args, 0, "substring")?, n);
            let end = match arg(args, 1) {
                Value::Nil => n,
                _ => clamp(int_arg(args, 1, "substring")?, n),
            };
            if start >= end {
                Value::str("")
            } else {
                Value::string(char_slice(s, start as usize, end as usize).to_string())
            }
        }
        Method::Chars => Value::list(text.chars().map(|c| Value::string(c.to_string())).collect()),
        Method::Repeat => {
            let n = int_arg(args, 0, "repeat")?.max(0) as usize;
            if text.len().saturating_mul(n) > 1 << 32 {
                return fail(
                    kinds::RESOURCE_LIMIT,
                    &format!("repeat count {} makes a string too large", arg(args, 0)),
                );
            }
            crate::limits::check_string(text.len().saturating_mul(n))?;
            Value::string(text.repeat(n))
        }
        Method::ToStr => Value::str(text),
        Method::Lines => Value::list(text.lines().map(Value::str).collect()),
        Method::TrimStart => Value::str(text.trim_start()),
        Method::TrimEnd => Value::str(text.trim_end()),
        Method::Strip => match arg(args, 0) {
            Value::Nil => Value::str(text.trim()),
            _ => {
                let chars = str_arg(args, 0, "strip")?;
                Value::str(text.trim_matches(|c| chars.contains(c)))
            }
        },
        Method::PadLeft | Method::PadRight => pad(s, m == Method::PadLeft, args)?,
        Method::IsDigit => {
            Value::Bool(!text.is_empty() && text.chars().all(|c| c.is_ascii_digit()))
        }
        Method::IsAlpha => Value::Bool(!text.is_empty() && text.chars().all(char::is_alphabetic)),
        Method::IsSpace => Value::Bool(!text.is_empty() && text.chars().all(char::is_whitespace)),
        Method::Count => {
            let part = str_arg(args, 0, "count")?;
            Value::Int(if part.is_empty() {
                s.char_len() as i64 + 1
            } else {
                text.matches(part).count() as i64
            })
        }
        Method::RFind => {
            let needle = str_arg(args, 0, "rfind")?;
            match text.rfind(needle) {
                Some(byte) => Value::Int(text[..byte].chars().count() as i64),
                None => Value::error("NotFound", &format!("'{needle}' not found")),
            }
        }
        Method::Bytes => Value::list(text.bytes().map(|b| Value::Int(b as i64)).collect()),
        _ => return no_method(&Value::str(""), name),
    })
}

/// `pad_left(n, fill?)` / `pad_right(n, fill?)`: `s` widened to `n`
/// characters with `fill` (one character, a space by default).
fn pad(s: &Str, left: bool, args: &[Value]) -> Result<Value, Trap> {
    let width = int_arg(args, 0, "pad")?;
    let fill = match arg(args, 1) {
        Value::Nil => ' ',
        _ => {
            let text = str_arg(args, 1, "pad")?;
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => {
                    return fail(
                        kinds::TYPE_ERROR,
                        &format!("pad fill must be one character, got '{text}'"),
                    )
                }
            }
        }
    };
    let missing = (width.max(0) as usize).saturating_sub(s.char_len());
    if missing > 1 << 32 {
        return fail(kinds::RESOURCE_LIMIT, "string too large");
    }
    crate::limits::check_string(
        s.text
            .len()
            .saturating_add(missing.saturating_mul(fill.len_utf8())),
    )?;
    let padding: String = std::iter::repeat_n(fill, missing).collect();
    Ok(Value::string(if left {
        padding + &s.text
    } else {
        format!("{}{padding}", s.text)
    }))
}

/// Negative positions count from the end; the result is within `0..=n`.
fn clamp(i: i64, n: i64) -> i64 {
    let i = if i < 0 { i + n } else { i };
    i.clamp(0, n)
}

/// The characters `start..end` of `s` (by character index, in range).
pub fn char_slice(s: &Str, start: usize, end: usize) -> &str {
    if s.ascii {
        return &s.text[start..end];
    }
    let mut idx = s
        .text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(s.text.len()));
    let b0 = idx.nth(start).unwrap_or(s.text.len());
    let b1 = if end > start {
        idx.nth(end - start - 1).unwrap_or(s.text.len())
    } else {
        b0
    };
    &s.text[b0..b1]
}

/// Character `i` of `s` (negative counts from the end).
pub fn char_at(s: &Str, i: i64) -> Result<Value, Trap> {
    if !s.ascii {
        // Counting characters is a pass over the string.
        crate::limits::charge_units(s.text.len() as u64 / 2)?;
    }
    let n = s.char_len() as i64;
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        return fail(
            kinds::INDEX_OUT_OF_BOUNDS,
            &format!("string index {i} out of range for length {n}"),
        );
    }
    Ok(Value::str(char_slice(s, j as usize, j as usize + 1)))
}

/// Join the printed forms of `items` with `sep`.
pub fn join(items: &[Value], sep: &str) -> String {
    let mut out = String::new();
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&display(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(recv: &str, m: &str, args: &[Value]) -> String {
        let s = Str::new(recv.into(), recv.is_ascii());
        display(&method(Method::from_name(m), m, &s, args).unwrap())
    }

    #[test]
    fn string_methods() {
        assert_eq!(call("Hello", "upper", &[]), "HELLO");
        assert_eq!(call("  x ", "trim", &[]), "x");
        assert_eq!(call("a,b", "split", &[Value::str(",")]), "[\"a\", \"b\"]");
        assert_eq!(
            call("héllo", "substring", &[Value::Int(1), Value::Int(3)]),
            "él"
        );
        assert_eq!(call("héllo", "len", &[]), "5");
        assert_eq!(call("abc", "find", &[Value::str("c")]), "2");
        assert_eq!(call("ab", "repeat", &[Value::Int(3)]), "ababab");
        assert_eq!(
            call(
                "-",
                "join",
                &[Value::list(vec![Value::Int(1), Value::str("x")])]
            ),
            "1-x"
        );
        let s = Str::new("Limit".into(), true);
        assert_eq!(display(&char_at(&s, 4).unwrap()), "t");
        assert_eq!(display(&char_at(&s, -1).unwrap()), "t");
        assert!(char_at(&s, 5).is_err());
    }
}

#[cfg(test)]
mod search_tests {
    use super::*;

    #[test]
    fn find_byte_agrees_with_std_on_short_and_long_haystacks() {
        let words = [
            "", "a", "7", "77", "ab", "aab", "é", "ée", "€7", "xyz", "item-1",
        ];
        let mut haystacks: Vec<String> = vec![
            String::new(),
            "a".into(),
            "item-77-0".into(),
            "aaab".into(),
            "€7é77".into(),
            "ééé".into(),
        ];
        // Around the short-haystack threshold, with the match at the end.
        for n in [62, 63, 64, 65, 200] {
            let mut s = "x".repeat(n);
            s.push_str("77");
            haystacks.push(s.clone());
            haystacks.push(s[..n].to_string());
        }
        for hay in &haystacks {
            for needle in words {
                assert_eq!(
                    find_byte(hay, needle),
                    hay.find(needle),
                    "{hay:?} {needle:?}"
                );
                assert_eq!(contains(hay, needle), hay.contains(needle));
            }
        }
    }
}

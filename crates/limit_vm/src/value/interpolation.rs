//! The text of `"…{x}…"` (`BuildString`): its pieces — literal parts and
//! the values interpolated between them — written into a new string, or
//! over the string the result replaces when nothing else holds it.
//!
//! Strings, ints, bools and nil (the *plain* pieces, the common ones) have
//! texts whose lengths are known before writing them, so their text is
//! sized once and written straight into its buffer: a short piece with a
//! few word moves rather than a `memcpy` call, an int two digits at a time
//! from its last (its length known, no scratch buffer to copy from). Any
//! other piece takes the general printer (`write_value`).

use super::*;

/// Bytes in the decimal text of `i` (for sizing a string before writing
/// it, `put_int`).
#[inline]
pub fn int_text_len(i: i64) -> usize {
    const POWERS_OF_TEN: [u64; 20] = {
        let mut p = [1u64; 20];
        let mut k = 1;
        while k < 20 {
            p[k] = p[k - 1] * 10;
            k += 1;
        }
        p
    };
    // The bit length times log10(2) (1233 / 4096) is the digit count or
    // one less; comparing with the power of ten that starts the larger
    // count decides. Zero counts as one digit (`| 1`).
    let u = i.unsigned_abs() | 1;
    let bits = (u64::BITS - u.leading_zeros()) as usize;
    let guess = (bits * 1233) >> 12;
    let more = POWERS_OF_TEN.get(guess).is_some_and(|&p| u >= p);
    guess + usize::from(more) + usize::from(i < 0)
}

/// The string value `"…{x}…"` makes of its pieces (`BuildString`: literal
/// parts and the values interpolated between them), within the string
/// length and heap limits.
pub fn interpolate(pieces: &[Value]) -> Result<Value, Trap> {
    let Some((len, ascii)) = plain_text_len(pieces) else {
        return interpolate_any(pieces);
    };
    limits::check_string(len)?;
    // Sized exactly, so that making the string value does not reallocate.
    let mut bytes = vec![0u8; len];
    write_plain(&mut bytes, pieces);
    // SAFETY: `write_plain` covered the bytes with whole texts, each
    // valid UTF-8.
    let text = unsafe { String::from_utf8_unchecked(bytes) };
    Ok(Value::string_with_ascii(text, ascii))
}

/// `interpolate` for pieces that are not all plain: written by the general
/// printer into a guessed capacity.
#[cold]
#[inline(never)]
fn interpolate_any(pieces: &[Value]) -> Result<Value, Trap> {
    let guess = pieces
        .iter()
        .map(|v| match v {
            Value::Str(t) => t.text.len(),
            _ => 20,
        })
        .fold(0usize, usize::saturating_add);
    let mut text = String::with_capacity(guess);
    for v in pieces {
        match v {
            Value::Str(t) => text.push_str(&t.text),
            other => write_value(&mut text, other, false),
        }
    }
    limits::check_string(text.len())?;
    Ok(Value::string(text))
}

/// `s = "…{x}…"` when `target` is the only reference to `s`'s old string
/// (a label or key rebuilt in a loop): the text is written over the old
/// one, which nothing else can observe, saving the two allocations of a
/// new string and the two releases of the old. A text of another length
/// takes a new block for the text alone (the string's own block stays),
/// and the heap meter is charged the difference: what making the new
/// string and then releasing the old would have left it at. False, changing nothing, when that does not
/// apply (a piece other than a string, int, bool or nil, a shared string)
/// or the limit check fails (`interpolate`, making the same check, then
/// raises it).
pub fn interpolate_over(target: &mut Rc<Str>, pieces: &[Value]) -> bool {
    let Some((len, ascii)) = plain_text_len(pieces) else {
        return false;
    };
    if limits::check_string(len).is_err() {
        return false;
    }
    let Some(owned) = Rc::get_mut(target) else {
        return false;
    };
    let old = owned.text.len();
    let mut bytes = if len == old {
        std::mem::take(&mut owned.text).into_boxed_bytes()
    } else {
        // A new block of the new length (cheaper than the allocator's
        // `realloc`, which first looks up the old block's size class);
        // the old one is released as the new text replaces it.
        limits::charge(len);
        limits::release(old);
        vec![0u8; len].into_boxed_slice()
    };
    write_plain(&mut bytes, pieces);
    // SAFETY: `write_plain` covered the bytes with whole texts, each
    // valid UTF-8.
    owned.text = unsafe { std::str::from_boxed_utf8_unchecked(bytes) };
    owned.ascii = ascii;
    // The text changed: a hash cached for the old one is stale.
    owned.hash.set(0);
    true
}

/// The length of the text of `pieces` and whether it is all ASCII, when
/// each piece is a string, an int, a bool or nil (whose texts are known
/// without writing them).
#[inline]
pub(super) fn plain_text_len(pieces: &[Value]) -> Option<(usize, bool)> {
    let mut len = 0usize;
    let mut ascii = true;
    for v in pieces {
        let n = match v {
            Value::Str(t) => {
                ascii &= t.ascii;
                t.text.len()
            }
            Value::Int(i) => int_text_len(*i),
            Value::Bool(true) => 4,
            Value::Bool(false) => 5,
            Value::Nil => 3,
            _ => return None,
        };
        len = len.saturating_add(n);
    }
    Some((len, ascii))
}

/// Writes the text of plain `pieces` (see `plain_text_len`) over `bytes`,
/// which has exactly its length. Inlined into its two callers: a call
/// and a loop over the pieces cost more than the writing of a short text.
#[inline(always)]
fn write_plain(bytes: &mut [u8], pieces: &[Value]) {
    let mut at = 0;
    for v in pieces {
        let rest = &mut bytes[at..];
        at += match v {
            Value::Str(t) => put_short(rest, t.text.as_bytes()),
            Value::Int(i) => put_int(rest, *i),
            Value::Bool(true) => put_short(rest, b"true"),
            Value::Bool(false) => put_short(rest, b"false"),
            Value::Nil => put_short(rest, b"nil"),
            _ => 0,
        };
    }
    // Every byte was written: the pieces' lengths are the ones
    // `plain_text_len` summed (a mismatch is a bug, stopped here before it
    // could leave stale bytes in a string).
    assert!(
        at == bytes.len(),
        "interpolated text shorter than its length"
    );
}

/// The decimal digit pairs `00` to `99`, for writing ints two digits at a
/// time.
const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        pairs[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    pairs
};

/// Writes the decimal text of `i` at the start of `dst` (long enough) and
/// returns its length, `int_text_len(i)`: the digits from the last, two at
/// a time, straight into place.
#[inline(always)]
fn put_int(dst: &mut [u8], i: i64) -> usize {
    let n = int_text_len(i);
    let text = &mut dst[..n];
    let mut u = i.unsigned_abs();
    let mut end = n;
    while u >= 100 {
        end -= 2;
        put_pair(text, end, (u % 100) as usize);
        u /= 100;
    }
    if u >= 10 {
        put_pair(text, end - 2, u as usize);
    } else {
        text[end - 1] = b'0' + u as u8;
    }
    if i < 0 {
        text[0] = b'-';
    }
    n
}

/// Writes the two digits of `pair` (below 100) at `text[at..at + 2]`,
/// assigned as an array (a `copy_from_slice` can become a `memcpy` call).
#[inline(always)]
fn put_pair(text: &mut [u8], at: usize, pair: usize) {
    if let (Some(d), Some(digits)) = (
        text.get_mut(at..).and_then(<[u8]>::first_chunk_mut::<2>),
        DIGIT_PAIRS.get(pair),
    ) {
        *d = *digits;
    }
}

/// Write `src` at the start of `dst` (at least as long) and return its
/// length. Texts up to 16 bytes, nearly all interpolated pieces, are
/// moved as two overlapping words (or halves, or bytes) assigned as
/// arrays: a `copy_from_slice` of a length unknown at compile time is a
/// `memcpy` call, which costs more than the copy of a short text (and
/// even a fixed-length one was left an out-of-line call in a build
/// without LTO).
#[inline(always)]
pub(super) fn put_short(dst: &mut [u8], src: &[u8]) -> usize {
    let n = src.len();
    let dst = &mut dst[..n];
    if n > 16 {
        dst.copy_from_slice(src);
    } else if n >= 8 {
        put_chunks::<8>(dst, src);
    } else if n >= 4 {
        put_chunks::<4>(dst, src);
    } else if n > 0 {
        // 1 to 3 bytes: the first, the middle and the last cover them.
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
    n
}

/// Copy `src` over `dst` (as long, from `W` to `2 * W` bytes) as its
/// first and last `W` bytes, which overlap.
#[inline(always)]
fn put_chunks<const W: usize>(dst: &mut [u8], src: &[u8]) {
    if let (Some(d), Some(s)) = (dst.first_chunk_mut::<W>(), src.first_chunk::<W>()) {
        *d = *s;
    }
    if let (Some(d), Some(s)) = (dst.last_chunk_mut::<W>(), src.last_chunk::<W>()) {
        *d = *s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(v: Value) -> Rc<Str> {
        match v {
            Value::Str(s) => s,
            _ => panic!("not a string"),
        }
    }

    #[test]
    fn short_copies_write_every_length_exactly() {
        let src: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for n in 0..=40 {
            let mut dst = vec![b'.'; 48];
            assert_eq!(put_short(&mut dst, &src[..n]), n);
            assert_eq!(&dst[..n], &src[..n], "length {n}");
            assert!(dst[n..].iter().all(|&b| b == b'.'), "length {n}");
        }
    }

    #[test]
    fn ints_are_written_as_rust_formats_them() {
        let mut ints = vec![0, i64::MAX, i64::MIN, i64::MIN + 1];
        let mut p = 1i64;
        for _ in 0..19 {
            ints.extend([p - 1, p, p + 1, 7 * p, -p, 1 - p, -(p + 1)]);
            p = p.saturating_mul(10);
        }
        for i in ints {
            let mut dst = [b'.'; 24];
            let n = put_int(&mut dst, i);
            assert_eq!(n, int_text_len(i), "{i}");
            assert_eq!(std::str::from_utf8(&dst[..n]), Ok(i.to_string().as_str()));
            assert!(dst[n..].iter().all(|&b| b == b'.'), "{i}");
        }
    }

    #[test]
    fn interpolated_texts_match_the_general_printer() {
        let words = ["", "a", "ab", "abc", "abcd", "héllo", "0123456789abcdefgh"];
        let ints = [0, 7, -7, 42, 99_999, i64::MAX, i64::MIN];
        for w in words {
            for i in ints {
                let pieces = [
                    Value::str(w),
                    Value::Int(i),
                    Value::Bool(false),
                    Value::str(w),
                    Value::Nil,
                ];
                let want = format!("{w}{i}false{w}nil");
                let Value::Str(s) = interpolate(&pieces).unwrap() else {
                    panic!("not a string");
                };
                assert_eq!(&*s.text, want);
                assert_eq!(s.ascii, want.is_ascii());
            }
        }
    }

    #[test]
    fn interpolating_over_a_unique_string_of_another_length_reuses_it() {
        let before = limits::heap_bytes();
        let mut target = rc(Value::string("w42".to_string()));
        let address = Rc::as_ptr(&target);
        target.hash_code();
        // Longer, then shorter, then empty, then non-ASCII: the same
        // string each time, the meter counting its current length.
        for (pieces, want) in [
            (vec![Value::str("w"), Value::Int(12345)], "w12345"),
            (vec![Value::str("w"), Value::Int(-1)], "w-1"),
            (vec![Value::str("")], ""),
            (vec![Value::str("ü"), Value::Nil], "ünil"),
        ] {
            let (heap, old) = (limits::heap_bytes(), target.text.len());
            assert!(interpolate_over(&mut target, &pieces));
            assert_eq!(limits::heap_bytes() + old, heap + want.len());
            assert_eq!(&*target.text, want);
            assert_eq!(target.ascii, want.is_ascii());
            assert_eq!(target.hash.get(), 0);
            assert!(std::ptr::eq(Rc::as_ptr(&target), address));
            // The hash is the text's, as for a fresh string.
            assert_eq!(target.hash_code(), rc(Value::str(want)).hash_code());
        }
        assert_eq!(
            limits::heap_bytes() - before,
            "ünil".len() + limits::STR_HEADER
        );
        drop(target);
        assert_eq!(limits::heap_bytes(), before);
    }

    #[test]
    fn a_longer_text_past_the_string_length_limit_changes_nothing() {
        limits::install(limits::Limits {
            max_string_len: Some(4),
            ..limits::Limits::default()
        });
        let mut target = rc(Value::string("w1".to_string()));
        let heap = limits::heap_bytes();
        assert!(!interpolate_over(
            &mut target,
            &[Value::str("w"), Value::Int(1234)]
        ));
        assert_eq!(&*target.text, "w1");
        assert_eq!(limits::heap_bytes(), heap);
        assert!(interpolate(&[Value::str("w"), Value::Int(1234)]).is_err());
        // Within the limit it is written over.
        assert!(interpolate_over(
            &mut target,
            &[Value::str("w"), Value::Int(123)]
        ));
        assert_eq!(&*target.text, "w123");
        limits::install(limits::Limits::default());
    }
}

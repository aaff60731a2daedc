//! `s = s + t` for strings (`AddAssignLocal`, `AddStore`), appending in
//! place when nothing else can see the old string.
//!
//! Strings are immutable values (LANGUAGE §3): `s + t` is a new string.
//! When the variable being assigned holds the only reference to its
//! string, though, no other variable, element, captured copy, dict key,
//! iterator or constant can observe the old text, so writing `t` at its
//! end gives the same result without copying `s` (CPython does the same
//! for `s = s + t`). A loop building a long string then costs the length
//! of what it appends rather than the length of the whole string on every
//! iteration.

use super::*;

/// The checks and charges of `left + right` for two strings, as
/// `arith::add` makes them: the string-length and heap limits, then the
/// work of a copy of both (the step budget does not depend on whether the
/// string can be appended to in place). Only a failed charge changes
/// anything: it empties the work meter with the error pending, so the
/// next check of any kind raises that same error.
pub fn check_concat(left: &Str, right: &Str) -> Result<(), Trap> {
    let total = left.text.len().saturating_add(right.text.len());
    limits::check_string(total)?;
    limits::charge_units(total as u64 / 4)
}

/// `*target = *target + tail` for two strings, after [`check_concat`].
///
/// In place when `target` is the only reference to its string (and is not
/// `tail` itself: `s = s + s` reads the text it would be appending to);
/// otherwise a new string replaces `target`'s reference. The heap meter
/// is charged what the string grows by either way.
pub fn append_checked(target: &mut Rc<Str>, tail: &Str) {
    let ascii = target.ascii && tail.ascii;
    if !std::ptr::eq(&**target, tail) {
        if let Some(owned) = Rc::get_mut(target) {
            // Exactly the needed size: `into_boxed_str` then keeps the
            // block, and the allocator's `realloc` grows a block in place
            // while it fits the block's size class.
            let mut text = std::mem::take(&mut owned.text).into_string();
            text.reserve_exact(tail.text.len());
            text.push_str(&tail.text);
            owned.text = text.into_boxed_str();
            owned.ascii = ascii;
            // The text changed: a hash cached for the old one is stale.
            owned.hash.set(0);
            limits::charge(tail.text.len());
            return;
        }
    }
    let total = target.text.len() + tail.text.len();
    let mut text = String::with_capacity(total);
    text.push_str(&target.text);
    text.push_str(&tail.text);
    limits::charge(total + limits::STR_HEADER);
    *target = Rc::new(Str::new(text.into_boxed_str(), ascii));
}

/// `*target = *target + tail` for two strings (`AddAssignLocal`): checked,
/// then appended (in place when `target` is the only reference).
pub fn append_to_string(target: &mut Rc<Str>, tail: &Str) -> Result<(), Trap> {
    check_concat(target, tail)?;
    append_checked(target, tail);
    Ok(())
}

/// `*slot = left + right` for two strings (`AddStore`: `s = s + t`, whose
/// left operand is a copy of the slot's value pushed on the stack):
/// checked, then stored. Nothing changes when the checks fail.
pub fn store_concat(slot: &mut Value, left: Rc<Str>, right: &Str) -> Result<(), Trap> {
    check_concat(&left, right)?;
    store_checked(slot, left, right);
    Ok(())
}

/// `*slot = left + right` after [`check_concat`]. When the slot and
/// `left` are the string's only two references, the slot's is let go
/// first, so that the append is in place. The slot's old value is
/// dropped (a string or a scalar, for the dispatch loop: dropping them
/// runs no code).
pub fn store_checked(slot: &mut Value, mut left: Rc<Str>, right: &Str) {
    if let Value::Str(old) = slot {
        if Rc::ptr_eq(old, &left) && Rc::strong_count(&left) == 2 {
            *slot = Value::Nil;
        }
    }
    append_checked(&mut left, right);
    slot.set(Value::Str(left));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &Value) -> &str {
        match v {
            Value::Str(s) => &s.text,
            _ => panic!("not a string"),
        }
    }

    fn rc(v: &Value) -> Rc<Str> {
        match v {
            Value::Str(s) => s.clone(),
            _ => panic!("not a string"),
        }
    }

    #[test]
    fn a_unique_string_grows_in_place_and_the_meter_follows() {
        let before = limits::heap_bytes();
        let mut s = rc(&Value::string("ab".repeat(3)));
        let start = limits::heap_bytes();
        assert_eq!(start - before, 6 + limits::STR_HEADER);
        let tail = rc(&Value::string("é!".to_string()));
        let with_tail = limits::heap_bytes();
        append_to_string(&mut s, &tail).unwrap();
        assert_eq!(&*s.text, "abababé!");
        assert!(!s.ascii);
        assert_eq!(limits::heap_bytes() - with_tail, 3);
        drop(tail);
        drop(s);
        assert_eq!(limits::heap_bytes(), before);
    }

    #[test]
    fn a_shared_string_is_copied_and_the_other_holder_keeps_it() {
        let before = limits::heap_bytes();
        let first = Value::string("x1".to_string());
        let mut s = rc(&first);
        let tail = rc(&Value::string("y".to_string()));
        append_to_string(&mut s, &tail).unwrap();
        assert_eq!(&*s.text, "x1y");
        assert_eq!(text(&first), "x1");
        drop((first, s, tail));
        assert_eq!(limits::heap_bytes(), before);
    }

    #[test]
    fn appending_a_string_to_itself_copies() {
        let mut s = rc(&Value::string("ab".to_string()));
        let same = s.clone();
        append_to_string(&mut s, &same).unwrap();
        assert_eq!(&*s.text, "abab");
        assert_eq!(&*same.text, "ab");
    }

    #[test]
    fn a_hash_cached_before_an_append_is_forgotten() {
        let v = Value::string("k1".to_string());
        let mut s = rc(&v);
        drop(v);
        let old = s.hash_code();
        append_to_string(&mut s, &rc(&Value::string("2".to_string()))).unwrap();
        assert_eq!(s.hash.get(), 0);
        let fresh = rc(&Value::string("k12".to_string()));
        assert_eq!(s.hash_code(), fresh.hash_code());
        assert!(old != 0);
    }

    #[test]
    fn a_store_lets_go_of_the_slot_only_when_nothing_else_holds_the_string() {
        // The slot and the pushed copy only: appended in place.
        let mut slot = Value::string("ab".to_string());
        let left = rc(&slot);
        let address = Rc::as_ptr(&left);
        store_concat(&mut slot, left, &rc(&Value::string("c".to_string()))).unwrap();
        assert_eq!(text(&slot), "abc");
        assert!(std::ptr::eq(Rc::as_ptr(&rc(&slot)), address));
        // A third holder keeps the old text.
        let mut slot = Value::string("ab".to_string());
        let other = slot.clone();
        let left = rc(&slot);
        store_concat(&mut slot, left, &rc(&Value::string("c".to_string()))).unwrap();
        assert_eq!(text(&slot), "abc");
        assert_eq!(text(&other), "ab");
        // A left operand that is not the slot's value.
        let mut slot = Value::Int(1);
        let left = rc(&Value::string("p".to_string()));
        store_concat(&mut slot, left, &rc(&Value::string("q".to_string()))).unwrap();
        assert_eq!(text(&slot), "pq");
    }

    #[test]
    fn interpolating_over_a_unique_string_of_the_same_length_reuses_it() {
        let pieces = [
            Value::string("k-".to_string()),
            Value::Int(42),
            Value::Bool(true),
        ];
        let v = Value::string("abcdefgh".to_string());
        let mut target = rc(&v);
        drop(v);
        let address = Rc::as_ptr(&target);
        target.hash_code();
        let heap = limits::heap_bytes();
        assert!(interpolate_over(&mut target, &pieces));
        assert_eq!(&*target.text, "k-42true");
        assert!(std::ptr::eq(Rc::as_ptr(&target), address));
        assert_eq!(target.hash.get(), 0);
        assert_eq!(limits::heap_bytes(), heap);
        // Non-ASCII text of the same byte length.
        assert!(interpolate_over(
            &mut target,
            &[Value::string("é".repeat(4))]
        ));
        assert!(!target.ascii);
        assert_eq!(target.char_len(), 4);
        // A shared string, a float piece: declined.
        let other = target.clone();
        assert!(!interpolate_over(
            &mut target,
            &[Value::string("x".repeat(8))]
        ));
        drop(other);
        let float = [Value::string("abcde".to_string()), Value::Float(1.5)];
        assert!(!interpolate_over(&mut target, &float));
        assert_eq!(&*target.text, "éééé");
    }

    #[test]
    fn past_the_string_length_limit_nothing_changes() {
        limits::install(limits::Limits {
            max_string_len: Some(4),
            ..limits::Limits::default()
        });
        let mut slot = Value::string("abc".to_string());
        let left = rc(&slot);
        let tail = rc(&Value::string("de".to_string()));
        assert!(store_concat(&mut slot, left.clone(), &tail).is_err());
        assert_eq!(text(&slot), "abc");
        let mut s = left;
        assert!(append_to_string(&mut s, &tail).is_err());
        assert_eq!(&*s.text, "abc");
        limits::install(limits::Limits::default());
    }
}

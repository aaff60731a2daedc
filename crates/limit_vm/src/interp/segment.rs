//! The dispatch loop's memory primitives: the only places `run_fast`
//! (dispatch.rs) touches the stack segment unchecked. Each relies on the
//! segment invariant that `run_fast`'s `enter_segment!` establishes and
//! every arm keeps: `stk..sp` are initialised values inside the stack
//! vector's allocation, which ends at `limit`, and nothing else owns them
//! while the loop runs. Values are released (possibly freeing objects)
//! only when no frame has a `deinit`, so no Limit code runs from inside
//! an arm. They are macros so that each expands in the arm that uses it,
//! exactly as code written there would (a function boundary changes how
//! LLVM allocates the loop's registers; see dispatch.rs).
//!
//! The arms prove the bounds each primitive's SAFETY comment names with
//! `need!` (operands counted from `sp`, at least the running frame's
//! slot 0) and `slot!` (locals below `sp`), which live in `run_fast`
//! because they read its registers.

// The value in slot `p`.
macro_rules! val {
    ($p:expr) => {{
        let p: *const Value = $p;
        // SAFETY: every caller proved `p` to lie in `stk..sp`
        // first (`need!` for slots counted from `sp`, `slot!`
        // for locals), so it is an initialised value of the
        // segment; the reference ends before the arm writes
        // the slot again.
        #[allow(unused_unsafe)]
        let r = unsafe { &*p };
        r
    }};
}
// The value in slot `p`, to change in place.
macro_rules! val_mut {
    ($p:expr) => {{
        let p: *mut Value = $p;
        // SAFETY: as for `val!`; no other reference to the
        // slot is live: an arm that changes one slot and
        // reads another that may be the same (`a = a + a`)
        // copies the other out first.
        #[allow(unused_unsafe)]
        let r = unsafe { &mut *p };
        r
    }};
}
// Write `v` into slot `p` without dropping what it held.
macro_rules! put {
    ($p:expr, $v:expr) => {{
        let (p, v): (*mut Value, Value) = ($p, $v);
        // SAFETY: `p` is `sp` after `room!` (inside the
        // allocation, below `limit`) or a slot in `stk..sp`,
        // and what it held owns nothing: the caller moved it
        // out, released it, or matched it as a scalar.
        #[allow(unused_unsafe)]
        let r = unsafe { std::ptr::write(p, v) };
        r
    }};
}
// Move the value out of slot `p` (in `stk..sp`), which the
// caller then treats as empty.
macro_rules! take {
    ($p:expr) => {{
        let p: *const Value = $p;
        // SAFETY: `p` lies in `stk..sp` (`need!`/`slot!`);
        // the caller writes the slot or drops it below `sp`
        // before reading it again, so the value has one owner.
        #[allow(unused_unsafe)]
        let r = unsafe { std::ptr::read(p) };
        r
    }};
}
// `copy_to`, `move_to`, `store_scalar` and `release`
// (slots.rs) on slots of the segment.
macro_rules! copy_value {
    ($dst:expr, $src:expr) => {{
        let (dst, src): (*mut Value, *const Value) = ($dst, $src);
        // SAFETY: `src` lies in `stk..sp` (`need!`/`slot!`);
        // `dst` is `sp` after `room!` or a slot just released,
        // so it holds nothing to drop.
        #[allow(unused_unsafe)]
        let r = unsafe { copy_to(dst, src) };
        r
    }};
}
macro_rules! move_value {
    ($dst:expr, $src:expr) => {{
        let (dst, src): (*mut Value, *const Value) = ($dst, $src);
        // SAFETY: as for `copy_value!`; the caller drops
        // `src` below `sp` (or overwrites it) afterwards.
        #[allow(unused_unsafe)]
        let r = unsafe { move_to(dst, src) };
        r
    }};
}
macro_rules! store_scalar_value {
    ($dst:expr, $src:expr) => {{
        let (dst, src): (*mut Value, *const Value) = ($dst, $src);
        // SAFETY: both lie in `stk..sp` and the caller
        // matched both as scalars (`is_heap` false).
        #[allow(unused_unsafe)]
        let r = unsafe { store_scalar(dst, src) };
        r
    }};
}
macro_rules! release_value {
    ($p:expr) => {{
        let p: *mut Value = $p;
        // SAFETY: `p` lies in `stk..sp` and the caller does
        // not read it again before writing it or dropping it
        // below `sp`; releasing runs no Limit code (arms
        // that may release an instance run only without
        // `deinit`s, `may_deinit`).
        #[allow(unused_unsafe)]
        let r = unsafe { release(p) };
        r
    }};
}
// A fast path reading a container, an instance's fields or
// the segment through a helper of fast_collections.rs,
// fast_objects.rs, fast_numbers.rs or slots.rs.
macro_rules! fast_helper {
    ($e:expr) => {
        // SAFETY: the helper's condition holds: its pointer
        // arguments lie in `stk..sp` (`need!`/`slot!`), and
        // a container read without counting a borrow
        // (`try_borrow_unguarded`, which still fails while
        // it is borrowed mutably) is copied out before any
        // code that could change the container runs.
        unsafe { $e }
    };
}

pub(super) use {
    copy_value, fast_helper, move_value, put, release_value, store_scalar_value, take, val, val_mut,
};

//! Instances in one allocation: a 16-byte header (class, reference count,
//! collector slot with the `finalized` bit) followed by the fields inline,
//! so an instance of a 3-field frame is one 64-byte block (issue 23: an
//! `Rc<Instance>` with a field vector was 64 + 48 bytes in two blocks).
//!
//! * **Counting.** [`InstanceRef`] counts references as `Rc` does, in a
//!   `u32`, and aborts the process on overflow as `Rc` does (4 billion
//!   references to one instance are 64 GB of values).
//! * **Fields.** The fields are `Cell<Value>`s: there is no borrow flag.
//!   A read clones the value out (a clone only bumps counts: it runs no
//!   code that could touch the field); a write replaces the value and
//!   releases the old one after the field already holds the new one.
//! * **The last reference.** An instance whose frame has a `deinit` that
//!   has not run is revived in place (count 1, `finalized` set) and queued
//!   for it; otherwise its fields are released (through the work list,
//!   without recursion), then its class, then the block.
//! * **The collector's claim.** A registered instance is pointed at by
//!   exactly one registry slot (gc.rs), an [`InstanceClaim`], in place of
//!   the `Weak` handle the other containers use. When the instance dies it
//!   clears that slot itself; if the registry holding the claim is not the
//!   one installed on the thread (an engine's, swapped out, `isolate.rs`),
//!   the block stays allocated as a *zombie* (count 0, fields and class
//!   gone, its field count in place of the class) until the registry
//!   drops the claim and frees it. A claim dropped while its instance
//!   lives clears the instance's slot instead, so the instance frees its
//!   block itself. Either way, a block is freed exactly once, by the last
//!   of the two owners.
//!
//! Every `unsafe` block of the instance representation is in this file.

use std::alloc::{self, Layout};
use std::cell::Cell;
use std::marker::PhantomData;
use std::mem::{align_of, size_of};
use std::ptr::NonNull;
use std::rc::Rc;

use super::{may_cascade, release_items, Class, Value};
use crate::{gc, limits};

/// The header every instance block starts with; the fields follow it
/// (`FIELDS_OFFSET`). `repr(C)` fixes the offsets compiled code reads
/// (jit/layout.rs): the class's `Rc` pointer at 0, the fields at 16.
#[repr(C)]
pub struct Instance {
    /// Its class.
    pub class: Rc<Class>,
    /// References: 1.. while alive, `DYING` while the last one is being
    /// released, 0 for a zombie (freed but for its block).
    strong: Cell<u32>,
    /// The collector slot (low 31 bits, `SLOT_MASK` for none) and the
    /// `finalized` bit.
    state: Cell<u32>,
}

/// Set once `deinit` has been scheduled, so that it runs only once.
const FINALIZED: u32 = 1 << 31;
/// The slot bits of `state`; all set means "not registered".
const SLOT_MASK: u32 = FINALIZED - 1;
/// `strong` while the block's contents are being released.
const DYING: u32 = u32::MAX;
/// Most references one instance can have (more aborts, as `Rc` does).
pub(crate) const MAX_STRONG: u32 = DYING - 1;
/// Bytes from the start of the block to the reference count (a `u32`),
/// which compiled code counts in place (jit/heap.rs).
pub(crate) const STRONG_OFFSET: usize = std::mem::offset_of!(Instance, strong);

/// Bytes from the start of the block to field 0.
pub(crate) const FIELDS_OFFSET: usize = size_of::<Instance>();

const _: () = assert!(
    size_of::<Instance>() == 16
        && align_of::<Instance>() == 8
        && size_of::<Value>() == 16
        && align_of::<Value>() <= 8
        && size_of::<Cell<Value>>() == 16
);

/// The block of an instance with `n` fields.
fn block_layout(n: usize) -> Layout {
    match Layout::from_size_align(
        FIELDS_OFFSET + n * size_of::<Value>(),
        align_of::<Instance>(),
    ) {
        Ok(layout) => layout,
        // A class has at most 65 535 fields (u16 slots): never reached.
        Err(_) => std::process::abort(),
    }
}

/// Bytes the heap meter counts for an instance with `n` fields.
fn heap_bytes(n: usize) -> usize {
    limits::OBJECT_HEADER + n * limits::SLOT_BYTES
}

impl Instance {
    /// Whether its `deinit` has been scheduled (or given up: parking.rs).
    pub fn finalized(&self) -> bool {
        self.state.get() & FINALIZED != 0
    }

    /// Mark its `deinit` as scheduled: it will not be queued again.
    pub fn set_finalized(&self) {
        self.state.set(self.state.get() | FINALIZED);
    }

    /// Its slot in the cycle collector's registry (`gc::NO_SLOT` if none).
    pub fn gc_slot(&self) -> u32 {
        match self.state.get() & SLOT_MASK {
            SLOT_MASK => gc::NO_SLOT,
            slot => slot,
        }
    }

    fn set_gc_slot(&self, slot: u32) {
        let bits = if slot >= SLOT_MASK { SLOT_MASK } else { slot };
        self.state.set((self.state.get() & FINALIZED) | bits);
    }

    /// Number of fields (the class's).
    pub fn field_count(&self) -> usize {
        self.class.field_names.len()
    }
}

/// A counted reference to an instance (what `Value::Instance` holds).
pub struct InstanceRef {
    ptr: NonNull<Instance>,
    _owns: PhantomData<Instance>,
}

/// Read a field by cloning its value out.
#[inline(always)]
fn read(field: &Cell<Value>) -> Value {
    // SAFETY: no `&mut` to the value exists (fields are only written
    // through `Cell::replace`), and `Value::clone` only bumps reference
    // counts: nothing can write the field while the shared reference
    // made here lives.
    unsafe { (*field.as_ptr()).fast_clone() }
}

impl InstanceRef {
    /// A new instance of `class`, its fields taken from `fields` in order
    /// (nil for any missing; extra ones are dropped). Counted by the heap
    /// meter; not registered with the collector (`Value::instance` does).
    pub fn new(class: Rc<Class>, fields: impl IntoIterator<Item = Value>) -> InstanceRef {
        let n = class.field_names.len();
        limits::charge(heap_bytes(n));
        let layout = block_layout(n);
        // SAFETY: the layout is never zero-sized (the header is 16 bytes).
        let block = unsafe { alloc::alloc(layout) } as *mut Instance;
        let Some(ptr) = NonNull::new(block) else {
            alloc::handle_alloc_error(layout)
        };
        let header = Instance {
            class,
            strong: Cell::new(1),
            state: Cell::new(SLOT_MASK),
        };
        let mut fields = fields.into_iter();
        // SAFETY: `block` is a fresh allocation of `block_layout(n)`: the
        // header and `n` values fit, aligned (checked sizes above). Every
        // field is written before the block is handed out.
        unsafe {
            block.write(header);
            let first = Self::first_field(ptr);
            for i in 0..n {
                first
                    .add(i)
                    .write(Cell::new(fields.next().unwrap_or_default()));
            }
        }
        InstanceRef {
            ptr,
            _owns: PhantomData,
        }
    }

    /// Field 0 of the block at `ptr`.
    #[inline(always)]
    fn first_field(ptr: NonNull<Instance>) -> *mut Cell<Value> {
        // Computed from the block's own pointer (not from a reference to
        // the header) so that it may address the whole block.
        ptr.as_ptr().cast::<u8>().wrapping_add(FIELDS_OFFSET).cast()
    }

    /// The fields, by slot.
    #[inline(always)]
    pub fn fields(&self) -> &[Cell<Value>] {
        // SAFETY: while a reference exists the block is alive and holds
        // `field_count()` initialised fields after its header.
        unsafe { std::slice::from_raw_parts(Self::first_field(self.ptr), self.field_count()) }
    }

    /// Field `slot`'s value, if it has one.
    #[inline(always)]
    pub fn get(&self, slot: usize) -> Option<Value> {
        self.fields().get(slot).map(read)
    }

    /// Field `slot` borrowed, for a caller that copies it out at once.
    ///
    /// # Safety
    /// No field of this instance may be written while the reference lives.
    #[inline(always)]
    pub(crate) unsafe fn field_unguarded(&self, slot: usize) -> Option<&Value> {
        let field = self.fields().get(slot)?;
        // SAFETY: the caller's promise; the cell's value is initialised.
        Some(unsafe { &*field.as_ptr() })
    }

    /// Set field `slot` to `v`, releasing the old value after the field
    /// holds the new one. False (and `v` dropped) when there is no such
    /// field.
    #[inline(always)]
    pub fn set(&self, slot: usize, v: Value) -> bool {
        match self.fields().get(slot) {
            Some(field) => {
                field.replace(v).discard();
                true
            }
            None => false,
        }
    }

    /// A copy of every field's value.
    pub fn values(&self) -> Vec<Value> {
        self.fields().iter().map(read).collect()
    }

    /// Move every field's value out, leaving nils (breaking cycles).
    pub fn take_values(&self) -> Vec<Value> {
        self.fields().iter().map(Cell::take).collect()
    }

    /// Call `each` with every field's value, without counting references
    /// (the collector's trial deletion). Each value is moved out of its
    /// field for the call and back after it.
    pub(crate) fn visit_fields(&self, mut each: impl FnMut(&Value)) {
        for field in self.fields() {
            let v = field.take();
            each(&v);
            field.replace(v).discard();
        }
    }

    /// References to the instance.
    pub fn strong_count(&self) -> usize {
        self.header().strong.get() as usize
    }

    /// Whether `a` and `b` are the same instance.
    pub fn ptr_eq(a: &InstanceRef, b: &InstanceRef) -> bool {
        a.ptr == b.ptr
    }

    /// The address of the instance (its identity).
    pub fn as_ptr(&self) -> *const Instance {
        self.ptr.as_ptr()
    }

    /// Register with this thread's collector (`Value::instance`).
    pub(crate) fn track(&self) {
        let slot = gc::track_instance(InstanceClaim { ptr: self.ptr });
        self.set_gc_slot(slot);
    }

    #[inline(always)]
    fn header(&self) -> &Instance {
        // SAFETY: the block lives while a reference exists.
        unsafe { self.ptr.as_ref() }
    }

    /// The last reference went away: revive for `deinit`, or release the
    /// fields and the class and free the block (or leave it to the
    /// registry holding its claim).
    #[cold]
    #[inline(never)]
    fn last_reference_gone(&mut self) {
        let ptr = self.ptr;
        let header = self.header();
        if header.class.deinit.is_some() && !header.finalized() {
            header.strong.set(1);
            header.set_finalized();
            super::queue_revived(Value::Instance(InstanceRef {
                ptr,
                _owns: PhantomData,
            }));
            return;
        }
        header.strong.set(DYING);
        let n = header.field_count();
        limits::release(heap_bytes(n));
        let first = Self::first_field(ptr);
        // SAFETY: the block holds `n` initialised fields and no other
        // reference exists (the count reached 0; a claim never reads the
        // fields): each is moved out or dropped once and not used again.
        unsafe {
            let fields = std::slice::from_raw_parts(first, n);
            if fields.iter().any(|f| may_cascade(&*f.as_ptr())) {
                // Released in declaration order: the work list pops its
                // last item first.
                let values: Vec<Value> = (0..n)
                    .rev()
                    .map(|i| first.add(i).read().into_inner())
                    .collect();
                release_items(values);
            } else {
                for i in 0..n {
                    std::ptr::drop_in_place(first.add(i));
                }
            }
        }
        let header = self.header();
        let slot = header.gc_slot();
        let freed_here = slot == gc::NO_SLOT || gc::untrack_instance(slot, ptr.as_ptr() as usize);
        // SAFETY: the class is dropped once, here, and not read again: a
        // zombie's header holds its field count in its place, which only
        // `InstanceClaim::drop` reads. The block was allocated with
        // `block_layout(n)`; a block the registry still claims is freed
        // by that claim instead (it reads `n` back).
        unsafe {
            std::ptr::drop_in_place(&mut (*ptr.as_ptr()).class);
            if freed_here {
                alloc::dealloc(ptr.as_ptr().cast(), block_layout(n));
            } else {
                ptr.as_ptr().cast::<usize>().write(n);
                (*ptr.as_ptr()).strong.set(0);
            }
        }
    }
}

impl std::ops::Deref for InstanceRef {
    type Target = Instance;
    #[inline(always)]
    fn deref(&self) -> &Instance {
        self.header()
    }
}

impl Clone for InstanceRef {
    #[inline(always)]
    fn clone(&self) -> InstanceRef {
        let strong = &self.header().strong;
        let n = strong.get();
        if n >= MAX_STRONG {
            std::process::abort();
        }
        strong.set(n + 1);
        InstanceRef {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl Drop for InstanceRef {
    #[inline(always)]
    fn drop(&mut self) {
        let strong = &self.header().strong;
        let n = strong.get() - 1;
        if n == 0 {
            self.last_reference_gone();
        } else {
            strong.set(n);
        }
    }
}

/// The collector registry's handle to an instance (gc.rs): keeps the
/// block allocated, not the instance alive. Held by exactly one registry
/// slot, the one the instance's `gc_slot` names.
pub(crate) struct InstanceClaim {
    ptr: NonNull<Instance>,
}

impl InstanceClaim {
    fn strong(&self) -> u32 {
        // SAFETY: a claim keeps the block allocated (module docs), and
        // `strong` stays initialised in a zombie too.
        unsafe { (*self.ptr.as_ptr()).strong.get() }
    }

    /// The instance's address.
    pub(crate) fn address(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// Whether the instance has not been freed (a zombie has).
    pub(crate) fn alive(&self) -> bool {
        self.strong() != 0
    }

    /// A reference to the instance, if it lives (and is not being
    /// released).
    pub(crate) fn upgrade(&self) -> Option<InstanceRef> {
        match self.strong() {
            0 | DYING => None,
            n if n >= MAX_STRONG => std::process::abort(),
            n => {
                // SAFETY: the instance is alive (count 1..), so its
                // header is initialised.
                unsafe { (*self.ptr.as_ptr()).strong.set(n + 1) };
                Some(InstanceRef {
                    ptr: self.ptr,
                    _owns: PhantomData,
                })
            }
        }
    }

    /// Give up the claim without touching the block: the instance, now
    /// being released, frees the block itself.
    pub(crate) fn disown(self) {
        std::mem::forget(self);
    }
}

impl Drop for InstanceClaim {
    fn drop(&mut self) {
        if self.alive() {
            // SAFETY: alive (or being released): the header is
            // initialised. Without a slot, the instance frees its block.
            unsafe { (*self.ptr.as_ptr()).set_gc_slot(gc::NO_SLOT) };
            return;
        }
        // SAFETY: a zombie: its fields and class are released, its first
        // word holds its field count, and this claim is the block's last
        // owner (`last_reference_gone`).
        unsafe {
            let n = self.ptr.as_ptr().cast::<usize>().read();
            alloc::dealloc(self.ptr.as_ptr().cast(), block_layout(n));
        }
    }
}

#[cfg(test)]
#[path = "instance_ref_tests.rs"]
pub(crate) mod tests;

//! The process's allocator: small blocks from mimalloc, large ones
//! straight from the kernel.
//!
//! * **Small blocks.** The interpreter makes and frees many small objects
//!   (closures, cells, lists, strings); mimalloc is markedly faster than the
//!   system allocator for them. Its plain entry points are used whenever the
//!   alignment asked for is one every block has anyway: the aligned ones
//!   (which the `mimalloc` crate always calls) take a slow path whenever a
//!   page's free list is empty, which a loop that frees each object before
//!   making the next hits on every allocation (155 instead of about 40
//!   instructions per closure).
//! * **Large blocks.** A list that grows by appending doubles its buffer
//!   again and again; mimalloc grows a buffer by allocating the larger one
//!   and copying, so for a moment both live: appending 5 million items
//!   peaked at 210 MB where the items need 80 MB. Every block of at least
//!   [`LARGE_BLOCK`] bytes gets pages of its own from the kernel instead;
//!   growing it moves the page mappings (`mremap`) rather than copying
//!   bytes, only the pages actually written count towards the process's
//!   memory, and freeing it gives its pages back at once. Mappings of at
//!   least 2 MiB ask for transparent huge pages (`MADV_HUGEPAGE`): a loop
//!   striding through a big list then misses the TLB far less often
//!   (the sieve benchmark's 80 MB list: 0.19 s -> 0.16 s). (Linux only;
//!   elsewhere mimalloc serves every block.)
//!
//! Under Miri, which cannot run mimalloc's C code, the small blocks come
//! from the C library's `malloc` family instead (Miri implements it, with
//! the same alignment promise as mimalloc's plain entry points); everything
//! else — which allocator serves a block, moving a block across the
//! threshold, and the `mmap`/`mremap`/`munmap` calls, which Miri emulates on
//! Linux — is the code that runs in the binary.

use std::alloc::{GlobalAlloc, Layout};

use small_blocks as small;

/// Blocks of at least this many bytes are mapped from the kernel directly.
pub const LARGE_BLOCK: usize = 256 * 1024;

/// Every mimalloc block of at least this size is aligned to it.
#[cfg(target_pointer_width = "64")]
const MI_ALIGNED: usize = 16;
#[cfg(not(target_pointer_width = "64"))]
const MI_ALIGNED: usize = 8;

/// The global allocator of the `limit` binary:
///
/// ```ignore
/// #[global_allocator]
/// static GLOBAL: limit_vm::allocator::Allocator = limit_vm::allocator::Allocator;
/// ```
pub struct Allocator;

/// Whether a block of `size` bytes from mimalloc's plain entry points is
/// aligned enough.
fn plain(size: usize, align: usize) -> bool {
    align <= MI_ALIGNED && align <= size
}

#[cfg(target_os = "linux")]
const PAGE: usize = 4096;

#[cfg(target_os = "linux")]
fn is_large(size: usize, align: usize) -> bool {
    size >= LARGE_BLOCK && align <= PAGE
}

#[cfg(not(target_os = "linux"))]
fn is_large(_size: usize, _align: usize) -> bool {
    false
}

/// `size` rounded up to whole pages (sizes are at most `isize::MAX`, so
/// this cannot overflow).
#[cfg(target_os = "linux")]
fn mapped_len(size: usize) -> usize {
    (size + PAGE - 1) & !(PAGE - 1)
}

// SAFETY: every method upholds the `GlobalAlloc` contract: a block is
// always returned to the allocator that produced it, because which one
// that is depends only on the block's size and alignment (`is_large`), and
// the caller passes the same layout back on `dealloc` and `realloc`;
// mimalloc's plain entry points are used only where their alignment
// suffices (`plain`).
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        if is_large(size, align) {
            map_pages(size)
        } else if plain(size, align) {
            small::malloc(size)
        } else {
            // SAFETY: `align` is a power of two, a `Layout` invariant
            // established by the caller's `Layout`.
            unsafe { small::malloc_aligned(size, align) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        if is_large(size, align) {
            // Fresh anonymous pages are zero already.
            map_pages(size)
        } else if plain(size, align) {
            small::zalloc(size)
        } else {
            // SAFETY: as in `alloc`: the caller's `Layout` makes `align` a
            // power of two.
            unsafe { small::zalloc_aligned(size, align) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_large(layout.size(), layout.align()) {
            // SAFETY: `GlobalAlloc::dealloc`'s contract makes `ptr` a block
            // this allocator made with `layout`; `is_large` of that layout
            // sent it to `map_pages` with this size.
            unsafe { unmap_pages(ptr, layout.size()) }
        } else {
            // SAFETY: as above, but `is_large` sent the block to the small
            // allocator (either entry point).
            unsafe { small::free(ptr) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let was_large = is_large(layout.size(), layout.align());
        let now_large = is_large(new_size, layout.align());
        if was_large && now_large {
            // SAFETY: `GlobalAlloc::realloc`'s contract makes `ptr` a live
            // block of `layout`, which `is_large` sent to `map_pages` with
            // the old size.
            return unsafe { remap_pages(ptr, layout.size(), new_size) };
        }
        if !was_large && !now_large {
            // SAFETY: by the same contract `ptr` is a live small block of
            // `layout.size()` bytes (`is_large` was false for it); the
            // result is aligned as `layout` requires (`plain`, or the
            // aligned entry point given `layout.align()`, a power of two).
            return unsafe {
                if plain(new_size, layout.align()) {
                    small::realloc(ptr, layout.size(), new_size)
                } else {
                    small::realloc_aligned(ptr, layout.size(), new_size, layout.align())
                }
            };
        }
        // The block crosses the threshold: move it to the other allocator.
        // SAFETY: `GlobalAlloc::realloc`'s contract: `new_size`, rounded up
        // to the alignment, does not overflow `isize`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: `new_layout` has a non-zero size (the same contract).
        let new_ptr = unsafe { self.alloc(new_layout) };
        if !new_ptr.is_null() {
            // SAFETY: `ptr` is live with `layout.size()` bytes (the
            // contract), `new_ptr` was just made with `new_size` bytes, so
            // both are at least this long and distinct; `ptr` goes back
            // with the layout it was made with.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new_ptr
    }
}

/// The small blocks' allocator: mimalloc. `realloc`'s old size is what
/// the C library needs under Miri; mimalloc knows it already.
#[cfg(not(miri))]
mod small_blocks {
    use libmimalloc_sys as mi;
    use std::ffi::c_void;

    /// A block of `size` bytes aligned to `size`'s largest power-of-two
    /// divisor, capped at 16 (`MI_ALIGNED`), or null.
    pub fn malloc(size: usize) -> *mut u8 {
        // SAFETY: mimalloc accepts any size; it has no other precondition.
        unsafe { mi::mi_malloc(size).cast() }
    }

    /// As [`malloc`], zero-filled.
    pub fn zalloc(size: usize) -> *mut u8 {
        // SAFETY: as in `malloc`.
        unsafe { mi::mi_zalloc(size).cast() }
    }

    /// # Safety
    /// `align` must be a power of two.
    pub unsafe fn malloc_aligned(size: usize, align: usize) -> *mut u8 {
        // SAFETY: mimalloc's only precondition, a power-of-two alignment,
        // is this function's.
        unsafe { mi::mi_malloc_aligned(size, align).cast() }
    }

    /// # Safety
    /// `align` must be a power of two.
    pub unsafe fn zalloc_aligned(size: usize, align: usize) -> *mut u8 {
        // SAFETY: as in `malloc_aligned`.
        unsafe { mi::mi_zalloc_aligned(size, align).cast() }
    }

    /// # Safety
    /// `ptr` must be a live block from this module of `_old_size` bytes.
    pub unsafe fn realloc(ptr: *mut u8, _old_size: usize, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` is a live mimalloc block (this function's contract).
        unsafe { mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast() }
    }

    /// # Safety
    /// `ptr` must be a live block from this module of `_old_size` bytes;
    /// `align` a power of two.
    pub unsafe fn realloc_aligned(
        ptr: *mut u8,
        _old_size: usize,
        new_size: usize,
        align: usize,
    ) -> *mut u8 {
        // SAFETY: `ptr` is a live mimalloc block and `align` a power of two
        // (this function's contract).
        unsafe { mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, align).cast() }
    }

    /// # Safety
    /// `ptr` must be a live block from this module.
    pub unsafe fn free(ptr: *mut u8) {
        // SAFETY: `ptr` is a live mimalloc block (this function's contract).
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }
}

/// The small blocks' allocator under Miri, which cannot run mimalloc's C
/// code: the C library's, which Miri implements and checks. Its `malloc`
/// makes the alignment promise mimalloc's plain entry points make, so
/// `plain` is exercised as in the binary.
#[cfg(miri)]
mod small_blocks {
    /// A block of `size` bytes aligned to `size`'s largest power-of-two
    /// divisor, capped at 16, or null.
    pub fn malloc(size: usize) -> *mut u8 {
        // SAFETY: `malloc` accepts any size.
        unsafe { libc::malloc(size).cast() }
    }

    /// As [`malloc`], zero-filled.
    pub fn zalloc(size: usize) -> *mut u8 {
        // SAFETY: `calloc` accepts any count and size.
        unsafe { libc::calloc(1, size).cast() }
    }

    /// # Safety
    /// `align` must be a power of two.
    pub unsafe fn malloc_aligned(size: usize, align: usize) -> *mut u8 {
        let mut block = std::ptr::null_mut();
        // `posix_memalign` wants a multiple of the pointer size.
        let align = align.max(std::mem::size_of::<usize>());
        // SAFETY: `block` is a live local for the result; `align` is a
        // power of two (this function's contract) and a multiple of the
        // pointer size (just made so).
        let failed = unsafe { libc::posix_memalign(&mut block, align, size) };
        if failed != 0 {
            return std::ptr::null_mut();
        }
        block.cast()
    }

    /// # Safety
    /// `align` must be a power of two.
    pub unsafe fn zalloc_aligned(size: usize, align: usize) -> *mut u8 {
        // SAFETY: this function's contract is `malloc_aligned`'s.
        let block = unsafe { malloc_aligned(size, align) };
        if !block.is_null() {
            // SAFETY: `block` was just made with `size` writable bytes.
            unsafe { block.write_bytes(0, size) };
        }
        block
    }

    /// # Safety
    /// `ptr` must be a live block from this module of `_old_size` bytes.
    pub unsafe fn realloc(ptr: *mut u8, _old_size: usize, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` is a live C-library block (this function's
        // contract).
        unsafe { libc::realloc(ptr.cast(), new_size).cast() }
    }

    /// The C library has no aligned `realloc`: a new block, the contents
    /// copied, the old one freed (what mimalloc does when it must move).
    ///
    /// # Safety
    /// `ptr` must be a live block from this module of `old_size` bytes;
    /// `align` a power of two.
    pub unsafe fn realloc_aligned(
        ptr: *mut u8,
        old_size: usize,
        new_size: usize,
        align: usize,
    ) -> *mut u8 {
        // SAFETY: `align` is a power of two (this function's contract).
        let block = unsafe { malloc_aligned(new_size, align) };
        if !block.is_null() {
            // SAFETY: `ptr` is live with `old_size` bytes (the contract),
            // `block` new with `new_size`: both hold the bytes copied, and
            // they are distinct blocks; `ptr` is freed once, here.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, block, old_size.min(new_size));
                free(ptr);
            }
        }
        block
    }

    /// # Safety
    /// `ptr` must be a live block from this module.
    pub unsafe fn free(ptr: *mut u8) {
        // SAFETY: `ptr` is a live C-library block (this function's
        // contract).
        unsafe { libc::free(ptr.cast()) }
    }
}

#[cfg(target_os = "linux")]
fn map_pages(size: usize) -> *mut u8 {
    // SAFETY: no precondition: an anonymous private mapping at an address
    // of the kernel's choosing touches no existing memory.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            mapped_len(size),
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        ask_for_huge_pages(ptr.cast(), mapped_len(size));
        ptr.cast()
    }
}

/// Ask the kernel to back a mapping with huge pages where it can. (Miri
/// does not emulate `madvise`; the advice changes no contents.)
#[cfg(target_os = "linux")]
fn ask_for_huge_pages(ptr: *mut u8, len: usize) {
    if len >= HUGE_PAGE && !cfg!(miri) {
        // SAFETY: advice on our own mapping, which changes no contents.
        unsafe { libc::madvise(ptr.cast(), len, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 * 1024 * 1024;

/// # Safety
/// `ptr` must come from [`map_pages`] (or [`remap_pages`]) with `size`.
#[cfg(target_os = "linux")]
unsafe fn unmap_pages(ptr: *mut u8, size: usize) {
    // SAFETY: this function's contract, which `dealloc` and `realloc`
    // establish through `is_large`: the mapping is ours and
    // `mapped_len(size)` long. A failure would mean a bad address, which
    // that excludes, so there is nothing to report.
    unsafe { libc::munmap(ptr.cast(), mapped_len(size)) };
}

/// # Safety
/// `ptr` must come from [`map_pages`] (or [`remap_pages`]) with `old_size`.
#[cfg(target_os = "linux")]
unsafe fn remap_pages(ptr: *mut u8, old_size: usize, new_size: usize) -> *mut u8 {
    let (old_len, new_len) = (mapped_len(old_size), mapped_len(new_size));
    if old_len == new_len {
        return ptr;
    }
    // SAFETY: this function's contract, which `realloc` establishes
    // through `is_large`: the mapping is ours and `old_len` long.
    // MREMAP_MAYMOVE lets the kernel move it, carrying its contents along.
    let moved = unsafe { libc::mremap(ptr.cast(), old_len, new_len, libc::MREMAP_MAYMOVE) };
    if moved == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        ask_for_huge_pages(moved.cast(), new_len);
        moved.cast()
    }
}

#[cfg(not(target_os = "linux"))]
fn map_pages(_size: usize) -> *mut u8 {
    unreachable!("large blocks are only mapped on Linux")
}

#[cfg(not(target_os = "linux"))]
unsafe fn unmap_pages(_ptr: *mut u8, _size: usize) {
    unreachable!("large blocks are only mapped on Linux")
}

#[cfg(not(target_os = "linux"))]
unsafe fn remap_pages(_ptr: *mut u8, _old_size: usize, _new_size: usize) -> *mut u8 {
    unreachable!("large blocks are only mapped on Linux")
}

#[cfg(test)]
mod tests {
    use super::*;

    static ALLOCATOR: Allocator = Allocator;

    /// `len` bytes of a pattern derived from `seed` that repeats every
    /// 251 bytes (a prime, so no two pages hold the same bytes).
    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        let cycle: Vec<u8> = (0..251u8).map(|i| seed.wrapping_add(i)).collect();
        let mut bytes = cycle.repeat(len / cycle.len() + 1);
        bytes.truncate(len);
        bytes
    }

    /// Fills `len` bytes at `ptr` with `pattern(len, seed)`. (Whole-block
    /// copies and comparisons keep the multi-megabyte blocks quick under
    /// Miri, which runs a byte-at-a-time loop a million times slower.)
    unsafe fn fill(ptr: *mut u8, len: usize, seed: u8) {
        // SAFETY: the caller passes a live block of `len` bytes, distinct
        // from the fresh pattern.
        unsafe { std::ptr::copy_nonoverlapping(pattern(len, seed).as_ptr(), ptr, len) };
    }

    unsafe fn holds(ptr: *const u8, len: usize, seed: u8) -> bool {
        // SAFETY: the caller passes a live, initialised block of `len`
        // bytes.
        unsafe { std::slice::from_raw_parts(ptr, len) == pattern(len, seed).as_slice() }
    }

    #[test]
    fn the_plain_entry_points_serve_blocks_their_size_aligns_enough() {
        assert!(plain(16, 16) && plain(8, 8) && plain(1, 1) && plain(100, 16));
        assert!(!plain(8, 16), "an 8-byte block is only 8-aligned");
        assert!(!plain(64, 32), "beyond MI_ALIGNED");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn large_blocks_are_page_aligned_at_most_and_mapped_in_whole_pages() {
        assert!(is_large(LARGE_BLOCK, 8) && is_large(LARGE_BLOCK, PAGE));
        assert!(!is_large(LARGE_BLOCK - 1, 8));
        assert!(!is_large(LARGE_BLOCK * 4, PAGE * 2));
        assert_eq!(mapped_len(LARGE_BLOCK), LARGE_BLOCK);
        assert_eq!(mapped_len(LARGE_BLOCK + 1), LARGE_BLOCK + PAGE);
        assert_eq!(mapped_len(3 * LARGE_BLOCK + 17), 3 * LARGE_BLOCK + PAGE);
        assert_eq!(mapped_len(PAGE - 1), PAGE);
    }

    #[test]
    fn growing_across_the_threshold_and_within_mapped_blocks_keeps_contents() {
        let sizes = [
            1000,
            LARGE_BLOCK - 8,
            LARGE_BLOCK,
            3 * LARGE_BLOCK + 17,
            40 * LARGE_BLOCK,
        ];
        let layout = Layout::from_size_align(sizes[0], 8).unwrap();
        // SAFETY: each step passes the block and layout the previous step made.
        unsafe {
            let mut ptr = ALLOCATOR.alloc(layout);
            assert!(!ptr.is_null());
            fill(ptr, sizes[0], 7);
            let mut old = layout;
            for &size in &sizes[1..] {
                ptr = ALLOCATOR.realloc(ptr, old, size);
                assert!(!ptr.is_null());
                assert!(holds(ptr, old.size(), 7), "lost contents growing to {size}");
                fill(ptr, size, 7);
                old = Layout::from_size_align(size, 8).unwrap();
            }
            ALLOCATOR.dealloc(ptr, old);
        }
    }

    #[test]
    fn shrinking_below_the_threshold_keeps_the_prefix() {
        let big = Layout::from_size_align(2 * LARGE_BLOCK, 16).unwrap();
        // SAFETY: each step passes the block and layout the previous step made.
        unsafe {
            let ptr = ALLOCATOR.alloc(big);
            fill(ptr, big.size(), 3);
            let ptr = ALLOCATOR.realloc(ptr, big, LARGE_BLOCK + 5);
            assert!(holds(ptr, LARGE_BLOCK + 5, 3));
            let mid = Layout::from_size_align(LARGE_BLOCK + 5, 16).unwrap();
            let ptr = ALLOCATOR.realloc(ptr, mid, 100);
            assert!(holds(ptr, 100, 3));
            ALLOCATOR.dealloc(ptr, Layout::from_size_align(100, 16).unwrap());
        }
    }

    #[test]
    fn zeroed_large_blocks_are_zero() {
        let layout = Layout::from_size_align(LARGE_BLOCK * 2, 64).unwrap();
        // SAFETY: the block is freed with the layout it was made with.
        unsafe {
            let ptr = ALLOCATOR.alloc_zeroed(layout);
            assert!(!ptr.is_null());
            assert_eq!(ptr as usize % 64, 0);
            let bytes = std::slice::from_raw_parts(ptr, layout.size());
            assert!(bytes == vec![0u8; layout.size()].as_slice());
            ALLOCATOR.dealloc(ptr, layout);
        }
    }

    #[test]
    fn over_aligned_blocks_are_aligned() {
        assert!(!is_large(LARGE_BLOCK * 4, 1 << 16));
        assert!(!is_large(LARGE_BLOCK - 1, 8));
        for (size, align) in [(8, 16), (24, 64), (100, 4096), (LARGE_BLOCK, 1 << 16)] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: the block is freed with the layout it was made with.
            unsafe {
                let ptr = ALLOCATOR.alloc(layout);
                assert!(!ptr.is_null());
                assert_eq!(ptr as usize % align, 0, "{size} bytes aligned to {align}");
                let ptr = ALLOCATOR.realloc(ptr, layout, size * 3);
                assert_eq!(
                    ptr as usize % align,
                    0,
                    "{size} bytes grown, aligned to {align}"
                );
                ALLOCATOR.dealloc(ptr, Layout::from_size_align(size * 3, align).unwrap());
            }
        }
    }
}

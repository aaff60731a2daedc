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
//!   memory, and freeing it gives its pages back at once. (Linux only;
//!   elsewhere mimalloc serves every block.)

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

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
// that is depends only on the block's size and alignment, and the caller
// passes the same layout back on `dealloc` and `realloc`; mimalloc's
// plain entry points are used only where their alignment suffices.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        if is_large(size, align) {
            map_pages(size)
        } else if plain(size, align) {
            // SAFETY: any size is valid; the result is aligned (`plain`).
            unsafe { mi::mi_malloc(size).cast() }
        } else {
            // SAFETY: `align` is a power of two (a `Layout` invariant).
            unsafe { mi::mi_malloc_aligned(size, align).cast() }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        if is_large(size, align) {
            // Fresh anonymous pages are zero already.
            map_pages(size)
        } else if plain(size, align) {
            // SAFETY: as in `alloc`.
            unsafe { mi::mi_zalloc(size).cast() }
        } else {
            // SAFETY: as in `alloc`.
            unsafe { mi::mi_zalloc_aligned(size, align).cast() }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_large(layout.size(), layout.align()) {
            // SAFETY: `ptr` came from `map_pages` with this size.
            unsafe { unmap_pages(ptr, layout.size()) }
        } else {
            // SAFETY: `ptr` came from mimalloc (either entry point).
            unsafe { mi::mi_free(ptr.cast::<c_void>()) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let was_large = is_large(layout.size(), layout.align());
        let now_large = is_large(new_size, layout.align());
        if was_large && now_large {
            // SAFETY: `ptr` came from `map_pages` with the old size.
            return unsafe { remap_pages(ptr, layout.size(), new_size) };
        }
        if !was_large && !now_large {
            let ptr = ptr.cast::<c_void>();
            // SAFETY: `ptr` came from mimalloc; the result is aligned as
            // `layout` requires (`plain`, or the aligned entry point).
            return unsafe {
                if plain(new_size, layout.align()) {
                    mi::mi_realloc(ptr, new_size).cast()
                } else {
                    mi::mi_realloc_aligned(ptr, new_size, layout.align()).cast()
                }
            };
        }
        // The block crosses the threshold: move it to the other allocator.
        // SAFETY: the caller guarantees `new_size`, rounded up to the
        // alignment, does not overflow `isize`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: `new_layout` has a non-zero size (the caller guarantees it).
        let new_ptr = unsafe { self.alloc(new_layout) };
        if !new_ptr.is_null() {
            // SAFETY: both blocks are live, distinct and at least this long.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new_ptr
    }
}

#[cfg(target_os = "linux")]
fn map_pages(size: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing touches no existing memory.
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
        ptr.cast()
    }
}

/// # Safety
/// `ptr` must come from [`map_pages`] (or [`remap_pages`]) with `size`.
#[cfg(target_os = "linux")]
unsafe fn unmap_pages(ptr: *mut u8, size: usize) {
    // SAFETY: the caller guarantees the mapping is ours and this long. A
    // failure would mean a bad address, which that guarantee excludes, so
    // there is nothing to report.
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
    // SAFETY: the caller guarantees the mapping is ours and `old_len` long;
    // MREMAP_MAYMOVE lets the kernel move it, carrying its contents along.
    let moved = unsafe { libc::mremap(ptr.cast(), old_len, new_len, libc::MREMAP_MAYMOVE) };
    if moved == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
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

    /// Fills `len` bytes at `ptr` with a pattern derived from `seed`.
    unsafe fn fill(ptr: *mut u8, len: usize, seed: u8) {
        for i in 0..len {
            // SAFETY: the caller passes a live block of `len` bytes.
            unsafe { *ptr.add(i) = seed.wrapping_add(i as u8) };
        }
    }

    unsafe fn holds(ptr: *const u8, len: usize, seed: u8) -> bool {
        // SAFETY: the caller passes a live block of `len` bytes.
        (0..len).all(|i| unsafe { *ptr.add(i) } == seed.wrapping_add(i as u8))
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
            assert!((0..layout.size()).all(|i| *ptr.add(i) == 0));
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

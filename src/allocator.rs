//! The binary's allocator: mimalloc, called through its plain entry points and tuned on
//! Linux before the first allocation (measured in the README's Performance section).
//!
//! The `mimalloc` crate's allocator asks for every
//! block through `mi_malloc_aligned`, whose quick path is longer and which, once a size's page
//! is used up, takes a size that is not a power of two (a 24- or 48-byte `String`) through its
//! over-allocating path. A layout whose alignment `mi_malloc` already gives (up to 16 bytes, as
//! `malloc`: a block of 16 bytes or more is 16-aligned, a smaller one 8-aligned) goes to
//! `mi_malloc`; any other to the crate's aligned calls. Blocks of either are freed by `mi_free`.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

unsafe extern "C" {
    fn mi_malloc(size: usize) -> *mut c_void;
    fn mi_zalloc(size: usize) -> *mut c_void;
    fn mi_realloc(p: *mut c_void, newsize: usize) -> *mut c_void;
}

/// `MI_MAX_ALIGN_SIZE` of mimalloc's `types.h`.
const PLAIN_ALIGN: usize = 16;

/// Whether `mi_malloc(size)` is aligned to `align` (the rule `malloc` follows too).
#[inline]
fn plain(align: usize, size: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

pub struct Mimalloc;

// SAFETY: each call goes to mimalloc with a size and an alignment it honours (`plain`), or
// to the `mimalloc` crate's allocator, which honours any; mimalloc's `mi_free` frees the
// blocks of both, and `mi_realloc` keeps the block's contents as `realloc` must.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if plain(layout.align(), layout.size()) {
            unsafe { mi_malloc(layout.size()).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if plain(layout.align(), layout.size()) {
            unsafe { mi_zalloc(layout.size()).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if plain(layout.align(), new_size) {
            unsafe { mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

/// On Linux mimalloc commits its arenas ahead: a conversion whose tables grow by doubling then
/// stays resident with every old table too (the bench's 1M rows: 193 MiB for a 152 MB heap,
/// 129 MiB for 92 at 250k). Committing as touched costs no measurable time there. Freed memory
/// goes back to the system 50 ms after it is freed: mimalloc v3 waits a second (89 to 94 MiB at
/// the peak at 1M rows), giving it back at once cost a system call and page faults again and
/// again (0.3 s of system time at 1M rows, for 3 to 5 MiB less at the peak), and 10 ms still
/// faulted 58,000 times at 1M rows against 38,000 at 50 ms (79 against 80 to 82 MiB). Set before
/// the first allocation, which reserves the first arena: from the program's constructors (no
/// allocation here, not even to read the environment). A `MIMALLOC_*` variable of the same
/// name is left to decide. Windows never commits ahead; its defaults are kept.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static TUNE_ALLOCATOR: extern "C" fn() = {
    extern "C" fn tune() {
        use std::ffi::{c_int, c_long};
        unsafe extern "C" {
            fn mi_option_set(option: c_int, value: c_long);
        }
        // `mi_option_e` of mimalloc.h (the same numbers in its v2 and v3).
        const ARENA_EAGER_COMMIT: c_int = 4;
        const PURGE_DELAY: c_int = 15;
        for (option, name, value) in
            [(ARENA_EAGER_COMMIT, c"MIMALLOC_ARENA_EAGER_COMMIT", 0), (PURGE_DELAY, c"MIMALLOC_PURGE_DELAY", 50)]
        {
            // SAFETY: getenv reads the environment (no thread runs yet); mi_option_set stores
            // one of mimalloc's options, a value its documentation allows.
            unsafe {
                if libc::getenv(name.as_ptr()).is_null() {
                    mi_option_set(option, value);
                }
            }
        }
    }
    tune
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every block is aligned as its layout asks, whichever way it was made, and
        /// keeps its bytes when it grows or shrinks.
        #[test]
        fn blocks_are_aligned_and_keep_their_bytes(
            size in 1usize..5000,
            align_log in 0u32..13,
            new_size in 1usize..5000,
            zeroed in any::<bool>(),
        ) {
            let align = 1usize << align_log;
            let layout = Layout::from_size_align(size, align).unwrap();
            let a = Mimalloc;
            unsafe {
                let p = if zeroed { a.alloc_zeroed(layout) } else { a.alloc(layout) };
                prop_assert!(!p.is_null());
                prop_assert_eq!(p as usize % align, 0, "size {} align {}", size, align);
                if zeroed {
                    prop_assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
                }
                for i in 0..size {
                    p.add(i).write(i as u8 ^ 0x5a);
                }
                let q = a.realloc(p, layout, new_size);
                prop_assert!(!q.is_null());
                prop_assert_eq!(q as usize % align, 0, "realloc {} -> {} align {}", size, new_size, align);
                for i in 0..size.min(new_size) {
                    prop_assert_eq!(q.add(i).read(), i as u8 ^ 0x5a);
                }
                a.dealloc(q, Layout::from_size_align(new_size, align).unwrap());
            }
        }
    }
}

//! The wasm instance's memory allocator: power-of-two size classes for
//! small blocks, each with a free list, and exact sizes for large ones (the
//! tables' fixed chunks), carved from memory the instance grows. A freed
//! block is reused by the next request of its class (or of its exact size);
//! memory is never returned (wasm memory cannot shrink anyway). Chosen over
//! dlmalloc for size: the machine allocates few, repetitive blocks, which
//! this serves in about a tenth of the code.
//!
//! # Invariants
//!
//! 1. A small block of class `c` is `2^c` bytes, aligned to `min(2^c, 8)`
//!    or to the layout's larger alignment; a large block (over `LARGE`
//!    bytes) is its size rounded up to 8. All lie between the heap start and
//!    `end`.
//! 2. A free small block holds the address of the next free block of its
//!    class in its first word; a free large block holds the next free large
//!    block and its own size in its first two words.
#![allow(unsafe_code)]

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

const PAGE: usize = 65_536;
const CLASSES: usize = 32;
/// Blocks above this many bytes are large (exact size).
const LARGE: usize = 4096;

struct State {
    free: [usize; CLASSES],
    /// Free large blocks (invariant #2).
    large: usize,
    next: usize,
    end: usize,
}

pub struct Classes(UnsafeCell<State>);

// SAFETY: wasm32 without threads runs on one thread.
unsafe impl Sync for Classes {}

#[global_allocator]
static ALLOC: Classes = Classes(UnsafeCell::new(State {
    free: [0; CLASSES],
    large: 0,
    next: 0,
    end: 0,
}));

/// The bytes a large block of `layout` takes (invariant #1).
fn large_size(layout: Layout) -> Option<usize> {
    let size = layout.size().max(layout.align());
    (size > LARGE && layout.align() <= 8).then(|| (size + 7) & !7)
}

impl State {
    /// Carves `size` bytes aligned to `align` from the end of the heap.
    fn bump(&mut self, size: usize, align: usize) -> *mut u8 {
        if self.next == 0 {
            // Start after whatever memory the module's data and stack use.
            self.next = core::arch::wasm32::memory_size(0) * PAGE;
            self.end = self.next;
        }
        let start = (self.next + align - 1) & !(align - 1);
        let stop = match start.checked_add(size) {
            Some(s) => s,
            None => return core::ptr::null_mut(),
        };
        if stop > self.end {
            let pages = (stop - self.end).div_ceil(PAGE);
            if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                return core::ptr::null_mut();
            }
            self.end += pages * PAGE;
        }
        self.next = stop;
        start as *mut u8
    }
}

fn class_of(layout: Layout) -> usize {
    let size = layout.size().max(layout.align()).max(8);
    size.next_power_of_two().trailing_zeros() as usize
}

// Out of line: inlined, each allocation site (there are many, with
// constant layouts) would carry its own copy of the free-list pop.
unsafe impl GlobalAlloc for Classes {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded, and the allocator never re-enters itself.
        let st = unsafe { &mut *self.0.get() };
        if let Some(size) = large_size(layout) {
            // A free large block of exactly this size, else a new one.
            let mut link: *mut usize = &mut st.large;
            // SAFETY: the list holds free large blocks only (#2).
            unsafe {
                while *link != 0 {
                    let block = *link as *mut usize;
                    if *block.add(1) == size {
                        *link = *block;
                        return block as *mut u8;
                    }
                    link = block;
                }
            }
            return st.bump(size, 8);
        }
        let c = class_of(layout);
        if c >= CLASSES {
            return core::ptr::null_mut();
        }
        if let Some(head) = st.free.get_mut(c) {
            if *head != 0 {
                let block = *head;
                // SAFETY: a free block's first word is the next free block (#2).
                *head = unsafe { *(block as *const usize) };
                return block as *mut u8;
            }
        }
        let size = 1usize << c;
        st.bump(size, layout.align().max(8).min(size.max(8)))
    }

    #[inline(never)]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: single-threaded.
        let st = unsafe { &mut *self.0.get() };
        if let Some(size) = large_size(layout) {
            // SAFETY: the block is ours and at least two words long (#1, #2).
            unsafe {
                *(ptr as *mut usize) = st.large;
                *(ptr as *mut usize).add(1) = size;
            }
            st.large = ptr as usize;
            return;
        }
        let c = class_of(layout);
        if let Some(head) = st.free.get_mut(c) {
            // SAFETY: the block is ours and at least one word long (#1).
            unsafe { *(ptr as *mut usize) = *head };
            *head = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `layout.align()` is a valid alignment.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if large_size(new).is_none()
            && large_size(layout).is_none()
            && class_of(new) == class_of(layout)
        {
            return ptr; // the block already has room
        }
        // SAFETY: as GlobalAlloc::realloc's default.
        unsafe {
            let p = self.alloc(new);
            if !p.is_null() {
                core::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            p
        }
    }
}

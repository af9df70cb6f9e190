//! The wasm instance's memory allocator: power-of-two size classes, each
//! with a free list, carved from memory the instance grows. A freed block
//! is reused by the next request of its class; memory is never returned
//! (wasm memory cannot shrink anyway). Chosen over dlmalloc for size: the
//! machine allocates few, small, repetitive blocks (table growth, one small
//! vector per tree node), which size classes serve well in about a tenth of
//! the code.
//!
//! # Invariants
//!
//! 1. A block of class `c` is `2^c` bytes, aligned to `min(2^c, 8)` or to
//!    the layout's larger alignment, and lies between the heap start and
//!    `end`.
//! 2. A free block holds the address of the next free block of its class
//!    in its first word (every class is at least 8 bytes).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;

const PAGE: usize = 65_536;
const CLASSES: usize = 32;

struct State {
    free: [usize; CLASSES],
    next: usize,
    end: usize,
}

pub struct Classes(UnsafeCell<State>);

// SAFETY: wasm32 without threads runs on one thread.
unsafe impl Sync for Classes {}

#[global_allocator]
static ALLOC: Classes = Classes(UnsafeCell::new(State {
    free: [0; CLASSES],
    next: 0,
    end: 0,
}));

fn class_of(layout: Layout) -> usize {
    let size = layout.size().max(layout.align()).max(8);
    size.next_power_of_two().trailing_zeros() as usize
}

unsafe impl GlobalAlloc for Classes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let c = class_of(layout);
        if c >= CLASSES {
            return std::ptr::null_mut();
        }
        // SAFETY: single-threaded, and the allocator never re-enters itself.
        let st = unsafe { &mut *self.0.get() };
        if let Some(head) = st.free.get_mut(c) {
            if *head != 0 {
                let block = *head;
                // SAFETY: a free block's first word is the next free block (#2).
                *head = unsafe { *(block as *const usize) };
                return block as *mut u8;
            }
        }
        let size = 1usize << c;
        let align = layout.align().max(8).min(size.max(8));
        if st.next == 0 {
            // Start after whatever memory the module's data and stack use.
            st.next = core::arch::wasm32::memory_size(0) * PAGE;
            st.end = st.next;
        }
        let start = (st.next + align - 1) & !(align - 1);
        let stop = match start.checked_add(size) {
            Some(s) => s,
            None => return std::ptr::null_mut(),
        };
        if stop > st.end {
            let pages = (stop - st.end).div_ceil(PAGE);
            if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                return std::ptr::null_mut();
            }
            st.end += pages * PAGE;
        }
        st.next = stop;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let c = class_of(layout);
        // SAFETY: single-threaded.
        let st = unsafe { &mut *self.0.get() };
        if let Some(head) = st.free.get_mut(c) {
            // SAFETY: the block is ours and at least one word long (#1).
            unsafe { *(ptr as *mut usize) = *head };
            *head = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `layout.align()` is a valid alignment.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if class_of(new) == class_of(layout) {
            return ptr; // the block already has room
        }
        // SAFETY: as GlobalAlloc::realloc's default.
        unsafe {
            let p = self.alloc(new);
            if !p.is_null() {
                std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            p
        }
    }
}

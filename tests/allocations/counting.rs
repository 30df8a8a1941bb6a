//! A global allocator that counts, per thread, the allocations of the
//! threads that switched counting on.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

thread_local! {
    // Const-initialised and without a destructor: reading them never
    // allocates, so the allocator may use them.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn count(size: usize) {
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            let _ = BYTES.try_with(|n| n.set(n.get() + size as u64));
        }
    });
}

// SAFETY: every call is forwarded to `System` unchanged; counting only
// touches const-initialised thread-locals.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// What the calling thread allocated while counting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Allocated {
    pub(crate) allocations: u64,
    pub(crate) bytes: u64,
}

/// Runs `f` with this thread's allocations counted; returns what it allocated.
pub(crate) fn counted(f: impl FnOnce()) -> Allocated {
    let before = read();
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    let after = read();
    Allocated {
        allocations: after.allocations - before.allocations,
        bytes: after.bytes - before.bytes,
    }
}

fn read() -> Allocated {
    Allocated {
        allocations: ALLOCATIONS.with(Cell::get),
        bytes: BYTES.with(Cell::get),
    }
}

#[test]
fn counting_sees_an_allocation_on_this_thread() {
    let allocated = counted(|| drop(std::hint::black_box(vec![1u8; 100])));
    assert_eq!(allocated.allocations, 1);
    assert_eq!(allocated.bytes, 100);
}

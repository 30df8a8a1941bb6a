//! `unsafe fn` keeps its `unsafe`; the body's own `unsafe` blocks are kept.

use trace_runtime::{testing, traced};

/// # Safety
/// `ptr` must be valid for reads.
#[traced]
unsafe fn read(ptr: *const u32) -> u32 {
    // SAFETY: the caller promises `ptr` is valid.
    unsafe { *ptr }
}

struct Raw(*const u32);

impl Raw {
    /// # Safety
    /// The pointer must be valid for reads.
    #[traced]
    unsafe fn get(&self) -> Result<u32, String> {
        if self.0.is_null() {
            return Err(String::from("null"));
        }
        // SAFETY: non-null and valid by the caller's promise.
        Ok(unsafe { *self.0 })
    }
}

fn main() {
    let value = 7;
    let spans = testing::capture(|| {
        // SAFETY: `value` is alive.
        assert_eq!(unsafe { read(&raw const value) }, 7);
        // SAFETY: `value` is alive; null is checked.
        assert_eq!(unsafe { Raw(&raw const value).get() }, Ok(7));
        // SAFETY: null is checked.
        assert!(unsafe { Raw(std::ptr::null()).get() }.is_err());
    });
    assert_eq!(spans.names(), ["read", "get", "get"]);
}

//! The gate: whether anything records at all, and whether a callsite does.
//!
//! It counts the pipelines installed plus the test captures running. While
//! it is zero, every instrumented call returns after one relaxed load, so a
//! library that uses `#[traced]` costs its users nothing until they install
//! a pipeline.
//!
//! # The span filter
//!
//! The same atomic carries the installed span filter's generation (the
//! filter a pipeline was built with, `pipeline/filter.rs`), zero when no
//! filter is installed. So without a filter the entry of `#[traced]` is
//! still one load ([`read`]) and a test of what it loaded; with one, it
//! costs one load more: the callsite's cached decision, tagged with the
//! generation it was taken under (`record/callsite.rs`). A decision of an
//! older generation (another filter since) is taken again, from the rules
//! installed here, the first time the callsite is called under the new one.
//!
//! A filtered-out call is not pushed: its guard is inert, its future polls
//! its body as is. So what was current stays current, and the spans its
//! body starts have the nearest recorded ancestor as their parent: the tree
//! stays connected, one trace.
//!
//! The decision is per callsite, so it is made from what the callsite knows
//! at compile time: `function` (`module_path!()::fn_name`) and `name`. A
//! directive matches a callsite when its path is the callsite's `function`
//! or one of its prefixes ending at a `::` boundary, and its span name, if
//! it has one, is the callsite's `name`. Of the directives that match, the
//! most specific decides: the longest path, then one with a name over one
//! without, then the last given. No match: recorded.

use std::sync::Arc;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::lock;
use crate::record::Callsite;

/// Low half: the pipelines and captures counted. High half: the installed
/// filter's generation, zero for none.
static GATE: AtomicU64 = AtomicU64::new(0);

const COUNT: u64 = u32::MAX as u64;
const GENERATION_SHIFT: u32 = 32;

/// The installed filter's rules (`None`: no filter) and the last
/// generation given out.
static FILTER: RwLock<Installed> = RwLock::new(Installed {
    generation: 0,
    directives: None,
});

#[derive(Debug)]
struct Installed {
    /// The generation of `directives` when they are `Some`: the last one
    /// given out. Generations are not reused (zero means "none"), so a
    /// decision cached under an older filter cannot pass for a newer one's.
    generation: u32,
    directives: Option<Arc<[Directive]>>,
}

impl Installed {
    /// The generation in force: zero without a filter.
    fn current(&self) -> u32 {
        if self.directives.is_some() {
            self.generation
        } else {
            0
        }
    }
}

/// What [`read`] loaded: the gate, for one call's entry checks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gate(u64);

/// The gate, loaded once.
#[inline]
pub(crate) fn read() -> Gate {
    Gate(GATE.load(Ordering::Relaxed))
}

impl Gate {
    /// Whether a pipeline is installed or a capture is running.
    #[inline]
    pub(crate) fn is_open(self) -> bool {
        // `--cfg traced_off`: never, so that every part of the span API is a
        // no-op (a constant the compiler folds away), whatever is installed.
        !cfg!(traced_off) && self.0 & COUNT != 0
    }

    /// Whether spans of `callsite` are recorded: no filter is installed, or
    /// it lets them through. Only meaningful when the gate is open.
    #[inline]
    pub(crate) fn admits(self, callsite: &'static Callsite) -> bool {
        let generation = (self.0 >> GENERATION_SHIFT) as u32;
        if generation == 0 {
            return true;
        }
        match callsite.filter_decision(generation) {
            Some(recorded) => recorded,
            None => decide(callsite),
        }
    }
}

/// Whether a pipeline is installed or a capture is running.
#[inline]
pub(crate) fn is_open() -> bool {
    read().is_open()
}

/// A pipeline was installed or a capture started: spans are recorded.
pub(crate) fn open() {
    super::outcome::install_panic_hook();
    GATE.fetch_add(1, Ordering::SeqCst);
}

/// A pipeline or capture ended.
pub(crate) fn close() {
    GATE.fetch_sub(1, Ordering::SeqCst);
}

/// Installs the rules of a span filter (`None` or no rules: no filter),
/// under a new generation that every callsite decides again for.
pub(crate) fn install_filter(directives: Option<Arc<[Directive]>>) {
    let mut installed = lock::write(&FILTER);
    installed.directives = directives.filter(|directives| !directives.is_empty());
    if installed.directives.is_some() {
        // After 2^32 filters, wrapping past zero.
        installed.generation = installed.generation.checked_add(1).unwrap_or(1);
    }
    let generation = u64::from(installed.current()) << GENERATION_SHIFT;
    let _ = GATE.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |gate| {
        Some(gate & COUNT | generation)
    });
}

/// The slow path: decides for `callsite` under the installed rules and
/// caches the decision with their generation. Under the read lock, so a
/// decision is never cached for rules already replaced.
#[cold]
#[inline(never)]
fn decide(callsite: &'static Callsite) -> bool {
    let installed = lock::read(&FILTER);
    let Some(directives) = installed.directives.as_deref() else {
        return true;
    };
    let recorded = recorded(directives, callsite);
    callsite.cache_filter_decision(installed.generation, recorded);
    recorded
}

/// One directive of a span filter: `path[name]=on|off`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Directive {
    /// A module path, or a module path and function name; empty: any.
    pub(crate) path: Box<str>,
    /// The span name, if the directive names one.
    pub(crate) name: Option<Box<str>>,
    /// `on`: recorded; `off`: skipped.
    pub(crate) on: bool,
}

impl Directive {
    /// Whether it applies to `callsite`.
    fn matches(&self, callsite: &Callsite) -> bool {
        let path_matches = self.path.is_empty()
            || callsite
                .function
                .strip_prefix(&*self.path)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"));
        path_matches
            && self
                .name
                .as_deref()
                .is_none_or(|name| name == callsite.name)
    }

    /// How specific it is: the longer path first, then a name over none.
    fn specificity(&self) -> (usize, bool) {
        (self.path.len(), self.name.is_some())
    }
}

/// Whether `directives` record `callsite`: the most specific match decides
/// (the last of equals), none matching records it.
pub(crate) fn recorded(directives: &[Directive], callsite: &Callsite) -> bool {
    directives
        .iter()
        .filter(|directive| directive.matches(callsite))
        .max_by_key(|directive| directive.specificity())
        .is_none_or(|directive| directive.on)
}

//! Span names of routes, `{method} {route}`, made once per route and
//! method in a process instead of formatted for every request.
//!
//! A server span is named after its route template (`GET /users/{id}`).
//! Formatting that name per request was an allocation and most of a
//! thousand instructions, for a text that is the same on every request of
//! the route. Route templates are few by design (they are what keeps span
//! names low in cardinality), so each is interned here once: its text and
//! the names made from it are kept for the life of the process, as `&'static
//! str`s the span takes without copying.
//!
//! Each thread looks a route up in a map of its own first (no lock, no
//! shared cache line written); only a route the thread has not seen yet
//! goes to the table all threads share, under a lock. The table is bounded
//! ([`BUDGET`] bytes of text, routes up to [`MAX_ROUTE_LEN`] bytes): a
//! `with_route` extractor that returns something else than templates (raw
//! paths, say) fills it once and then its routes get a name formatted per
//! request, as if nothing were interned. Nothing is ever interned that a
//! request chose freely: the text of a route comes from the server's route
//! table (axum's `MatchedPath`) or from the configured extractor.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use fnv::FnvBuildHasher;

use crate::lock::lock;

/// The span-name spellings of methods (see `request::record_method`): the
/// methods the HTTP specifications define, and `HTTP` for any other.
const METHODS: [&str; 10] = [
    "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE", "HTTP",
];

/// The longest route template interned, in bytes.
pub(crate) const MAX_ROUTE_LEN: usize = 256;

/// The text the table may keep, in bytes: each route counts its own
/// length and that of one name per method, made or not, so what is leaked
/// stays below it.
pub(crate) const BUDGET: usize = 512 * 1024;

/// One interned route template and the span names made from it.
#[derive(Debug)]
pub(crate) struct Route {
    /// The template (`http.route`).
    pub(crate) template: &'static str,
    /// `{method} {template}`, by the method's place in [`METHODS`], made
    /// the first time a request of that method takes the route.
    names: [OnceLock<&'static str>; METHODS.len()],
}

impl Route {
    /// The span name of a request of `method` (a [`METHODS`] spelling,
    /// as `request::record_method` returns it) on this route.
    pub(crate) fn name(&self, method: &'static str) -> Cow<'static, str> {
        match METHODS.iter().position(|m| *m == method) {
            Some(index) => Cow::Borrowed(
                self.names[index].get_or_init(|| leak(format!("{method} {}", self.template))),
            ),
            None => Cow::Owned(format!("{method} {}", self.template)),
        }
    }
}

type Routes = HashMap<&'static str, &'static Route, FnvBuildHasher>;

/// The routes all threads have interned, and the text budget left.
struct Table {
    routes: Routes,
    budget: usize,
}

static TABLE: Mutex<Option<Table>> = Mutex::new(None);

thread_local! {
    /// The routes this thread has looked up: a subset of [`TABLE`]'s.
    static SEEN: RefCell<Routes> = RefCell::new(Routes::default());
}

/// The interned route `template`, or `None` when the table has no room
/// for it (the caller then formats its name itself).
pub(crate) fn intern(template: &str) -> Option<&'static Route> {
    let seen = SEEN.try_with(|seen| seen.borrow().get(template).copied());
    if let Ok(Some(route)) = seen {
        return Some(route);
    }
    let route = intern_shared(template)?;
    let _ = SEEN.try_with(|seen| seen.borrow_mut().insert(route.template, route));
    Some(route)
}

/// [`intern`] through the table all threads share.
#[cold]
fn intern_shared(template: &str) -> Option<&'static Route> {
    let mut table = lock(&TABLE);
    table
        .get_or_insert_with(|| Table::new(BUDGET))
        .intern(template)
}

impl Table {
    fn new(budget: usize) -> Table {
        Table {
            routes: Routes::default(),
            budget,
        }
    }

    /// `template`'s route, interned now if the budget allows.
    fn intern(&mut self, template: &str) -> Option<&'static Route> {
        if let Some(route) = self.routes.get(template) {
            return Some(route);
        }
        if template.len() > MAX_ROUTE_LEN {
            return None;
        }
        // The template, and the longest name of each method: `CONNECT ` is 8.
        let cost = template.len() + METHODS.len() * (template.len() + 8);
        self.budget = self.budget.checked_sub(cost)?;
        let route: &'static Route = Box::leak(Box::new(Route {
            template: leak(template.to_owned()),
            names: Default::default(),
        }));
        self.routes.insert(route.template, route);
        Some(route)
    }
}

/// `text` for the rest of the process (bounded by [`BUDGET`]).
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_is_interned_once_and_named_per_method() {
        let route = intern("/interned/{id}").expect("room in the table");
        assert!(std::ptr::eq(route, intern("/interned/{id}").unwrap()));
        assert_eq!(route.template, "/interned/{id}");
        assert_eq!(route.name("GET"), "GET /interned/{id}");
        assert_eq!(route.name("HTTP"), "HTTP /interned/{id}");
        let (Cow::Borrowed(first), Cow::Borrowed(again)) = (route.name("GET"), route.name("GET"))
        else {
            panic!("known methods get interned names");
        };
        assert!(std::ptr::eq(first, again), "made once");
    }

    #[test]
    fn another_thread_finds_the_same_route() {
        let here = intern("/shared/{id}").unwrap() as *const Route as usize;
        let there = std::thread::spawn(|| intern("/shared/{id}").unwrap() as *const Route as usize)
            .join()
            .unwrap();
        assert_eq!(here, there);
    }

    #[test]
    fn an_overlong_template_is_not_interned() {
        assert!(intern(&"/x".repeat(MAX_ROUTE_LEN)).is_none());
    }

    #[test]
    fn the_table_stops_interning_when_its_budget_is_spent() {
        // `/a` and `/b` cost 2 + 10 * 10 bytes each.
        let mut table = Table::new(250);
        assert!(table.intern("/a").is_some());
        assert!(table.intern("/b").is_some());
        assert!(table.intern("/c").is_none(), "over budget");
        assert!(table.intern("/a").is_some(), "what is interned stays");
    }
}

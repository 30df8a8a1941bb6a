//! [`QueryRedaction`]: which query values reach `url.query` and `url.full`.
//!
//! Query strings carry tokens and signatures often enough that a span
//! should not show them by default: a client's `url.full` has every value
//! redacted unless configured otherwise, and a server records `url.query`
//! only when asked to.

use std::sync::Arc;

/// What replaces a redacted query value.
pub const REDACTED: &str = "REDACTED";

/// Which values of a query string are replaced by [`REDACTED`] before
/// the query is recorded. Keys are kept; they are compared as written in
/// the query (case-sensitive, not percent-decoded).
///
/// ```
/// use trace_runtime::tower::QueryRedaction;
///
/// assert_eq!(QueryRedaction::AllValues.apply("a=1&b"), "a=REDACTED&b");
/// assert_eq!(QueryRedaction::keys(["sig"]).apply("page=2&sig=abc"), "page=2&sig=REDACTED");
/// assert_eq!(QueryRedaction::keys(Vec::<String>::new()).apply("page=2"), "page=2");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryRedaction {
    /// Every value is redacted: `a=1&b=2` becomes `a=REDACTED&b=REDACTED`.
    AllValues,
    /// The values of these keys are redacted, the others kept.
    Keys(Arc<[String]>),
}

impl QueryRedaction {
    /// Redacts the values of `keys` only.
    pub fn keys<K: Into<String>>(keys: impl IntoIterator<Item = K>) -> QueryRedaction {
        QueryRedaction::Keys(keys.into_iter().map(Into::into).collect())
    }

    /// `query` with the chosen values replaced by [`REDACTED`].
    pub fn apply(&self, query: &str) -> String {
        let mut out = String::with_capacity(query.len());
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((key, _)) if self.redacts(key) => {
                    out.push_str(key);
                    out.push('=');
                    out.push_str(REDACTED);
                }
                _ => out.push_str(pair),
            }
        }
        out
    }

    fn redacts(&self, key: &str) -> bool {
        match self {
            QueryRedaction::AllValues => true,
            QueryRedaction::Keys(keys) => keys.iter().any(|k| k == key),
        }
    }
}

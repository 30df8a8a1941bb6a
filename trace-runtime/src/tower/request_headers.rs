//! [`RequestHeaders`]: the request headers a server span reads, found in
//! one walk over the header map.
//!
//! A server span reads seven headers: the context (`traceparent`,
//! `tracestate`, `baggage`, every value) and `host`, `user-agent`,
//! `content-length` and `content-type` (the first value, as
//! `HeaderMap::get` gives it). Looking each one up hashes its name and
//! probes the map, about a hundred instructions a header, and most of them
//! are usually absent; walking the headers a request has compares each
//! name with these seven once, which costs less for the ten or twenty
//! headers requests carry and much less for fewer.

use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};
use http::{HeaderMap, HeaderValue};

use crate::propagation::ContextValues;

/// The headers a server span reads (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct RequestHeaders<'a> {
    pub(crate) context: ContextValues<'a>,
    pub(crate) host: Option<&'a HeaderValue>,
    pub(crate) user_agent: Option<&'a HeaderValue>,
    pub(crate) content_length: Option<&'a HeaderValue>,
    pub(crate) content_type: Option<&'a HeaderValue>,
}

impl<'a> RequestHeaders<'a> {
    /// Reads them from `headers`, in one walk.
    pub(crate) fn read(headers: &'a HeaderMap) -> RequestHeaders<'a> {
        let mut read = RequestHeaders::default();
        // Values of one name come one after the other, in order: the first
        // one seen is the one `HeaderMap::get` returns.
        for (name, value) in headers {
            let first = if *name == HOST {
                &mut read.host
            } else if *name == USER_AGENT {
                &mut read.user_agent
            } else if *name == CONTENT_LENGTH {
                &mut read.content_length
            } else if *name == CONTENT_TYPE {
                &mut read.content_type
            } else {
                read.context.take(name, value);
                continue;
            };
            first.get_or_insert(value);
        }
        read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_value_of_each_header_is_the_one_get_returns() {
        let mut headers = HeaderMap::new();
        headers.append(USER_AGENT, "first/1".parse().unwrap());
        headers.append("x-other", "x".parse().unwrap());
        headers.append(HOST, "example.com".parse().unwrap());
        headers.append(USER_AGENT, "second/2".parse().unwrap());
        headers.append(CONTENT_LENGTH, "12".parse().unwrap());
        let read = RequestHeaders::read(&headers);
        assert_eq!(read.user_agent, headers.get(USER_AGENT));
        assert_eq!(read.host, headers.get(HOST));
        assert_eq!(read.content_length, headers.get(CONTENT_LENGTH));
        assert_eq!(read.content_type, None);
    }
}

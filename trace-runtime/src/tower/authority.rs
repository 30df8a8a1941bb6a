//! `server.address` and `server.port` of a server span: the authority a
//! request was addressed by, read once per thread for as long as requests
//! keep naming the same one.
//!
//! The authority is the URI's (HTTP/2 `:authority`, absolute-form
//! requests) or else the `Host` header's. Turning a `Host` header into an
//! `http::uri::Authority` copies it (an allocation), and splitting an
//! authority into host and port scans it twice more: together most of a
//! thousand instructions per request, for a text that a server sees over
//! and over (its own name). Each thread therefore keeps the last authority
//! it read, as text, with the host and port it gave. A request naming the
//! same text takes them from there; the comparison is of the whole text,
//! so the cache never answers for another authority, and it holds one
//! entry, so it stays small whatever clients send.

use std::cell::RefCell;
use std::ops::Range;

use http::uri::Authority;
use http::{HeaderValue, Uri};

use super::conventions as semconv;
use crate::local::held::HeldSpan;

/// An authority's text and what it gave.
#[derive(Debug, Default)]
struct Read {
    text: String,
    /// `None`: the text is no valid authority.
    parsed: Option<Parsed>,
}

/// Where the host is in the text, without IPv6 brackets, and the port.
#[derive(Clone, Debug)]
struct Parsed {
    host: Range<usize>,
    port: Option<u16>,
}

thread_local! {
    static LAST: RefCell<Read> = RefCell::new(Read::default());
}

/// Records `server.address` and `server.port` of the authority the
/// request was addressed by, if it names a valid one.
/// `host` is the request's `Host` header.
pub(crate) fn record_requested(span: &mut HeldSpan, uri: &Uri, host: Option<&HeaderValue>) {
    let (text, authority) = match uri.authority() {
        Some(authority) => (authority.as_str(), Some(authority)),
        None => match host.and_then(|v| v.to_str().ok()) {
            Some(host) => (host, None),
            None => return,
        },
    };
    let cached = LAST.try_with(|last| {
        let mut last = last.borrow_mut();
        if last.text != text {
            last.parsed = parse(text, authority);
            last.text.clear();
            last.text.push_str(text);
        }
        last.parsed.clone()
    });
    let parsed = match cached {
        Ok(parsed) => parsed,
        // The thread is being torn down: read it without the cache.
        Err(_) => parse(text, authority),
    };
    if let Some(Parsed { host, port }) = parsed {
        span.set(&semconv::SERVER_ADDRESS, &text[host]);
        if let Some(port) = port {
            span.set(&semconv::SERVER_PORT, &port);
        }
    }
}

/// The host and port of `text`, the text of `authority` when the URI had
/// one, else of a `Host` header (`None` when it is no valid authority).
fn parse(text: &str, authority: Option<&Authority>) -> Option<Parsed> {
    let parsed;
    let authority = match authority {
        Some(authority) => authority,
        None => {
            parsed = text.parse::<Authority>().ok()?;
            &parsed
        }
    };
    let host = authority.host();
    // IPv6 literals come bracketed in an authority, the attribute has none.
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    // `host` is a part of `authority`'s text, which is `text`.
    let start = host.as_ptr() as usize - authority.as_str().as_ptr() as usize;
    Some(Parsed {
        host: start..start + host.len(),
        port: authority.port_u16(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Option<(String, Option<u16>)> {
        parse(text, None).map(|p| (text[p.host].to_owned(), p.port))
    }

    #[test]
    fn host_and_port_come_apart_and_ipv6_loses_its_brackets() {
        assert_eq!(
            read("api.example.com:8080"),
            Some(("api.example.com".into(), Some(8080)))
        );
        assert_eq!(read("example.com"), Some(("example.com".into(), None)));
        assert_eq!(read("[::1]:3000"), Some(("::1".into(), Some(3000))));
        assert_eq!(read("user@host:1"), Some(("host".into(), Some(1))));
    }

    #[test]
    fn an_invalid_authority_gives_nothing() {
        assert_eq!(read("bad host"), None);
        assert_eq!(read("[::1"), None);
    }

    #[test]
    fn a_uri_authority_is_read_where_it_is() {
        let uri: Uri = "http://[2001:db8::1]:443/x".parse().unwrap();
        let authority = uri.authority().unwrap();
        let parsed = parse(authority.as_str(), Some(authority)).unwrap();
        assert_eq!(&authority.as_str()[parsed.host], "2001:db8::1");
        assert_eq!(parsed.port, Some(443));
    }
}

//! W3C Baggage: application key-value pairs that travel with the trace.
//!
//! `baggage: key1=value1;property,key2=value2` — keys are HTTP tokens,
//! values are percent-encoded. Parsing keeps every valid list member and
//! skips malformed ones (a bad member from one vendor must not erase the
//! others'), and stops at the specification's limits: 64 members and 8192
//! bytes, both for what is read and for what is written.

use opentelemetry::baggage::{Baggage, BaggageMetadata};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// The most list members read or written.
pub(crate) const MAX_MEMBERS: usize = 64;
/// The most bytes of `baggage` header read or written.
pub(crate) const MAX_BYTES: usize = 8192;

/// Characters that must be percent-encoded in a value: everything outside
/// the spec's `baggage-octet` range, plus `%` itself.
const VALUE_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%')
    .add(b'=');

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$&'*+-.^_`|~".contains(&b))
}

/// Parses every `baggage` header value received, in order.
pub(crate) fn parse(values: &[&str]) -> Baggage {
    let mut baggage = Baggage::new();
    let mut budget = MAX_BYTES;
    for value in values {
        if value.len() > budget {
            break;
        }
        budget -= value.len();
        for member in value.split(',') {
            if baggage.len() >= MAX_MEMBERS {
                return baggage;
            }
            let (pair, properties) = member.split_once(';').unwrap_or((member, ""));
            let Some((key, raw)) = pair.split_once('=') else {
                continue;
            };
            let key = key.trim_matches([' ', '\t']);
            let raw = raw.trim_matches([' ', '\t']);
            if !is_token(key) {
                continue;
            }
            let Ok(value) = percent_decode_str(raw).decode_utf8() else {
                continue;
            };
            let properties = properties.trim_matches([' ', '\t']);
            baggage.insert_with_metadata(
                key.to_owned(),
                value.into_owned(),
                BaggageMetadata::from(properties),
            );
        }
    }
    baggage
}

/// Formats baggage as one header value, within the limits; `None` when empty.
pub(crate) fn format(baggage: &Baggage) -> Option<String> {
    let mut header = String::new();
    for (count, (key, (value, metadata))) in baggage.iter().enumerate() {
        if count == MAX_MEMBERS || !is_token(key.as_str()) {
            continue;
        }
        let mut member = format!(
            "{}={}",
            key.as_str(),
            utf8_percent_encode(value.as_str(), VALUE_ESCAPES)
        );
        if !metadata.as_str().is_empty() {
            member.push(';');
            member.push_str(metadata.as_str());
        }
        if header.len() + member.len() + 1 > MAX_BYTES {
            continue;
        }
        if !header.is_empty() {
            header.push(',');
        }
        header.push_str(&member);
    }
    (!header.is_empty()).then_some(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_members_properties_and_percent_encoding() {
        let b = parse(&["userId=alice, serverNode = DF%2028 ;prop1=x,isProduction=false"]);
        assert_eq!(b.get("userId").map(|v| v.as_str()), Some("alice"));
        assert_eq!(b.get("serverNode").map(|v| v.as_str()), Some("DF 28"));
        let (_, meta) = b.get_with_metadata("serverNode").unwrap();
        assert_eq!(meta.as_str(), "prop1=x");
        assert_eq!(b.len(), 3);
    }

    #[test]
    fn malformed_members_are_skipped_and_the_rest_kept() {
        let b = parse(&["good=1,no-equals,bad key=2,=3,ok=%E2%82%AC,broken=%FF"]);
        let mut keys: Vec<_> = b.iter().map(|(k, _)| k.as_str().to_owned()).collect();
        keys.sort();
        assert_eq!(keys, ["good", "ok"]);
        assert_eq!(b.get("ok").map(|v| v.as_str()), Some("\u{20ac}"));
    }

    #[test]
    fn limits_are_enforced() {
        let many: Vec<String> = (0..100).map(|i| format!("k{i}=v")).collect();
        assert_eq!(parse(&[&many.join(",")]).len(), MAX_MEMBERS);
        let huge = format!("k={}", "x".repeat(MAX_BYTES + 1));
        assert!(parse(&[&huge]).is_empty());
    }

    #[test]
    fn format_round_trips() {
        let b = parse(&["a=1,b=hello%20world%2C%3B,c=x;meta"]);
        let again = parse(&[&format(&b).unwrap()]);
        assert_eq!(again.get("b").map(|v| v.as_str()), Some("hello world,;"));
        assert_eq!(again.get_with_metadata("c").unwrap().1.as_str(), "meta");
        assert_eq!(again.len(), 3);
        assert_eq!(format(&Baggage::new()), None);
    }
}

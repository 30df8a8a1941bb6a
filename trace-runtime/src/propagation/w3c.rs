//! Strict parsing and formatting of W3C Trace Context (level 2) headers.
//!
//! The rules, from the specification and its test suite:
//!
//! * `traceparent` is `version-traceid-parentid-flags`, lowercase hex only.
//!   Version `ff` is invalid. Version `00` is exactly 55 characters. A
//!   higher ("future") version is parsed as `00` when it is at least 55
//!   characters long and anything after the flags starts with `-`. All-zero
//!   trace or parent ids are invalid. Optional whitespace around the value is
//!   ignored. More than one `traceparent` value is invalid. The flags byte is
//!   kept whole for version `00` (so the level-2 `random` bit survives); for
//!   future versions only the bits this version defines are kept.
//! * `tracestate` values from several headers are combined in order, as one
//!   comma-separated list. Empty members are skipped. Keys follow the
//!   `simple-key` / `tenant@system` grammar with its length limits, values are
//!   1 to 256 printable characters other than `,` and `=`, without trailing
//!   space. More than 32 members, a duplicated key, or any invalid member
//!   makes the whole `tracestate` invalid: it is discarded, the `traceparent`
//!   is kept.
//!
//! The SDK's `TraceContextPropagator` is more lenient than this (it accepts
//! uppercase hex and trailing data in version `00`, for instance), which is
//! why parsing lives here. A valid `tracestate` is kept as its normalized
//! header text rather than as `opentelemetry::trace::TraceState`, whose key
//! check rejects some valid keys (a 14-character system id): what we
//! received is what we forward.

/// The most `tracestate` list members the specification allows.
const MAX_TRACESTATE_MEMBERS: usize = 32;

/// Flag bits defined by Trace Context level 2: sampled and random.
const KNOWN_FLAGS: u8 = 0x03;

/// A parent span from another process, as `traceparent` describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Traceparent {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    pub(crate) flags: u8,
}

impl Traceparent {
    pub(crate) fn sampled(self) -> bool {
        self.flags & 0x01 != 0
    }
}

/// Parses the `traceparent` header. `values` holds every value received
/// under that name; anything but exactly one valid value gives `None`.
pub(crate) fn parse_traceparent(values: &[&str]) -> Option<Traceparent> {
    let [value] = values else {
        return None;
    };
    let value = value.trim_matches([' ', '\t']).as_bytes();
    if value.len() < 55 {
        return None;
    }
    let version = hex_byte(&value[0..2])?;
    if version == 0xff || value[2] != b'-' || value[35] != b'-' || value[52] != b'-' {
        return None;
    }
    match (version, value.len()) {
        (0, 55) => {}
        (0, _) => return None,
        (_, 55) => {}
        (_, _) if value[55] == b'-' => {}
        _ => return None,
    }
    let trace_id = hex_u128(&value[3..35])?;
    let span_id = hex_u64(&value[36..52])?;
    let mut flags = hex_byte(&value[53..55])?;
    if trace_id == 0 || span_id == 0 {
        return None;
    }
    if version != 0 {
        flags &= KNOWN_FLAGS;
    }
    Some(Traceparent {
        trace_id,
        span_id,
        flags,
    })
}

/// Formats a `traceparent` value (version `00`).
pub(crate) fn format_traceparent(parent: Traceparent) -> String {
    format!(
        "00-{:032x}-{:016x}-{:02x}",
        parent.trace_id, parent.span_id, parent.flags
    )
}

/// Parses the `tracestate` header, combining every value received under that
/// name, into its normalized text (`k=v,k2=v2`). `None` when it is invalid
/// and must be discarded; empty when there was none.
pub(crate) fn parse_tracestate(values: &[&str]) -> Option<String> {
    let mut members: Vec<(&str, &str)> = Vec::new();
    for value in values {
        for member in value.split(',') {
            let member = member.trim_matches([' ', '\t']);
            if member.is_empty() {
                continue;
            }
            let (key, value) = member.split_once('=')?;
            if !valid_key(key) || !valid_value(value) || members.iter().any(|(k, _)| *k == key) {
                return None;
            }
            members.push((key, value));
            if members.len() > MAX_TRACESTATE_MEMBERS {
                return None;
            }
        }
    }
    let mut header = String::new();
    for (key, value) in members {
        if !header.is_empty() {
            header.push(',');
        }
        header.push_str(key);
        header.push('=');
        header.push_str(value);
    }
    Some(header)
}

fn is_key_char(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'*' | b'/')
}

fn valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    match key.split_once('@') {
        None => {
            (1..=256).contains(&bytes.len())
                && bytes[0].is_ascii_lowercase()
                && bytes.iter().all(|&b| is_key_char(b))
        }
        Some((tenant, system)) => {
            let (tenant, system) = (tenant.as_bytes(), system.as_bytes());
            (1..=241).contains(&tenant.len())
                && (tenant[0].is_ascii_lowercase() || tenant[0].is_ascii_digit())
                && tenant.iter().all(|&b| is_key_char(b))
                && (1..=14).contains(&system.len())
                && system[0].is_ascii_lowercase()
                && system.iter().all(|&b| is_key_char(b))
        }
    }
}

fn valid_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    (1..=256).contains(&bytes.len())
        && bytes
            .iter()
            .all(|&b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
        && bytes[bytes.len() - 1] != b' '
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None, // uppercase is invalid in traceparent
    }
}

fn hex_byte(text: &[u8]) -> Option<u8> {
    Some(hex_digit(text[0])? << 4 | hex_digit(text[1])?)
}

fn hex_u64(text: &[u8]) -> Option<u64> {
    text.iter()
        .try_fold(0u64, |acc, &b| Some(acc << 4 | u64::from(hex_digit(b)?)))
}

fn hex_u128(text: &[u8]) -> Option<u128> {
    text.iter()
        .try_fold(0u128, |acc, &b| Some(acc << 4 | u128::from(hex_digit(b)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: u128 = 0x1234_5678_9012_3456_7890_1234_5678_9012;
    const PARENT: u64 = 0x1234_5678_9012_3456;

    fn parses(value: &str) -> bool {
        parse_traceparent(&[value]).is_some()
    }

    #[test]
    fn valid_traceparents_from_the_spec_test_suite() {
        for value in [
            "00-12345678901234567890123456789012-1234567890123456-01",
            "00-12345678901234567890123456789012-1234567890123456-00",
            " 00-12345678901234567890123456789012-1234567890123456-01",
            "\t00-12345678901234567890123456789012-1234567890123456-01",
            "00-12345678901234567890123456789012-1234567890123456-01 ",
            "00-12345678901234567890123456789012-1234567890123456-01\t",
            "\t 00-12345678901234567890123456789012-1234567890123456-01 \t",
            "cc-12345678901234567890123456789012-1234567890123456-01",
            "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
        ] {
            let parsed =
                parse_traceparent(&[value]).unwrap_or_else(|| panic!("{value:?} is valid"));
            assert_eq!(
                (parsed.trace_id, parsed.span_id),
                (TRACE, PARENT),
                "{value:?}"
            );
        }
    }

    #[test]
    fn invalid_traceparents_from_the_spec_test_suite() {
        for value in [
            "00-12345678901234567890123456789012-1234567890123456-01.",
            "00-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
            "cc-12345678901234567890123456789012-1234567890123456-01.what-the-future-will-be-like",
            "ff-12345678901234567890123456789012-1234567890123456-01",
            ".0-12345678901234567890123456789012-1234567890123456-01",
            "0.-12345678901234567890123456789012-1234567890123456-01",
            "000-12345678901234567890123456789012-1234567890123456-01",
            "0000-12345678901234567890123456789012-1234567890123456-01",
            "0-12345678901234567890123456789012-1234567890123456-01",
            "00-00000000000000000000000000000000-1234567890123456-01",
            "00-.2345678901234567890123456789012-1234567890123456-01",
            "00-1234567890123456789012345678901.-1234567890123456-01",
            "00-123456789012345678901234567890123-1234567890123456-01",
            "00-1234567890123456789012345678901-1234567890123456-01",
            "00-12345678901234567890123456789012-0000000000000000-01",
            "00-12345678901234567890123456789012-.234567890123456-01",
            "00-12345678901234567890123456789012-123456789012345.-01",
            "00-12345678901234567890123456789012-12345678901234567-01",
            "00-12345678901234567890123456789012-123456789012345-01",
            "00-12345678901234567890123456789012-1234567890123456-.0",
            "00-12345678901234567890123456789012-1234567890123456-0.",
            "00-12345678901234567890123456789012-1234567890123456-001",
            "00-12345678901234567890123456789012-1234567890123456-1",
            // Uppercase hex is not allowed.
            "00-1234567890123456789012345678901A-1234567890123456-01",
            "00-12345678901234567890123456789012-123456789012345A-01",
            "00-12345678901234567890123456789012-1234567890123456-0A",
            "",
            "00",
        ] {
            assert!(!parses(value), "{value:?} must be rejected");
        }
    }

    #[test]
    fn duplicated_traceparent_headers_are_invalid() {
        assert!(
            parse_traceparent(&[
                "00-12345678901234567890123456789011-1234567890123456-01",
                "00-12345678901234567890123456789012-1234567890123456-01",
            ])
            .is_none()
        );
        assert!(parse_traceparent(&[]).is_none());
    }

    #[test]
    fn flags_keep_the_random_bit_and_sampled_bit() {
        let p = parse_traceparent(&["00-12345678901234567890123456789012-1234567890123456-03"])
            .unwrap();
        assert_eq!(p.flags, 0x03);
        assert!(p.sampled());
        let p = parse_traceparent(&["00-12345678901234567890123456789012-1234567890123456-02"])
            .unwrap();
        assert!(!p.sampled());
        // Future versions keep only the bits this version defines.
        let p = parse_traceparent(&["01-12345678901234567890123456789012-1234567890123456-ff"])
            .unwrap();
        assert_eq!(p.flags, 0x03);
    }

    #[test]
    fn formatting_round_trips() {
        let p = Traceparent {
            trace_id: TRACE,
            span_id: PARENT,
            flags: 0x03,
        };
        let text = format_traceparent(p);
        assert_eq!(
            text,
            "00-12345678901234567890123456789012-1234567890123456-03"
        );
        assert_eq!(parse_traceparent(&[&text]), Some(p));
    }

    fn state(values: &[&str]) -> Option<String> {
        parse_tracestate(values)
    }

    fn get<'a>(header: &'a str, key: &str) -> Option<&'a str> {
        header
            .split(',')
            .find_map(|m| m.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v))
    }

    #[test]
    fn tracestate_members_from_several_headers_are_combined_in_order() {
        assert_eq!(
            state(&["foo=1,bar=2", "rojo=1,congo=2", "baz=3"]).as_deref(),
            Some("foo=1,bar=2,rojo=1,congo=2,baz=3")
        );
        assert_eq!(state(&["foo=1", ""]).as_deref(), Some("foo=1"));
        assert_eq!(state(&["", "foo=1"]).as_deref(), Some("foo=1"));
        assert_eq!(state(&[""]).as_deref(), Some(""));
    }

    #[test]
    fn tracestate_whitespace_around_members_is_ignored() {
        for value in [
            "foo=1 \t , \t bar=2, \t baz=3",
            "foo=1\t \t,\t \tbar=2,\t \tbaz=3",
        ] {
            assert_eq!(state(&[value]).as_deref(), Some("foo=1,bar=2,baz=3"));
        }
        for value in [" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"] {
            assert_eq!(state(&[value]).as_deref(), Some("foo=1"));
        }
    }

    #[test]
    fn tracestate_all_allowed_characters() {
        let key: String = ('a'..='z').chain('0'..='9').chain("_-*/".chars()).collect();
        let vendor_key = format!("{key}@a-z0-9_-*/");
        let value: String = (0x20u8..=0x2b)
            .chain(0x2d..=0x3c)
            .chain(0x3e..=0x7e)
            .map(char::from)
            .collect();
        for key in [&key, &vendor_key] {
            let parsed = parse_tracestate(&[&format!("{key}={value}")]).expect("valid");
            assert_eq!(get(&parsed, key), Some(value.as_str()));
        }
    }

    #[test]
    fn invalid_tracestate_is_discarded_whole() {
        for values in [
            &["foo=1,foo=1"][..],
            &["foo=1,foo=2"],
            &["foo=1", "foo=1"],
            &["foo=1", "foo=2"],
            &["foo =1"],
            &["FOO=1"],
            &["foo.bar=1"],
            &["foo@=1,bar=2"],
            &["@foo=1,bar=2"],
            &["foo@@bar=1,bar=2"],
            &["foo@bar@baz=1,bar=2"],
            &["foo=bar=baz"],
            &["foo=,bar=3"],
            &["foo"],
        ] {
            assert_eq!(state(values), None, "{values:?} must be discarded");
        }
    }

    #[test]
    fn tracestate_member_count_limit() {
        let members: Vec<String> = (1..=33).map(|i| format!("bar{i:02}={i:02}")).collect();
        let thirty_two = members[..32].join(",");
        let parsed = parse_tracestate(&[&thirty_two]).expect("32 members are allowed");
        assert_eq!(get(&parsed, "bar01"), Some("01"));
        assert_eq!(parsed.split(',').count(), 32);
        assert_eq!(state(&[&thirty_two, "bar33=33"]), None);
    }

    #[test]
    fn tracestate_key_length_limits() {
        let ok = |key: String| state(&["foo=1", &format!("{key}=1")]).is_some();
        assert!(ok("z".repeat(256)));
        assert!(!ok("z".repeat(257)));
        assert!(ok(format!("{}@{}", "t".repeat(241), "v".repeat(14))));
        assert!(!ok(format!("{}@v", "t".repeat(242))));
        assert!(!ok(format!("t@{}", "v".repeat(15))));
    }

    #[test]
    fn no_input_makes_the_parsers_panic() {
        // A cheap deterministic sweep; the property tests cover random input.
        let seeds = [
            "00-",
            "-",
            "@",
            "=",
            ",",
            "\u{e9}",
            "00-12345678901234567890123456789012-1234567890123456-0\u{e9}",
        ];
        for a in seeds {
            for b in seeds {
                let text = format!("{a}{b}{a}");
                let _ = parse_traceparent(&[&text]);
                let _ = parse_tracestate(&[&text]);
            }
        }
        // Multi-byte characters at the positions the parser indexes.
        let _ = parse_traceparent(&["00-1234567890123456789012345678901\u{e9}-123456789012345-01"]);
    }
}

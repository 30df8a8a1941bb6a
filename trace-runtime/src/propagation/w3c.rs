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
//!   comma-separated list. Empty members and spaces or tabs around members
//!   are ignored. A key is 1 to 256 characters from `a-z 0-9 _ - * / @`,
//!   starting with a lowercase letter or a digit: `@` may appear anywhere
//!   but first, any number of times, and only the whole length is limited
//!   (`tenant@system` is one way of using that grammar, with no limits of
//!   its own). A value is 1 to 256 printable characters other than `,` and
//!   `=`, without trailing space.
//! * A duplicated key does not invalidate `tracestate`: the first (leftmost)
//!   member with that key is kept and later ones are dropped, since the
//!   leftmost entry is the most recent one a vendor wrote.
//! * More than 32 members (counting each key once) or any malformed member
//!   makes the whole `tracestate` invalid: it is discarded, the
//!   `traceparent` is kept. Forwarding the other members of a list with a
//!   broken one would pass on a list we could not fully read.
//!
//! The SDK's `TraceContextPropagator` is more lenient than this (it accepts
//! uppercase hex and trailing data in version `00`, for instance), which is
//! why parsing lives here. A valid `tracestate` is kept as its normalized
//! header text rather than as `opentelemetry::trace::TraceState`, whose key
//! check rejects some valid keys (a second `@`, or 14 or more characters
//! after the `@`): what we received is what we forward.

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
/// and must be discarded; empty when there was none. Of members with the
/// same key only the first is kept.
pub(crate) fn parse_tracestate(values: &[&str]) -> Option<String> {
    let mut members: Vec<(&str, &str)> = Vec::new();
    for value in values {
        for member in value.split(',') {
            let member = member.trim_matches([' ', '\t']);
            if member.is_empty() {
                continue;
            }
            let (key, value) = member.split_once('=')?;
            if !valid_key(key) || !valid_value(value) {
                return None;
            }
            if members.iter().any(|(k, _)| *k == key) {
                continue; // a duplicate: the leftmost member wins
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
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'*' | b'/' | b'@')
}

/// `key = (lcalpha / DIGIT) 0*255(keychar)`, where `keychar` also allows
/// `@`: the only length limit is the whole key's.
fn valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    match bytes.first() {
        Some(&first) => {
            bytes.len() <= 256
                && (first.is_ascii_lowercase() || first.is_ascii_digit())
                && bytes.iter().all(|&b| is_key_char(b))
        }
        None => false,
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

/// The value of each byte as a `traceparent` hex digit: `0..=15` for
/// `0-9` and `a-f`, [`NOT_HEX`] for every other byte (uppercase is
/// invalid in traceparent). A table, so that a digit costs a load rather
/// than two range tests: a server parses 48 digits per request.
const HEX: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// Any byte with a high nibble set is no digit: OR-ing the looked-up
/// values of a run of bytes checks them all at once.
const NOT_HEX: u8 = 0xff;

fn hex_byte(text: &[u8]) -> Option<u8> {
    let (high, low) = (HEX[usize::from(text[0])], HEX[usize::from(text[1])]);
    ((high | low) & 0xf0 == 0).then_some(high << 4 | low)
}

/// At most 16 digits.
fn hex_u64(text: &[u8]) -> Option<u64> {
    let mut value = 0u64;
    let mut words = text.chunks_exact(8);
    for word in words.by_ref() {
        value = value << 32 | u64::from(hex_word(word)?);
    }
    let mut seen = 0u8;
    for &b in words.remainder() {
        let digit = HEX[usize::from(b)];
        seen |= digit;
        value = value << 4 | u64::from(digit & 0x0f);
    }
    (seen & 0xf0 == 0).then_some(value)
}

/// Eight digits at once, as one `u64` (SWAR): the range checks and the
/// conversion of every byte are a few additions and masks for all eight.
/// A `traceparent` has 48 digits, read for every request a server serves.
fn hex_word(word: &[u8]) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut bytes = [0; 8];
    bytes.copy_from_slice(word);
    let x = u64::from_be_bytes(bytes);
    if x & HIGH != 0 {
        return None;
    }
    // With every byte below 0x80, adding at most 0x80 to it carries into
    // no other byte: its high bit then says whether it reached 0x80.
    let at_least = |low: u64| x + (0x80 - low) * ONES;
    let at_most = |high: u64| !(x + (0x7f - high) * ONES);
    let digit = at_least(0x30) & at_most(0x39);
    let letter = at_least(0x61) & at_most(0x66);
    if (digit | letter) & HIGH != HIGH {
        return None;
    }
    // `0`-`9` have their value in the low nibble, `a`-`f` one less than
    // it minus 9: add 9 to the letters.
    let mut v = (x & (0x0f * ONES)) + ((letter & HIGH) >> 7) * 9;
    // Pack the eight nibbles, the first digit the most significant.
    v = (v | v >> 4) & 0x00ff_00ff_00ff_00ff;
    v = (v | v >> 8) & 0x0000_ffff_0000_ffff;
    v = (v | v >> 16) & 0xffff_ffff;
    u32::try_from(v).ok()
}

/// At most 32 digits.
fn hex_u128(text: &[u8]) -> Option<u128> {
    let (high, low) = text.split_at(text.len().saturating_sub(16));
    Some(u128::from(hex_u64(high)?) << 64 | u128::from(hex_u64(low)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: u128 = 0x1234_5678_9012_3456_7890_1234_5678_9012;
    const PARENT: u64 = 0x1234_5678_9012_3456;

    #[test]
    fn only_lowercase_hex_digits_are_digits() {
        for b in 0..=u8::MAX {
            let expected = match b {
                b'0'..=b'9' => Some(b - b'0'),
                b'a'..=b'f' => Some(b - b'a' + 10),
                _ => None,
            };
            assert_eq!(hex_byte(&[b'0', b]), expected, "{b:#x}");
            assert_eq!(hex_byte(&[b, b'0']), expected.map(|d| d << 4), "{b:#x}");
            let run = [b'1', b, b'2'];
            assert_eq!(
                hex_u64(&run),
                expected.map(|d| 0x102 | u64::from(d) << 4),
                "{b:#x}"
            );
        }
        assert_eq!(
            hex_u128(b"0123456789abcdeffedcba9876543210"),
            Some(0x0123456789abcdeffedcba9876543210)
        );
        assert_eq!(hex_u128(b"0123456789abcdefFedcba9876543210"), None);
        // Every byte at every place of an eight-digit word.
        for place in 0..8 {
            for b in 0..=u8::MAX {
                let mut word = *b"9a0f5e7b";
                word[place] = b;
                let expected = word.iter().try_fold(0u32, |acc, &b| {
                    let digit = match b {
                        b'0'..=b'9' => b - b'0',
                        b'a'..=b'f' => b - b'a' + 10,
                        _ => return None,
                    };
                    Some(acc << 4 | u32::from(digit))
                });
                assert_eq!(hex_word(&word), expected, "{word:?}");
            }
        }
    }

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

    /// `(headers, kept header or None when discarded)`: keys with `@`.
    const AT_SIGN_KEYS: &[(&[&str], Option<&str>)] = &[
        (&["foo@=1,bar=2"], Some("foo@=1,bar=2")),
        (&["foo@@bar=1,bar=2"], Some("foo@@bar=1,bar=2")),
        (&["foo@bar@baz=1,bar=2"], Some("foo@bar@baz=1,bar=2")),
        (&["special@vendor=1"], Some("special@vendor=1")),
        (&["0tenant@vendor=1"], Some("0tenant@vendor=1")),
        (&["tenant@0vendor=1"], Some("tenant@0vendor=1")),
        (&["foo=1", "bar@@=2"], Some("foo=1,bar@@=2")),
        // `@` may not come first.
        (&["@foo=1,bar=2"], None),
        (&["foo=1", "@=2"], None),
    ];

    /// Keys that break the grammar in other ways.
    const ILLEGAL_KEYS: &[(&[&str], Option<&str>)] = &[
        (&["foo =1"], None),
        (&["FOO=1"], None),
        (&["foo.bar=1"], None),
        (&["special.vendor=1"], None),
        (&["_foo=1"], None),
        (&["-foo=1"], None),
        (&["=1"], None),
        (&["foo=1,=2"], None),
        (&["foo"], None),
        // A digit may come first, with or without `@`.
        (&["1special=1"], Some("1special=1")),
        (&["123=1"], Some("123=1")),
    ];

    /// Values that break the grammar.
    const ILLEGAL_VALUES: &[(&[&str], Option<&str>)] = &[
        (&["foo=bar=baz"], None),
        (&["foo=,bar=3"], None),
        (&["foo=1,bar="], None),
        (&["foo=a\u{7f}"], None),
        (&["foo=caf\u{e9}"], None),
        // Leading spaces are part of the value; trailing ones are OWS.
        (&["foo= 1"], Some("foo= 1")),
        (&["foo=1 "], Some("foo=1")),
    ];

    /// Duplicated keys keep the list and its first member with that key.
    const DUPLICATED_KEYS: &[(&[&str], Option<&str>)] = &[
        (&["foo=1,foo=1"], Some("foo=1")),
        (&["foo=1,foo=2"], Some("foo=1")),
        (&["foo=1", "foo=1"], Some("foo=1")),
        (&["foo=1", "foo=2"], Some("foo=1")),
        (
            &["foo=1,bar=2", "baz=3,bar=4,foo=5"],
            Some("foo=1,bar=2,baz=3"),
        ),
        (&["a@b=1,a@b=2,a@@b=3"], Some("a@b=1,a@@b=3")),
        // A duplicate is still checked: a malformed one discards the list.
        (&["foo=1,foo="], None),
    ];

    fn check_table(name: &str, table: &[(&[&str], Option<&str>)]) {
        for &(values, expected) in table {
            assert_eq!(state(values).as_deref(), expected, "{name}: {values:?}");
        }
    }

    #[test]
    fn tracestate_keys_may_contain_at_signs_after_the_first_character() {
        check_table("at-sign keys", AT_SIGN_KEYS);
    }

    #[test]
    fn tracestate_with_an_illegal_key_is_discarded_whole() {
        check_table("illegal keys", ILLEGAL_KEYS);
    }

    #[test]
    fn tracestate_with_an_illegal_value_is_discarded_whole() {
        check_table("illegal values", ILLEGAL_VALUES);
    }

    #[test]
    fn tracestate_with_duplicated_keys_keeps_the_first() {
        check_table("duplicated keys", DUPLICATED_KEYS);
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
    fn tracestate_key_length_limits_apply_to_the_whole_key() {
        // `(key, kept)`, each sent after a `foo=1` header.
        let table = [
            ("z".repeat(256), true),
            ("z".repeat(257), false),
            (format!("{}@{}", "t".repeat(241), "v".repeat(14)), true),
            (format!("{}@v", "t".repeat(242)), true),
            (format!("t@{}", "v".repeat(15)), true),
            (format!("t@{}", "v".repeat(254)), true),
            (format!("t@{}", "v".repeat(255)), false),
            (format!("{}@", "t".repeat(255)), true),
            (format!("{}@", "t".repeat(256)), false),
            ("a@".repeat(128), true),
            (format!("{}a", "a@".repeat(128)), false),
        ];
        for (key, kept) in table {
            let member = format!("{key}=1");
            let expected = kept.then(|| format!("foo=1,{member}"));
            assert_eq!(state(&["foo=1", &member]), expected, "key of {}", key.len());
        }
    }

    #[test]
    fn tracestate_member_count_counts_each_key_once() {
        let members: Vec<String> = (1..=32).map(|i| format!("bar{i:02}={i:02}")).collect();
        let thirty_two = members.join(",");
        let parsed = state(&[&thirty_two, "bar01=99,bar32=99"]).expect("no new key");
        assert_eq!(parsed, thirty_two);
        assert_eq!(state(&[&thirty_two, "bar01=99,bar33=33"]), None);
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
            "a@",
            "a=1,a=2",
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

//! Percent-encoding as the `SDK-HMAC-SHA256` gateway canonicalises it (docs/wire.md §5, "Percent-encoding").
//!
//! `A-Z a-z 0-9 - _ . ~` are kept; every other UTF-8 byte becomes `%XX` with upper-case hex.
//! The same function encodes path segments on the wire and in the canonical URI, so what the
//! server canonicalises always matches what was signed.

/// Whether `b` is left as is by [`percent_encode`].
pub fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// [`is_unreserved`] as a table: one load per byte on the signing path.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        i += 1;
    }
    table
};

/// Percent-encodes `input` per docs/wire.md §5 (space is `%20`, `/` is `%2F`).
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    percent_encode_into(input, &mut out);
    out
}

/// Appends the percent-encoding of `input` to `out` (no allocation when `out` has room).
pub fn percent_encode_into(input: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    // Runs of unreserved bytes are copied whole (ids are nothing else). A run is ASCII and
    // follows an ASCII or an encoded byte, so its ends are char boundaries.
    if input.bytes().all(is_unreserved) {
        out.push_str(input);
        return;
    }
    let mut run = 0;
    for (i, &b) in input.as_bytes().iter().enumerate() {
        if !is_unreserved(b) {
            if run < i {
                out.push_str(&input[run..i]);
            }
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0x0f)] as char);
            run = i + 1;
        }
    }
    if run < input.len() {
        out.push_str(&input[run..]);
    }
}

/// `/seg1/seg2/…`, each segment percent-encoded: a path as sent on the wire and signed.
pub fn encoded_path(segments: &[&str]) -> String {
    let mut out = String::with_capacity(segments.iter().map(|s| s.len() + 1).sum::<usize>() + 8);
    for seg in segments {
        out.push('/');
        percent_encode_into(seg, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unreserved_and_encodes_the_rest() {
        assert_eq!(percent_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(percent_encode("a b/c"), "a%20b%2Fc");
        assert_eq!(percent_encode("一"), "%E4%B8%80");
        assert_eq!(percent_encode("+*"), "%2B%2A");
        assert_eq!(percent_encode(""), "");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("aé-b/c d"), "a%C3%A9-b%2Fc%20d");
        assert_eq!(percent_encode("x一y"), "x%E4%B8%80y");
    }

    #[test]
    fn the_table_is_the_definition() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
            assert_eq!(is_unreserved(b), expected, "{b}");
        }
    }

    #[test]
    fn matches_the_byte_by_byte_definition() {
        let reference = |s: &str| -> String {
            s.bytes()
                .map(|b| {
                    if is_unreserved(b) {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        };
        let alphabet = ["a", "Z", "-", "~", " ", "/", "%", "é", "一", "\u{1F600}"];
        let mut inputs = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = inputs
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            inputs.extend(longer);
        }
        for s in &inputs {
            assert_eq!(percent_encode(s), reference(s), "{s:?}");
        }
    }
}

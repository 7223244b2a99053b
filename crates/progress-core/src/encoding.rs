//! Percent-encoding as the `SDK-HMAC-SHA256` gateway canonicalises it (API.md §3.1).
//!
//! `A-Z a-z 0-9 - _ . ~` are kept; every other UTF-8 byte becomes `%XX` with upper-case hex.
//! The same function encodes path segments on the wire and in the canonical URI, so what the
//! server canonicalises always matches what was signed.

/// Whether `b` is left as is by [`percent_encode`].
pub fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// Percent-encodes `input` per API.md §3.1 (space is `%20`, `/` is `%2F`).
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    percent_encode_into(input, &mut out);
    out
}

/// Appends the percent-encoding of `input` to `out` (no allocation when `out` has room).
pub fn percent_encode_into(input: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in input.as_bytes() {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0x0f)] as char);
        }
    }
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
    }
}

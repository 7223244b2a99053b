//! `Endpoint::parse` and `Endpoint::for_region` on arbitrary text and environments.
//!
//! Input: UTF-8 text of up to four lines (inputs that are not UTF-8 are skipped):
//! `endpoint text \n region \n env key \n env value`. An empty env key stands for the
//! override variable of the region (`HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}`), so overrides are
//! reached without guessing the variable name.
//!
//! Invariants beyond "no panic":
//! - a parsed endpoint re-parses from its `base_url()` to an equal endpoint, with the same
//!   base URL, and `Display` is the base URL;
//! - its host is non-empty and lower-case, its effective port non-zero;
//! - the endpoint is exactly what the text says: stripped of its scheme and a trailing `/`,
//!   the text is `host` or `host:port`, nothing dropped and nothing invented;
//! - `for_region` gives the override's first non-empty entry when the override is set, else the
//!   official table (an environment without the override changes nothing); a known region
//!   always resolves; an unknown one suggests at most three known regions.

#![no_main]

use libfuzzer_sys::fuzz_target;
use progress_core::endpoint::region_override_var;
use progress_core::{Endpoint, EndpointError, REGIONS};

const NO_ENV: [(&str, &str); 0] = [];

fn check_endpoint(text: &str, e: &Endpoint) {
    let url = e.base_url();
    assert_eq!(e.to_string(), url);
    let again = Endpoint::parse(&url).unwrap_or_else(|err| panic!("{url:?} does not re-parse: {err}"));
    assert_eq!(&again, e, "{text:?} -> {url:?} re-parses differently");
    assert_eq!(again.base_url(), url);
    assert!(!e.host().is_empty());
    assert_eq!(e.host(), e.host().to_ascii_lowercase(), "host not lower-case");
    assert_ne!(e.effective_port(), 0);
}

/// `text` says exactly `e`: scheme prefix and one trailing `/` aside, it is `host[:port]`.
fn check_literal(text: &str, e: &Endpoint) {
    let t = text.trim();
    let t = match t.split_once("://") {
        Some((_, rest)) => rest,
        None => t,
    };
    let t = t.strip_suffix('/').unwrap_or(t).to_ascii_lowercase();
    let rest = t
        .strip_prefix(&e.host().to_ascii_lowercase())
        .unwrap_or_else(|| panic!("{text:?}: host {:?} is not what the text says", e.host()));
    match rest.strip_prefix(':') {
        None => assert!(rest.is_empty(), "{text:?}: {rest:?} dropped after the host"),
        Some(digits) => {
            assert!(
                digits.bytes().all(|b| b.is_ascii_digit()),
                "{text:?}: port {digits:?}"
            );
            assert_eq!(digits.parse::<u16>().ok(), Some(e.effective_port()), "{text:?}");
        }
    }
    if rest.is_empty() {
        assert_eq!(e.port(), None);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = input.splitn(4, '\n');
    let text = lines.next().unwrap_or("");
    let region = lines.next().unwrap_or("");
    let key = lines.next().unwrap_or("");
    let value = lines.next().unwrap_or("");

    let parsed = Endpoint::parse(text);
    assert_eq!(parsed, Endpoint::parse(text));
    if let Ok(e) = &parsed {
        check_endpoint(text, e);
        check_literal(text, e);
    }

    let override_var = region_override_var(region.trim());
    let key = if key.is_empty() {
        override_var.as_str()
    } else {
        key
    };
    let env = [(key, value)];
    let resolved = Endpoint::for_region(region, &env);
    let from_table = Endpoint::for_region(region, &NO_ENV);
    let first = value.split(',').map(str::trim).find(|s| !s.is_empty());
    match first {
        Some(first) if key == override_var => assert_eq!(resolved, Endpoint::parse(first)),
        _ => assert_eq!(resolved, from_table),
    }
    if let Ok(e) = &resolved {
        check_endpoint(region, e);
    }
    let known = REGIONS.contains(&region.trim().to_ascii_lowercase().as_str());
    match from_table {
        Ok(e) => {
            assert!(known, "{region:?} resolved but is not in the table");
            assert_eq!(e.port(), None);
            assert!(e.host().starts_with("dms."));
            check_endpoint(region, &e);
        }
        Err(EndpointError::UnknownRegion { suggestions, .. }) => {
            assert!(!known, "known region {region:?} refused");
            assert!(suggestions.len() <= 3);
            assert!(suggestions.iter().all(|s| REGIONS.contains(s)));
        }
        Err(other) => panic!("table lookup of {region:?} failed with {other}"),
    }
});

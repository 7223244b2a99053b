//! `Profile::parse` on arbitrary UTF-8 text (inputs that are not UTF-8 are skipped: the
//! caller reads the file as a `String`).
//!
//! Invariants beyond "no panic":
//! - parsing is deterministic (the same text twice gives equal results);
//! - every value kept is non-empty and trimmed;
//! - a profile written back as a `[basic]` section parses to the same profile;
//! - a syntax error points at a line that exists and really is malformed (not blank, not a
//!   comment; an unclosed section header or a line without `=`);
//! - `Debug` never depends on the secret values (SK, security token).

#![no_main]

use libfuzzer_sys::fuzz_target;
use progress_core::credentials::CredentialsError;
use progress_core::{Profile, Secret};

fn render(p: &Profile) -> String {
    let mut out = String::from("[basic]\n");
    let fields = [
        ("ak", p.ak.as_deref()),
        ("sk", p.sk.as_ref().map(Secret::expose)),
        ("security_token", p.security_token.as_ref().map(Secret::expose)),
        ("project_id", p.project_id.as_deref()),
    ];
    for (key, value) in fields {
        if let Some(v) = value {
            out.push_str(&format!("{key} = {v}\n"));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Profile::parse(text);
    assert_eq!(parsed, Profile::parse(text), "parse is not deterministic");

    match parsed {
        Ok(p) => {
            let values = [
                p.ak.as_deref(),
                p.sk.as_ref().map(Secret::expose),
                p.security_token.as_ref().map(Secret::expose),
                p.project_id.as_deref(),
            ];
            for v in values.into_iter().flatten() {
                assert!(!v.is_empty() && v.trim() == v, "value {v:?} not trimmed");
            }
            assert_eq!(
                Profile::parse(&render(&p)).as_ref(),
                Ok(&p),
                "written back: {:?}",
                render(&p)
            );
            let masked = Profile {
                sk: p.sk.as_ref().map(|_| Secret::new("other")),
                security_token: p.security_token.as_ref().map(|_| Secret::new("other")),
                ..p.clone()
            };
            assert_eq!(format!("{p:?}"), format!("{masked:?}"), "Debug shows a secret");
        }
        Err(CredentialsError::ProfileSyntax { line, reason }) => {
            let body = text.strip_prefix('\u{feff}').unwrap_or(text);
            let Some(bad) = body.lines().nth(line.wrapping_sub(1)) else {
                panic!("error on line {line}, which does not exist");
            };
            let bad = bad.trim();
            assert!(!bad.is_empty() && !bad.starts_with('#') && !bad.starts_with(';'));
            assert!(
                (bad.starts_with('[') && !bad.ends_with(']'))
                    || (!bad.starts_with('[') && !bad.contains('=')),
                "line {line} ({reason}) is well formed"
            );
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
});

//! The version macros of include/dms_progress.h (written by cbindgen from cbindgen.toml's
//! `after_includes`) must equal the crate's version in Cargo.toml, so a header never claims
//! another version than the library built with it.

use std::path::PathBuf;

fn header() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../include/dms_progress.h");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The value of `#define NAME value` in the header, or None when it has no such line.
fn define(header: &str, name: &str) -> Option<String> {
    header.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("#define")?.trim_start();
        let value = rest.strip_prefix(name)?;
        value.starts_with([' ', '\t']).then(|| value.trim().to_string())
    })
}

#[test]
fn version_macros_match_cargo() {
    let header = header();
    let expected = [
        (
            "DMS_PROGRESS_VERSION_MAJOR",
            env!("CARGO_PKG_VERSION_MAJOR").to_string(),
        ),
        (
            "DMS_PROGRESS_VERSION_MINOR",
            env!("CARGO_PKG_VERSION_MINOR").to_string(),
        ),
        (
            "DMS_PROGRESS_VERSION_PATCH",
            env!("CARGO_PKG_VERSION_PATCH").to_string(),
        ),
        (
            "DMS_PROGRESS_VERSION",
            format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        ),
    ];
    for (name, want) in expected {
        let got = define(&header, name);
        assert_eq!(
            got.as_deref(),
            Some(want.as_str()),
            "include/dms_progress.h: {name} must be {want} (Cargo.toml's version). Update \
             after_includes in crates/progress-ffi/cbindgen.toml, then regenerate the header with \
             DMS_PROGRESS_BLESS=1 cargo test -p progress-ffi --test header"
        );
    }
}

#[test]
fn a_missing_or_prefixed_macro_is_not_mistaken_for_another() {
    let text = "#define DMS_PROGRESS_VERSION_MAJOR 3\n#define DMS_PROGRESS_VERSION \"3.0.0\"\n";
    assert_eq!(define(text, "DMS_PROGRESS_VERSION").as_deref(), Some("\"3.0.0\""));
    assert_eq!(define(text, "DMS_PROGRESS_VERSION_MAJOR").as_deref(), Some("3"));
    assert_eq!(define(text, "DMS_PROGRESS_VERSION_MINOR"), None);
}

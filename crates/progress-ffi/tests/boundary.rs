//! The boundary rules, checked against the header and the sources rather than trusted:
//!
//! - every function the header declares is defined in `src/ffi` with `#[no_mangle]`, and the
//!   first statement of its body is a panic boundary (`ffi_boundary!` or `ffi_fallible!`);
//! - every function that returns a `dms_progress_result` takes an `err_out` as its last
//!   parameter, and is written with `ffi_fallible!` (which fills it);
//! - every other export is written with `ffi_boundary!`.
//!
//! One function returns a `dms_progress_result` without being fallible: the accessor that
//! reads the code out of an error handle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The accessor of an error's code: returns a `dms_progress_result` it does not fail with.
const RESULT_ACCESSOR: &str = "dms_progress_error_result";

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A function declared in the header: its name, return type and parameter list.
struct Declared {
    returns: String,
    params: String,
}

/// Every function declaration of the header (comments and preprocessor lines dropped).
fn declared_functions(header: &str) -> BTreeMap<String, Declared> {
    let code: String = header
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.starts_with("//") && !l.starts_with('#') && !l.starts_with("/*") && !l.starts_with('*')
        })
        // The C++ linkage block around the declarations.
        .filter(|l| *l != "extern \"C\" {" && !l.starts_with("}  // extern"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = BTreeMap::new();
    for statement in code.split(';') {
        let statement = statement.trim();
        // Skip typedefs (the callback type), enums and structs: declarations only.
        if statement.starts_with("typedef") || statement.contains('{') || statement.contains('}') {
            continue;
        }
        let Some(open) = statement.find('(') else { continue };
        let head = &statement[..open];
        let Some(name) = head
            .split(|c: char| c.is_whitespace() || c == '*')
            .rfind(|s| !s.is_empty())
        else {
            continue;
        };
        if !name.starts_with("dms_progress_") {
            continue;
        }
        let returns = head[..head.len() - name.len()].trim().to_owned();
        let params = statement[open + 1..statement.rfind(')').expect("a declaration closes")].to_owned();
        out.insert(name.to_owned(), Declared { returns, params });
    }
    out
}

/// For each `extern "C" fn` in the sources: the file and the first statement of its body.
fn defined_functions(dir: &Path) -> BTreeMap<String, (String, String, bool)> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("src/ffi exists") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(at) = line.find("extern \"C\" fn ") else {
                continue;
            };
            let rest = &line[at + "extern \"C\" fn ".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let no_mangle = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with("#[") || l.trim_start().starts_with("///"))
                .any(|l| l.trim() == "#[no_mangle]");
            // The body starts after the line that ends the signature with `{`; comments
            // (the reason a function is async-signal-safe, say) may come first.
            let body_start = (i..lines.len())
                .find(|&j| lines[j].trim_end().ends_with('{'))
                .expect("a function has a body")
                + 1;
            let first = lines[body_start..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty() && !l.starts_with("//"))
                .unwrap_or_default()
                .to_owned();
            out.insert(name, (file.clone(), first, no_mangle));
        }
    }
    out
}

#[test]
fn every_declared_function_is_wrapped_in_a_panic_boundary() {
    let header = std::fs::read_to_string(crate_dir().join("../../include/dms_progress.h")).unwrap();
    let declared = declared_functions(&header);
    assert!(
        declared.len() > 50,
        "the header parser found only {} functions",
        declared.len()
    );
    let defined = defined_functions(&crate_dir().join("src/ffi"));

    let mut problems = Vec::new();
    for (name, decl) in &declared {
        let Some((file, first, no_mangle)) = defined.get(name) else {
            problems.push(format!("{name}: declared in the header, not defined in src/ffi"));
            continue;
        };
        if !no_mangle {
            problems.push(format!("{name} ({file}): no #[no_mangle]"));
        }
        let fallible = decl.returns == "dms_progress_result" && name != RESULT_ACCESSOR;
        let expected = if fallible {
            "ffi_fallible!(err_out,"
        } else {
            "ffi_boundary! {"
        };
        if !first.starts_with(expected) {
            problems.push(format!(
                "{name} ({file}): body starts with `{first}`, expected `{expected}`"
            ));
        }
        if fallible && !decl.params.trim_end().ends_with("**err_out") {
            problems.push(format!(
                "{name}: returns dms_progress_result but its last parameter is not err_out"
            ));
        }
    }
    for name in defined.keys() {
        if !declared.contains_key(name) {
            problems.push(format!("{name}: an extern \"C\" fn missing from the header"));
        }
    }
    assert!(
        problems.is_empty(),
        "boundary rules broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_header_parser_sees_what_it_must() {
    let sample = "\
// doc
dms_progress_result dms_progress_a(const struct x *config,\n    struct dms_progress_error **err_out);
typedef bool (*dms_progress_cb)(void *userdata);
const char *dms_progress_b(void);
";
    let found = declared_functions(sample);
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        ["dms_progress_a", "dms_progress_b"]
    );
    assert_eq!(found["dms_progress_a"].returns, "dms_progress_result");
    assert_eq!(found["dms_progress_b"].returns, "const char *");
}

//! The committed C header must be exactly what cbindgen generates from the sources.

use std::path::PathBuf;

#[test]
fn header_matches_the_sources() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let header = crate_dir.join("../../include/dms_progress.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    if std::env::var_os("DMS_PROGRESS_BLESS").is_some() {
        std::fs::write(&header, &generated).expect("write include/dms_progress.h");
        return;
    }
    let committed = std::fs::read(&header).unwrap_or_default();
    assert!(
        committed == generated,
        "include/dms_progress.h is out of date with crates/progress-ffi.\n\
         Regenerate it with: DMS_PROGRESS_BLESS=1 cargo test -p progress-ffi --test header"
    );
}

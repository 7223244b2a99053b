//! Link settings of the shared library on ELF platforms: the SONAME
//! `libdms_progress.so.MAJOR` (the file is installed as `libdms_progress.so.MAJOR.MINOR.PATCH`
//! by `make -C bindings/c install`), and the version script `dms_progress.map`, which keeps
//! every symbol but the C API internal.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=dms_progress.map");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        return;
    }
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
    let map = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("dms_progress.map");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libdms_progress.so.{major}");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        map.display()
    );
}

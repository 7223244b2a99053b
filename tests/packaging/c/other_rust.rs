//! Another Rust static library, from the same or another rustc, as a C program might link
//! beside libdms_progress.a. It unwinds (catch_unwind) so that it needs its own
//! rust_eh_personality.

/// 42, computed through a caught panic when `fail` is non-zero.
#[no_mangle]
pub extern "C" fn other_rust_answer(fail: i32) -> i32 {
    let result = std::panic::catch_unwind(|| {
        if fail != 0 {
            panic!("asked to fail");
        }
        42
    });
    result.unwrap_or(-42)
}

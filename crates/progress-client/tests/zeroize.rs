//! Secrets are wiped before their memory is freed.
//!
//! This test binary's global allocator inspects every block freed by the current thread while
//! a check is open and counts the blocks that still hold a canary (the SK, the security
//! token or the IAM token) in clear. Reading a block before it is handed back to the system
//! allocator is sound, unlike reading freed memory afterwards.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use progress_client::{ClientConfig, ProxyConfig};
use progress_core::credentials::{plan, ChainInput, ExplicitCredentials, Profile};
use progress_core::{build_progress_request, AkSk, Credentials, Endpoint, ProgressRequest, Secret};
use progress_test_support::canaries;

struct Inspecting;

thread_local! {
    static CHECKING: Cell<bool> = const { Cell::new(false) };
}
static HITS: AtomicUsize = AtomicUsize::new(0);
static mut NEEDLES: [&[u8]; 3] = [b"", b"", b""];

fn holds_a_canary(block: &[u8]) -> bool {
    // SAFETY: NEEDLES is written only before any check is opened (single-threaded set-up).
    let needles = unsafe { *std::ptr::addr_of!(NEEDLES) };
    needles
        .iter()
        .any(|n| !n.is_empty() && block.windows(n.len()).any(|w| w == *n))
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Inspecting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if CHECKING.try_with(Cell::get).unwrap_or(false) {
            // SAFETY: the block is still allocated and `layout.size()` bytes long.
            let block = std::slice::from_raw_parts(ptr, layout.size());
            if holds_a_canary(block) {
                HITS.fetch_add(1, Ordering::SeqCst);
            }
        }
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A moving realloc frees the old block: look at it as a free.
        if CHECKING.try_with(Cell::get).unwrap_or(false) {
            // SAFETY: as in dealloc.
            let block = std::slice::from_raw_parts(ptr, layout.size());
            if holds_a_canary(block) {
                HITS.fetch_add(1, Ordering::SeqCst);
            }
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Inspecting = Inspecting;

/// Runs `f` with the check open on this thread; returns how many freed blocks held a canary.
fn freed_with_canary(f: impl FnOnce()) -> usize {
    let before = HITS.load(Ordering::SeqCst);
    CHECKING.with(|c| c.set(true));
    f();
    CHECKING.with(|c| c.set(false));
    HITS.load(Ordering::SeqCst) - before
}

/// The kit's canaries copied at run time (so that the needles exist on the heap like the
/// secrets they stand for), leaked so that the needles themselves are never freed.
fn canaries() -> (&'static str, &'static str, &'static str) {
    let leak = |c: &str| -> &'static str { Box::leak(c.to_owned().into_boxed_str()) };
    let (sk, token, iam) = (leak(canaries::SK), leak(canaries::TOKEN), leak(canaries::IAM));
    // SAFETY: written once, before any check is opened; the tests in this file run in one
    // #[test] function, so no other thread reads NEEDLES meanwhile.
    unsafe {
        *std::ptr::addr_of_mut!(NEEDLES) = [sk.as_bytes(), token.as_bytes(), iam.as_bytes()];
    }
    (sk, token, iam)
}

#[test]
fn secrets_are_wiped_before_their_memory_is_freed() {
    let (sk, token, iam) = canaries();

    // The inspector works: a plain String holding a canary is seen when freed.
    let plain = format!("plain {token}");
    assert_eq!(
        freed_with_canary(|| drop(plain)),
        1,
        "the inspector sees an unwiped block"
    );

    // Secret, and its clones.
    let secret = Secret::new(sk.to_owned());
    let copy = secret.clone();
    assert_eq!(freed_with_canary(|| drop((secret, copy))), 0, "Secret");

    // Credentials and everything that holds them.
    let key = AkSk {
        ak: "AK".into(),
        sk: Secret::new(sk),
        security_token: Some(Secret::new(token)),
    };
    let creds = Credentials::AkSk(key.clone());
    let iam_creds = Credentials::IamToken(Secret::new(iam));
    assert_eq!(
        freed_with_canary(|| drop((key, creds, iam_creds))),
        0,
        "AkSk / Credentials"
    );

    let config = ClientConfig {
        endpoint: Some("https://dms.cn-north-4.myhuaweicloud.com".into()),
        project_id: Some("0123456789abcdef0123456789abcdef".into()),
        ak: Some("AK".into()),
        sk: Some(Secret::new(sk)),
        security_token: Some(Secret::new(token)),
        proxy: ProxyConfig::None,
        use_environment: false,
        ..Default::default()
    };
    let resolved = config.resolve().unwrap();
    let client = progress_client::Client::new(config.clone()).unwrap();
    assert_eq!(
        freed_with_canary(|| drop((config, resolved, client))),
        0,
        "ClientConfig / ResolvedConfig / Client"
    );

    let text = format!("[basic]\nak = AK\nsk = {sk}\nsecurity_token = {token}\nproject_id = p\n");
    let profile = Profile::parse(&text).unwrap();
    let resolved = plan(&ChainInput {
        explicit: &ExplicitCredentials::default(),
        env: &[("HOME", "/nonexistent")],
        profile: Some(&profile),
        profile_path: None,
        chain: true,
    })
    .unwrap();
    let explicit = ExplicitCredentials {
        sk: Some(Secret::new(sk)),
        iam_token: Some(Secret::new(iam)),
        ..Default::default()
    };
    assert_eq!(
        freed_with_canary(|| drop((profile, resolved, explicit))),
        0,
        "Profile / Plan / ExplicitCredentials"
    );

    // A built request carries the token in a header; dropping it wipes the value.
    let req = ProgressRequest::new("0123456789abcdef0123456789abcdef", "inst-1", "task-1").unwrap();
    let endpoint = Endpoint::parse("https://dms.cn-north-4.myhuaweicloud.com").unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    let temporary = Credentials::AkSk(AkSk {
        ak: "AK".into(),
        sk: Secret::new(sk),
        security_token: Some(Secret::new(token)),
    });
    let token_auth = Credentials::IamToken(Secret::new(iam));
    for creds in [&temporary, &token_auth] {
        // Signing builds a canonical request holding the token: no copy of it is freed unwiped.
        let mut kept = None;
        assert_eq!(
            freed_with_canary(|| kept = Some(build_progress_request(&req, &endpoint, creds, now, None))),
            0,
            "building (signing) a request"
        );
        assert_eq!(freed_with_canary(|| drop(kept)), 0, "HttpRequest");
    }

    // Real STS security tokens run to a few kilobytes.
    let long_token = format!("{token}{}", "x".repeat(4096));
    let long = Credentials::AkSk(AkSk {
        ak: "AK".into(),
        sk: Secret::new(sk),
        security_token: Some(Secret::new(long_token)),
    });
    let mut kept = None;
    assert_eq!(
        freed_with_canary(|| kept = Some(build_progress_request(&req, &endpoint, &long, now, None))),
        0,
        "signing with a 4 KiB token"
    );
    assert_eq!(
        freed_with_canary(|| drop((kept, long))),
        0,
        "HttpRequest with a 4 KiB token"
    );
    drop((text, temporary, token_auth));
}

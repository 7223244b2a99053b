//! The client reads only the variables it uses: an unrelated variable that is not UTF-8
//! changes nothing, and one of its own that is not UTF-8 is a configuration error naming it.
//!
//! One test in this file, so the process environment it changes is its own.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use progress_client::{Client, ClientConfig, ConfigError, Error};
use progress_core::Secret;

fn not_utf8() -> OsString {
    OsString::from_vec(b"caf\xe9\xff\xfe".to_vec())
}

#[test]
fn non_utf8_environment_variables() {
    // Rust 2021: set_var is safe; no other thread of this process reads the environment.
    std::env::set_var("UNRELATED_VAR", not_utf8());
    for (k, _) in std::env::vars_os() {
        if k.to_str().is_some_and(|k| k.starts_with("HUAWEICLOUD_SDK_")) {
            std::env::remove_var(k);
        }
    }
    std::env::set_var("HOME", "/nonexistent-home");

    let explicit = ClientConfig {
        endpoint: Some("http://127.0.0.1:9".into()),
        project_id: Some("p".into()),
        ak: Some("AK".into()),
        sk: Some(Secret::new("SK")),
        ..Default::default()
    };
    Client::new(explicit).expect("an unrelated variable is never looked at");

    std::env::set_var("HUAWEICLOUD_SDK_AK", "AK");
    std::env::set_var("HUAWEICLOUD_SDK_SK", not_utf8());
    std::env::set_var("HUAWEICLOUD_SDK_PROJECT_ID", "p");
    let from_env = ClientConfig {
        endpoint: Some("http://127.0.0.1:9".into()),
        ..Default::default()
    };
    let e = Client::new(from_env.clone()).unwrap_err();
    assert!(
        matches!(&e, Error::Config(ConfigError::NotUnicode { name }) if name == "HUAWEICLOUD_SDK_SK"),
        "{e}"
    );
    let shown = format!("{e} {e:?}");
    assert!(
        shown.contains("HUAWEICLOUD_SDK_SK") && !shown.contains("caf"),
        "{shown}"
    );

    // A region's endpoint override is one of ours too, read only for that region.
    std::env::set_var("HUAWEICLOUD_SDK_SK", "SK");
    std::env::set_var("HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4", not_utf8());
    let by_region = ClientConfig {
        region: Some("cn-north-4".into()),
        ..Default::default()
    };
    let e = Client::new(by_region).unwrap_err();
    assert!(
        matches!(&e, Error::Config(ConfigError::NotUnicode { name }) if name == "HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4"),
        "{e}"
    );
    Client::new(from_env).expect("the override of another region is not read");
}

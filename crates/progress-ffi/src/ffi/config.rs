//! The client configuration handle: a builder filled by setters, read by
//! `dms_progress_client_new` and `dms_progress_build_request`.
//!
//! Setters only store: they refuse a NULL argument or a string that is not UTF-8 (naming the
//! parameter in `err_out`) and nothing else. Every rule about the values (what an endpoint or
//! region may be, that an access key needs its secret key, which limits apply) is applied
//! once, by `dms_progress_client_new`, from `progress-core` and `progress-client`. A number
//! given as 0 means "the library's default" (`progress_core::defaults`), so a binding never
//! restates one.

use std::ffi::c_char;
use std::path::PathBuf;
use std::time::Duration;

use progress_core::{defaults, Secret};

use super::boundary::{ffi_boundary, ffi_fallible, free_box, try_mut, try_str};
use super::error::{dms_progress_error, dms_progress_result};
use progress_client::{ClientConfig, ProxyConfig};

/// A client configuration under construction.
///
/// Ownership: created by `dms_progress_config_new`, owned by the caller, released with
/// `dms_progress_config_free`. Clients built from it copy what they need, so it may be freed
/// (or changed) right after `dms_progress_client_new`. Not thread-safe: do not change it
/// from two threads at once, nor while another thread builds a client from it.
pub struct dms_progress_config {
    pub(crate) inner: ClientConfig,
}

/// A new configuration with the library's defaults (see `progress_core::defaults`: connect
/// and attempt timeouts, retries, body limit), TLS verification on, proxy from the
/// environment, and unset endpoint, project and credentials falling back to the
/// `HUAWEICLOUD_SDK_*` environment variables and the credentials profile file. Never NULL
/// (aborts only if memory runs out). Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_config_new() -> *mut dms_progress_config {
    ffi_boundary! {
        Box::into_raw(Box::new(dms_progress_config {
            inner: ClientConfig::default(),
        }))
    }
}

/// Releases a configuration. NULL is accepted and ignored. Secrets it holds are zeroed.
#[no_mangle]
pub extern "C" fn dms_progress_config_free(config: *mut dms_progress_config) {
    ffi_boundary! {
        // SAFETY: NULL or a config from this library, freed once.
        unsafe { free_box(config) }
    }
}

/// `ms` milliseconds, or `default` for 0 ("unset").
fn millis_or_default(ms: u64, default: Duration) -> Duration {
    if ms == 0 {
        default
    } else {
        Duration::from_millis(ms)
    }
}

/// Sets an explicit endpoint (`https://host[:port]`, `http://127.0.0.1:8080`; no scheme means
/// https). Wins over the region. Checked by `dms_progress_client_new`.
///
/// Fails only for NULL arguments or invalid UTF-8; `*err_out` is set to NULL on entry and,
/// on failure, to a new error (pass NULL to skip). The same holds for every setter.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_endpoint(
    config: *mut dms_progress_config,
    endpoint: *const c_char,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.endpoint = Some(try_str!(endpoint).to_owned());
        Ok(())
    })
}

/// Sets the region (`cn-north-4`); its endpoint comes from the official table or the
/// `HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}` variable. Checked by `dms_progress_client_new`.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_region(
    config: *mut dms_progress_config,
    region: *const c_char,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.region = Some(try_str!(region).to_owned());
        Ok(())
    })
}

/// Sets the project id (else `HUAWEICLOUD_SDK_PROJECT_ID`, else the profile file).
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_project_id(
    config: *mut dms_progress_config,
    project_id: *const c_char,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.project_id = Some(try_str!(project_id).to_owned());
        Ok(())
    })
}

/// Sets the access key id (AK) of the access key pair. Give the secret access key with
/// `dms_progress_config_set_secret_access_key`: `dms_progress_client_new` refuses half a
/// pair (`DMS_PROGRESS_RESULT_CONFIG`, naming the missing half). An empty string is unset.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_access_key_id(
    config: *mut dms_progress_config,
    access_key_id: *const c_char,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.ak = Some(try_str!(access_key_id).to_owned());
        Ok(())
    })
}

/// Sets the secret access key (SK) of the access key pair. It is copied into memory that is
/// zeroed when the configuration (and any client built from it) is freed; the caller may
/// wipe its own copy right after this call. An empty string is unset.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_secret_access_key(
    config: *mut dms_progress_config,
    secret_access_key: *const c_char,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.sk = Some(Secret::new(try_str!(secret_access_key)));
        Ok(())
    })
}

/// Sets the security token of temporary credentials (signed as `X-Security-Token`), zeroed
/// on free like the secret access key.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_security_token(
    config: *mut dms_progress_config,
    security_token: *const c_char,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.security_token = Some(Secret::new(try_str!(security_token)));
        Ok(())
    })
}

/// Sets an IAM token, sent as `X-Auth-Token` instead of signing; zeroed on free.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_iam_token(
    config: *mut dms_progress_config,
    iam_token: *const c_char,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.iam_token = Some(Secret::new(try_str!(iam_token)));
        Ok(())
    })
}

/// Sets the connect timeout in milliseconds; 0 means the library's default.
#[no_mangle]
pub extern "C" fn dms_progress_config_set_connect_timeout_ms(
    config: *mut dms_progress_config,
    timeout_ms: u64,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.connect_timeout = millis_or_default(timeout_ms, defaults::CONNECT_TIMEOUT);
        Ok(())
    })
}

/// Sets the deadline of one attempt in milliseconds, from connect to the last body byte;
/// 0 means the library's default.
#[no_mangle]
pub extern "C" fn dms_progress_config_set_timeout_ms(
    config: *mut dms_progress_config,
    timeout_ms: u64,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.timeout = millis_or_default(timeout_ms, defaults::ATTEMPT_TIMEOUT);
        Ok(())
    })
}

/// Sets how many times a failed attempt is retried on transport errors, 429 and 5xx. 0
/// disables retries; not calling this keeps the library's default.
#[no_mangle]
pub extern "C" fn dms_progress_config_set_retries(
    config: *mut dms_progress_config,
    retries: u32,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.retries = retries;
        Ok(())
    })
}

/// Sets the largest response body accepted, in bytes; 0 means the library's default.
#[no_mangle]
pub extern "C" fn dms_progress_config_set_max_body_bytes(
    config: *mut dms_progress_config,
    max_bytes: u64,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.max_body_bytes = if max_bytes == 0 {
            defaults::MAX_BODY_BYTES
        } else {
            max_bytes
        };
        Ok(())
    })
}

/// Trusts the CA certificates of this PEM file instead of the built-in Mozilla roots.
/// Read by `dms_progress_client_new`.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_ca_file(
    config: *mut dms_progress_config,
    ca_file: *const c_char,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.ca_file = Some(PathBuf::from(try_str!(ca_file)));
        Ok(())
    })
}

/// Disables TLS certificate verification when `insecure` is true. Dangerous: for test
/// gateways only.
#[no_mangle]
pub extern "C" fn dms_progress_config_set_insecure(
    config: *mut dms_progress_config,
    insecure: bool,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.insecure = insecure;
        Ok(())
    })
}

/// Sets the proxy URL (`http://[user:pw@]host:port`, `socks5://host:port`). An empty string
/// means no proxy at all; by default the `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and
/// `NO_PROXY` variables decide.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_proxy(
    config: *mut dms_progress_config,
    proxy_url: *const c_char,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        let url = try_str!(proxy_url);
        config.inner.proxy = if url.is_empty() {
            ProxyConfig::None
        } else {
            ProxyConfig::Url(url.to_owned())
        };
        Ok(())
    })
}

/// When false, unset values are not looked up in the environment or the profile file
/// (default true).
#[no_mangle]
pub extern "C" fn dms_progress_config_set_use_environment(
    config: *mut dms_progress_config,
    use_environment: bool,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_mut!(config);
        config.inner.use_environment = use_environment;
        Ok(())
    })
}

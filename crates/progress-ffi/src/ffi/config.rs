//! The client configuration handle: a builder filled by setters, read by
//! `dms_progress_client_new` and `dms_progress_build_request`.

use std::ffi::c_char;
use std::path::PathBuf;
use std::time::Duration;

use progress_core::Secret;

use super::boundary::{guard, guard_value, non_null, str_arg};
use super::error::{dms_progress_result, ErrorDetail};
use progress_client::{ClientConfig, ProxyConfig};

/// A client configuration under construction.
///
/// Ownership: created by `dms_progress_config_new`, owned by the caller, released with
/// `dms_progress_config_free`. Clients built from it copy what they need, so it may be freed
/// (or changed) right after `dms_progress_client_new`. Not thread-safe: do not change it
/// from two threads at once.
pub struct dms_progress_config {
    pub(crate) inner: ClientConfig,
}

/// A new configuration with the defaults: connect timeout 10 s, attempt timeout 30 s,
/// 2 retries, 1 MiB body limit, TLS verification on, proxy from the environment, and unset
/// endpoint, project and credentials falling back to the `HUAWEICLOUD_SDK_*` environment
/// variables and the credentials profile file. Never NULL (aborts only if memory runs out).
#[no_mangle]
pub extern "C" fn dms_progress_config_new() -> *mut dms_progress_config {
    guard_value(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(dms_progress_config {
            inner: ClientConfig::default(),
        }))
    })
}

/// Releases a configuration. NULL is accepted and ignored.
#[no_mangle]
pub extern "C" fn dms_progress_config_free(config: *mut dms_progress_config) {
    guard_value((), || {
        if !config.is_null() {
            // SAFETY: came from Box::into_raw in this library and is freed once.
            drop(unsafe { Box::from_raw(config) });
        }
    })
}

/// Applies `f` to the config after checking it is not NULL. Setters have no `err_out`: the
/// result code says all (NULL, invalid UTF-8, invalid value).
fn set(
    config: *mut dms_progress_config,
    f: impl FnOnce(&mut ClientConfig) -> Result<(), ErrorDetail>,
) -> dms_progress_result {
    guard(std::ptr::null_mut(), || {
        non_null(config, "config")?;
        // SAFETY: non-NULL, and the caller guarantees no concurrent use.
        f(&mut unsafe { &mut *config }.inner)
    })
}

fn positive_ms(ms: u64, name: &str) -> Result<Duration, ErrorDetail> {
    if ms == 0 {
        return Err(ErrorDetail::simple(
            dms_progress_result::InvalidArgument,
            format!("{name} must be > 0"),
        ));
    }
    Ok(Duration::from_millis(ms))
}

/// Sets an explicit endpoint (`https://host[:port]`, `http://127.0.0.1:8080`; no scheme means
/// https). Wins over the region. Validated by `dms_progress_client_new`.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_endpoint(
    config: *mut dms_progress_config,
    endpoint: *const c_char,
) -> dms_progress_result {
    set(config, |c| {
        c.endpoint = Some(unsafe { str_arg(endpoint, "endpoint") }?.to_owned());
        Ok(())
    })
}

/// Sets the region (`cn-north-4`); its endpoint comes from the official table or the
/// `HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}` variable. Validated by `dms_progress_client_new`.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_region(
    config: *mut dms_progress_config,
    region: *const c_char,
) -> dms_progress_result {
    set(config, |c| {
        c.region = Some(unsafe { str_arg(region, "region") }?.to_owned());
        Ok(())
    })
}

/// Sets the project id (else `HUAWEICLOUD_SDK_PROJECT_ID`, else the profile file).
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_project_id(
    config: *mut dms_progress_config,
    project_id: *const c_char,
) -> dms_progress_result {
    set(config, |c| {
        c.project_id = Some(unsafe { str_arg(project_id, "project_id") }?.to_owned());
        Ok(())
    })
}

/// Sets the access key pair. The SK is copied into memory that is zeroed when the
/// configuration (and any client built from it) is freed; the caller may wipe its own copy
/// right after this call.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_credentials(
    config: *mut dms_progress_config,
    ak: *const c_char,
    sk: *const c_char,
) -> dms_progress_result {
    set(config, |c| {
        let ak = unsafe { str_arg(ak, "ak") }?;
        let sk = unsafe { str_arg(sk, "sk") }?;
        c.ak = Some(ak.to_owned());
        c.sk = Some(Secret::new(sk));
        Ok(())
    })
}

/// Sets the security token of temporary credentials (signed as `X-Security-Token`).
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_security_token(
    config: *mut dms_progress_config,
    token: *const c_char,
) -> dms_progress_result {
    set(config, |c| {
        c.security_token = Some(Secret::new(unsafe { str_arg(token, "security_token") }?));
        Ok(())
    })
}

/// Sets an IAM token, sent as `X-Auth-Token` instead of signing.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_iam_token(
    config: *mut dms_progress_config,
    token: *const c_char,
) -> dms_progress_result {
    set(config, |c| {
        c.iam_token = Some(Secret::new(unsafe { str_arg(token, "iam_token") }?));
        Ok(())
    })
}

/// Sets the connect timeout in milliseconds (> 0; default 10000).
#[no_mangle]
pub extern "C" fn dms_progress_config_set_connect_timeout_ms(
    config: *mut dms_progress_config,
    timeout_ms: u64,
) -> dms_progress_result {
    set(config, |c| {
        c.connect_timeout = positive_ms(timeout_ms, "connect timeout")?;
        Ok(())
    })
}

/// Sets the deadline of one attempt in milliseconds, from connect to the last body byte
/// (> 0; default 30000).
#[no_mangle]
pub extern "C" fn dms_progress_config_set_timeout_ms(
    config: *mut dms_progress_config,
    timeout_ms: u64,
) -> dms_progress_result {
    set(config, |c| {
        c.timeout = positive_ms(timeout_ms, "timeout")?;
        Ok(())
    })
}

/// Sets how many times a failed attempt is retried on transport errors, 429 and 5xx
/// (default 2; 0 disables retries).
#[no_mangle]
pub extern "C" fn dms_progress_config_set_retries(
    config: *mut dms_progress_config,
    retries: u32,
) -> dms_progress_result {
    set(config, |c| {
        c.retries = retries;
        Ok(())
    })
}

/// Sets the largest response body accepted, in bytes (> 0; default 1048576).
#[no_mangle]
pub extern "C" fn dms_progress_config_set_max_body_bytes(
    config: *mut dms_progress_config,
    max_bytes: u64,
) -> dms_progress_result {
    set(config, |c| {
        if max_bytes == 0 {
            return Err(ErrorDetail::simple(
                dms_progress_result::InvalidArgument,
                "max body bytes must be > 0",
            ));
        }
        c.max_body_bytes = max_bytes;
        Ok(())
    })
}

/// Trusts the CA certificates of this PEM file instead of the built-in Mozilla roots.
/// Read by `dms_progress_client_new`.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_config_set_ca_file(
    config: *mut dms_progress_config,
    path: *const c_char,
) -> dms_progress_result {
    set(config, |c| {
        c.ca_file = Some(PathBuf::from(unsafe { str_arg(path, "ca_file") }?));
        Ok(())
    })
}

/// Disables TLS certificate verification when `insecure` is true. Dangerous: for test
/// gateways only.
#[no_mangle]
pub extern "C" fn dms_progress_config_set_insecure(
    config: *mut dms_progress_config,
    insecure: bool,
) -> dms_progress_result {
    set(config, |c| {
        c.insecure = insecure;
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
) -> dms_progress_result {
    set(config, |c| {
        let url = unsafe { str_arg(proxy_url, "proxy_url") }?;
        c.proxy = if url.is_empty() {
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
) -> dms_progress_result {
    set(config, |c| {
        c.use_environment = use_environment;
        Ok(())
    })
}

/// Resolves the config behind a non-NULL `*const dms_progress_config`.
pub(crate) fn config_ref<'a>(config: *const dms_progress_config) -> Result<&'a ClientConfig, ErrorDetail> {
    non_null(config, "config")?;
    // SAFETY: non-NULL and live per the caller's contract.
    Ok(&unsafe { &*config }.inner)
}

/// Writes `value` through `out` as a freshly boxed handle.
pub(crate) fn write_out<T>(out: *mut *mut T, value: T) {
    // SAFETY: callers check `out` for NULL before doing any work.
    unsafe { *out = Box::into_raw(Box::new(value)) };
}

/// Shared check for an error out-parameter's companion output pointer.
pub(crate) fn out_param<T>(out: *mut *mut T, name: &str) -> Result<(), ErrorDetail> {
    non_null(out as *const *mut T, name)
}

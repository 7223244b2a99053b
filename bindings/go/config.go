package dmsprogress

/*
#include <stdlib.h>
#include "dms_progress.h"
*/
import "C"

import (
	"math"
	"time"
)

// Config says where and how to call the service. The zero value of every field means
// "not set": endpoint, project and credentials then come from the environment
// (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN,
// HUAWEICLOUD_SDK_PROJECT_ID) and then the profile file (HUAWEICLOUD_SDK_CREDENTIALS_FILE,
// else ~/.huaweicloud/credentials), and the transport settings keep the library's
// defaults (progress_core::defaults in the Rust sources; the README lists them).
//
// The secrets (SecretKey, SecurityToken, IAMToken) are copied into native memory that is
// zeroed when the client is closed; they never appear in an error message.
type Config struct {
	// Endpoint is an explicit endpoint ("https://dms.cn-north-4.myhuaweicloud.com",
	// "http://127.0.0.1:8080"; no scheme means https). It wins over Region.
	Endpoint string
	// Region ("cn-north-4") selects the official endpoint, or the one in
	// HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}.
	Region string
	// ProjectID is the project the instance belongs to.
	ProjectID string
	// AccessKey and SecretKey sign requests (SDK-HMAC-SHA256); NewClient refuses one
	// without the other (ErrConfig).
	AccessKey, SecretKey string
	// SecurityToken goes with temporary AK/SK credentials.
	SecurityToken string
	// IAMToken is sent as X-Auth-Token instead of signing.
	IAMToken string
	// Timeout bounds one HTTP attempt, from connect to the last body byte (0: the
	// library's default).
	Timeout time.Duration
	// ConnectTimeout bounds connecting (0: the library's default).
	ConnectTimeout time.Duration
	// Retries is how many times a failed attempt is retried on transport errors, 429 and
	// 5xx: 0 keeps the library's default, a negative value disables retries.
	Retries int
	// MaxBodyBytes is the largest response body accepted (0: the library's default).
	MaxBodyBytes int64
	// CAFile is a PEM file of CA certificates to trust instead of the built-in roots.
	CAFile string
	// Insecure disables TLS certificate verification. For test gateways only.
	Insecure bool
	// Proxy is a proxy URL ("http://[user:pw@]host:port", "socks5://host:port"). When
	// empty, HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY decide.
	Proxy string
	// IgnoreEnvironment stops the lookup of unset values in the environment and the
	// profile file: only what is set here is used.
	IgnoreEnvironment bool
}

// durationMillis converts a duration to whole milliseconds for the C API, where 0 means
// "the library's default": a positive duration rounds up, so that it never becomes 0.
func durationMillis(d time.Duration) C.uint64_t {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	return C.uint64_t(ms)
}

// newCConfig builds the native configuration from cfg. The caller frees it with
// dms_progress_config_free; secrets are wiped from the temporary C strings here. Every
// value is checked by the library (dms_progress_client_new), not here: this only refuses
// what C cannot carry (a NUL byte, a negative duration or size).
func newCConfig(cfg *Config) (*C.dms_progress_config, error) {
	for _, d := range []struct {
		v    int64
		what string
	}{
		{int64(cfg.Timeout), "Timeout"},
		{int64(cfg.ConnectTimeout), "ConnectTimeout"},
		{cfg.MaxBodyBytes, "MaxBodyBytes"},
	} {
		if d.v < 0 {
			return nil, invalidArgument(d.what + " must not be negative")
		}
	}
	if int64(cfg.Retries) > math.MaxUint32 {
		return nil, invalidArgument("Retries is too large")
	}
	c := C.dms_progress_config_new()
	ok := false
	defer func() {
		if !ok {
			C.dms_progress_config_free(c)
		}
	}()
	var cerr *C.dms_progress_error
	type setter func(*C.char, **C.dms_progress_error) C.dms_progress_result
	setString := func(value, what string, secret bool, set setter) error {
		if value == "" {
			return nil
		}
		cs, err := cString(value, what)
		if err != nil {
			return err
		}
		if secret {
			defer freeSecret(cs)
		} else {
			defer freeCString(cs)
		}
		return check(set(cs, &cerr), cerr)
	}
	values := []struct {
		value, what string
		secret      bool
		set         setter
	}{
		{cfg.Endpoint, "endpoint", false, func(s *C.char, e **C.dms_progress_error) C.dms_progress_result {
			return C.dms_progress_config_set_endpoint(c, s, e)
		}},
		{cfg.Region, "region", false, func(s *C.char, e **C.dms_progress_error) C.dms_progress_result {
			return C.dms_progress_config_set_region(c, s, e)
		}},
		{cfg.ProjectID, "project id", false, func(s *C.char, e **C.dms_progress_error) C.dms_progress_result {
			return C.dms_progress_config_set_project_id(c, s, e)
		}},
		{cfg.AccessKey, "access key", false, func(s *C.char, e **C.dms_progress_error) C.dms_progress_result {
			return C.dms_progress_config_set_access_key_id(c, s, e)
		}},
		{cfg.SecretKey, "secret key", true, func(s *C.char, e **C.dms_progress_error) C.dms_progress_result {
			return C.dms_progress_config_set_secret_access_key(c, s, e)
		}},
		{cfg.SecurityToken, "security token", true, func(s *C.char, e **C.dms_progress_error) C.dms_progress_result {
			return C.dms_progress_config_set_security_token(c, s, e)
		}},
		{cfg.IAMToken, "IAM token", true, func(s *C.char, e **C.dms_progress_error) C.dms_progress_result {
			return C.dms_progress_config_set_iam_token(c, s, e)
		}},
		{cfg.CAFile, "CA file", false, func(s *C.char, e **C.dms_progress_error) C.dms_progress_result {
			return C.dms_progress_config_set_ca_file(c, s, e)
		}},
		// The proxy URL may carry a password.
		{cfg.Proxy, "proxy", true, func(s *C.char, e **C.dms_progress_error) C.dms_progress_result {
			return C.dms_progress_config_set_proxy(c, s, e)
		}},
	}
	for _, s := range values {
		if err := setString(s.value, s.what, s.secret, s.set); err != nil {
			return nil, err
		}
	}
	// Zero durations and sizes are the C API's "library default".
	steps := []func() C.dms_progress_result{
		func() C.dms_progress_result {
			return C.dms_progress_config_set_timeout_ms(c, durationMillis(cfg.Timeout), &cerr)
		},
		func() C.dms_progress_result {
			return C.dms_progress_config_set_connect_timeout_ms(c, durationMillis(cfg.ConnectTimeout), &cerr)
		},
		func() C.dms_progress_result {
			return C.dms_progress_config_set_max_body_bytes(c, C.uint64_t(cfg.MaxBodyBytes), &cerr)
		},
		func() C.dms_progress_result {
			switch {
			case cfg.Retries < 0:
				return C.dms_progress_config_set_retries(c, 0, &cerr)
			case cfg.Retries > 0:
				return C.dms_progress_config_set_retries(c, C.uint32_t(cfg.Retries), &cerr)
			}
			return C.DMS_PROGRESS_RESULT_OK // 0: the library's default
		},
		func() C.dms_progress_result {
			return C.dms_progress_config_set_insecure(c, C.bool(cfg.Insecure), &cerr)
		},
		func() C.dms_progress_result {
			return C.dms_progress_config_set_use_environment(c, C.bool(!cfg.IgnoreEnvironment), &cerr)
		},
	}
	for _, step := range steps {
		if err := check(step(), cerr); err != nil {
			return nil, err
		}
	}
	ok = true
	return c, nil
}

func invalidArgument(msg string) error {
	return &Error{code: resultInvalidArgument, msg: "invalid argument: " + msg}
}

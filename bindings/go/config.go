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
// else ~/.huaweicloud/credentials), and the transport settings keep the library defaults.
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
	// AccessKey and SecretKey sign requests (SDK-HMAC-SHA256). Set both or neither.
	AccessKey, SecretKey string
	// SecurityToken goes with temporary AK/SK credentials.
	SecurityToken string
	// IAMToken is sent as X-Auth-Token instead of signing.
	IAMToken string
	// Timeout bounds one HTTP attempt, from connect to the last body byte (default 30 s).
	Timeout time.Duration
	// ConnectTimeout bounds connecting (default 10 s).
	ConnectTimeout time.Duration
	// Retries is how many times a failed attempt is retried on transport errors, 429 and
	// 5xx: 0 keeps the default (2), a negative value disables retries.
	Retries int
	// MaxBodyBytes is the largest response body accepted (default 1 MiB).
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

// durationMillis converts a positive duration to whole milliseconds, rounding up so that
// a sub-millisecond value does not become the refused 0.
func durationMillis(d time.Duration) C.uint64_t {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	return C.uint64_t(ms)
}

// newCConfig builds the native configuration from cfg. The caller frees it with
// dms_progress_config_free; secrets are wiped from the temporary C strings here.
func newCConfig(cfg *Config) (*C.dms_progress_config, error) {
	c := C.dms_progress_config_new()
	ok := false
	defer func() {
		if !ok {
			C.dms_progress_config_free(c)
		}
	}()
	setString := func(value, what string, secret bool, set func(*C.char) C.dms_progress_result) error {
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
		return setterError(set(cs), what)
	}
	steps := []func() error{
		func() error {
			return setString(cfg.Endpoint, "endpoint", false, func(s *C.char) C.dms_progress_result {
				return C.dms_progress_config_set_endpoint(c, s)
			})
		},
		func() error {
			return setString(cfg.Region, "region", false, func(s *C.char) C.dms_progress_result {
				return C.dms_progress_config_set_region(c, s)
			})
		},
		func() error {
			return setString(cfg.ProjectID, "project id", false, func(s *C.char) C.dms_progress_result {
				return C.dms_progress_config_set_project_id(c, s)
			})
		},
		func() error {
			if cfg.AccessKey == "" && cfg.SecretKey == "" {
				return nil
			}
			// The library refuses an SK without an AK but would sign with an empty SK;
			// refuse both halves of the mistake alike.
			if cfg.AccessKey == "" || cfg.SecretKey == "" {
				return &Error{code: resultConfig, msg: "configuration error: AccessKey and SecretKey must be set together"}
			}
			ak, err := cString(cfg.AccessKey, "access key")
			if err != nil {
				return err
			}
			defer freeCString(ak)
			sk, err := cString(cfg.SecretKey, "secret key")
			if err != nil {
				return err
			}
			defer freeSecret(sk)
			return setterError(C.dms_progress_config_set_credentials(c, ak, sk), "credentials")
		},
		func() error {
			return setString(cfg.SecurityToken, "security token", true, func(s *C.char) C.dms_progress_result {
				return C.dms_progress_config_set_security_token(c, s)
			})
		},
		func() error {
			return setString(cfg.IAMToken, "IAM token", true, func(s *C.char) C.dms_progress_result {
				return C.dms_progress_config_set_iam_token(c, s)
			})
		},
		func() error {
			switch {
			case cfg.Timeout < 0:
				return invalidArgument("Timeout must not be negative")
			case cfg.Timeout > 0:
				return setterError(C.dms_progress_config_set_timeout_ms(c, durationMillis(cfg.Timeout)), "timeout")
			}
			return nil
		},
		func() error {
			switch {
			case cfg.ConnectTimeout < 0:
				return invalidArgument("ConnectTimeout must not be negative")
			case cfg.ConnectTimeout > 0:
				return setterError(C.dms_progress_config_set_connect_timeout_ms(c, durationMillis(cfg.ConnectTimeout)), "connect timeout")
			}
			return nil
		},
		func() error {
			switch {
			case cfg.Retries < 0:
				return setterError(C.dms_progress_config_set_retries(c, 0), "retries")
			case cfg.Retries > 0:
				if int64(cfg.Retries) > math.MaxUint32 {
					return invalidArgument("Retries is too large")
				}
				return setterError(C.dms_progress_config_set_retries(c, C.uint32_t(cfg.Retries)), "retries")
			}
			return nil
		},
		func() error {
			switch {
			case cfg.MaxBodyBytes < 0:
				return invalidArgument("MaxBodyBytes must not be negative")
			case cfg.MaxBodyBytes > 0:
				return setterError(C.dms_progress_config_set_max_body_bytes(c, C.uint64_t(cfg.MaxBodyBytes)), "max body bytes")
			}
			return nil
		},
		func() error {
			return setString(cfg.CAFile, "CA file", false, func(s *C.char) C.dms_progress_result {
				return C.dms_progress_config_set_ca_file(c, s)
			})
		},
		func() error {
			if !cfg.Insecure {
				return nil
			}
			return setterError(C.dms_progress_config_set_insecure(c, true), "insecure")
		},
		func() error {
			return setString(cfg.Proxy, "proxy", true, func(s *C.char) C.dms_progress_result {
				return C.dms_progress_config_set_proxy(c, s)
			})
		},
		func() error {
			if !cfg.IgnoreEnvironment {
				return nil
			}
			return setterError(C.dms_progress_config_set_use_environment(c, false), "use environment")
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	ok = true
	return c, nil
}

func invalidArgument(msg string) error {
	return &Error{code: resultInvalidArgument, msg: "invalid argument: " + msg}
}

package dmsprogress

import (
	"context"
	"errors"
	"fmt"
)

// Sentinel errors, one per kind of failure. Test with errors.Is; the concrete error (an
// *Error, *APIError, *TaskFailedError or *WaitTimeoutError) carries the detail.
var (
	// ErrInvalidArgument: a value was refused before anything was sent (an empty or
	// malformed id, endpoint or region, a string with a NUL byte, a zero duration).
	ErrInvalidArgument = errors.New("dmsprogress: invalid argument")
	// ErrConfig: the configuration is incomplete or unusable (no endpoint or region, no
	// credentials, no project id, an unreadable CA file).
	ErrConfig = errors.New("dmsprogress: configuration error")
	// ErrTransport: no complete HTTP answer (connection refused, TLS, protocol error, a body
	// over the limit). Timeouts match it too, as well as ErrTimeout.
	ErrTransport = errors.New("dmsprogress: transport error")
	// ErrTimeout: a connect or per-attempt timeout (Config.ConnectTimeout, Config.Timeout)
	// fired. Not the same as ErrWaitTimeout or a context deadline.
	ErrTimeout = errors.New("dmsprogress: timeout")
	// ErrAPI: the service answered with an error status; use errors.As with *APIError for
	// the status, code, message and request id.
	ErrAPI = errors.New("dmsprogress: API error")
	// ErrDecode: a 2xx answer whose body could not be decoded.
	ErrDecode = errors.New("dmsprogress: cannot decode response")
	// ErrTaskFailed: a step of the task failed; use errors.As with *TaskFailedError.
	ErrTaskFailed = errors.New("dmsprogress: task failed")
	// ErrWaitTimeout: Wait gave up at its maximum wait; use errors.As with
	// *WaitTimeoutError for the last progress seen.
	ErrWaitTimeout = errors.New("dmsprogress: task not finished within the maximum wait")
	// ErrClosed: the client was closed before or during the call.
	ErrClosed = errors.New("dmsprogress: client is closed")
	// ErrOverloaded: too many calls on this client were cut short by their context while
	// their HTTP attempt was still running, and have not finished yet; the call was refused
	// at once rather than adding another thread and socket to them. Retry later.
	ErrOverloaded = errors.New("dmsprogress: too many cancelled calls still finishing on this client")
	// ErrInternal: a bug in the native library or this package (a panic caught at the
	// library's boundary). Please report it.
	ErrInternal = errors.New("dmsprogress: internal error")
)

// sentinels is the one mapping from every result code of the C API (but OK) to the
// sentinel its error matches. errors_table_test.go checks it against the header: a code
// added to the C API without an entry here fails that test. The Python package has the
// same table, and maps NULL_PARAMETER to its invalid-argument error too.
var sentinels = map[resultCode]error{
	resultInvalidArgument: ErrInvalidArgument,
	resultNullParameter:   ErrInvalidArgument,
	resultInvalidUTF8:     ErrInvalidArgument,
	resultConfig:          ErrConfig,
	resultTransport:       ErrTransport,
	resultTimeout:         ErrTimeout,
	resultAPI:             ErrAPI,
	resultDecode:          ErrDecode,
	resultTaskFailed:      ErrTaskFailed,
	resultWaitTimeout:     ErrWaitTimeout,
	resultCancelled:       context.Canceled,
	resultPanic:           ErrInternal,
}

// detail is what an error handle of the library held, copied into Go memory.
type detail struct {
	code      resultCode
	msg       string
	requestID string
	retryable bool
	status    int
	apiCode   string
	apiMsg    string
	progress  *Progress
	failed    int // index of the failed step, -1 if none
	ctxCause  error
}

// err is the Go error for d: the concrete type its code calls for, matching the code's
// sentinel.
func (d detail) err() error {
	switch d.code {
	case resultAPI:
		return &APIError{Status: d.status, Code: d.apiCode, Message: d.apiMsg, RequestID: d.requestID,
			retryable: d.retryable, msg: d.msg}
	case resultTaskFailed:
		e := &TaskFailedError{Progress: d.progress, StepIndex: d.failed, msg: d.msg}
		if d.progress != nil && d.failed >= 0 && d.failed < len(d.progress.Steps) {
			e.Step = d.progress.Steps[d.failed]
		}
		return e
	case resultWaitTimeout:
		return &WaitTimeoutError{Last: d.progress, msg: d.msg, cause: d.ctxCause}
	}
	return &Error{code: d.code, msg: d.msg, RequestID: d.requestID, retryable: d.retryable}
}

// Error is a failure reported by the native library that has no richer type: invalid
// arguments, configuration, transport, timeout and decoding errors. Match it with
// errors.Is against the sentinels above.
type Error struct {
	// RequestID is the X-Request-Id of the response that caused the error, when there was
	// one (decode errors); "" otherwise.
	RequestID string

	code      resultCode
	msg       string
	retryable bool
}

func (e *Error) Error() string { return "dmsprogress: " + e.msg }

// Is reports whether target is the sentinel of this error's result code (see sentinels);
// a timeout matches ErrTransport too.
func (e *Error) Is(target error) bool {
	s, ok := sentinels[e.code]
	return ok && target == s || e.code == resultTimeout && target == ErrTransport
}

// Retryable reports whether sending the same request again may succeed (a transport
// hiccup, a timeout), as the library decides. The client already retried as configured
// (Config.Retries).
func (e *Error) Retryable() bool { return e.retryable }

// APIError is an error status from the service (or the API gateway in front of it).
//
//	var apiErr *dmsprogress.APIError
//	if errors.As(err, &apiErr) && apiErr.Status == 404 { ... }
type APIError struct {
	// Status is the HTTP status, e.g. 401.
	Status int
	// Code is the service's error code ("APIGW.0301", "DMS.00404022"), or the HTTP status as
	// text when the body had none.
	Code string
	// Message is the service's error message, or the (bounded) raw body text.
	Message string
	// RequestID is the X-Request-Id of the response: what support asks for.
	RequestID string

	retryable bool
	msg       string
}

func (e *APIError) Error() string {
	if e.msg != "" {
		return "dmsprogress: " + e.msg
	}
	s := fmt.Sprintf("dmsprogress: HTTP %d %s: %s", e.Status, e.Code, e.Message)
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// Is matches ErrAPI.
func (e *APIError) Is(target error) bool { return target == ErrAPI }

// Retryable reports whether sending the same request again may succeed, as the library
// decides from the status (429, 5xx). The client already retries these as configured
// (Config.Retries).
func (e *APIError) Retryable() bool { return e.retryable }

// TaskFailedError says a step of the task failed. errors.Is(err, ErrTaskFailed) matches it.
type TaskFailedError struct {
	// Progress is the progress that showed the failure (nil only if the library gave none).
	Progress *Progress
	// StepIndex is the index of the failed step in Progress.Steps (-1 if unknown).
	StepIndex int
	// Step is the failed step.
	Step Step

	msg string
}

func (e *TaskFailedError) Error() string {
	if e.msg != "" {
		return "dmsprogress: " + e.msg
	}
	return fmt.Sprintf("dmsprogress: task failed at step %d (%q)", e.StepIndex, e.Step.Name)
}

// Is matches ErrTaskFailed.
func (e *TaskFailedError) Is(target error) bool { return target == ErrTaskFailed }

// WaitTimeoutError says Wait gave up before the task finished. errors.Is(err,
// ErrWaitTimeout) matches it; when the maximum wait came from the context's deadline,
// errors.Is(err, context.DeadlineExceeded) matches it too.
type WaitTimeoutError struct {
	// Last is the last progress seen, nil if no poll succeeded.
	Last *Progress

	msg   string
	cause error
}

func (e *WaitTimeoutError) Error() string {
	if e.msg != "" {
		return "dmsprogress: " + e.msg
	}
	return ErrWaitTimeout.Error()
}

// Is matches ErrWaitTimeout.
func (e *WaitTimeoutError) Is(target error) bool { return target == ErrWaitTimeout }

// Unwrap returns context.DeadlineExceeded when the context's deadline set the maximum wait.
func (e *WaitTimeoutError) Unwrap() error { return e.cause }

// ctxError is what a call returns when its context ends first: it wraps ctx.Err() (so
// errors.Is(err, context.Canceled) or context.DeadlineExceeded works) and names the call.
func ctxError(op string, ctx context.Context) error {
	err := ctx.Err()
	if err == nil {
		// The deadline passed but the context's timer has not fired yet.
		err = context.DeadlineExceeded
	}
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("dmsprogress: %s: %w (%w)", op, err, cause)
	}
	return fmt.Errorf("dmsprogress: %s: %w", op, err)
}

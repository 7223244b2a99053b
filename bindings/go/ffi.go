package dmsprogress

// The cgo boundary: the preamble that links the static library, and the helpers that turn
// a C result code plus error handle into a Go error. Every other file works in Go types.
//
// The library comes from pkg-config (dms_progress_static.pc, installed with it by
// `make -C bindings/c install`): the archive and the system libraries it needs, wherever it
// was installed; see doc.go.

/*
#cgo pkg-config: dms_progress_static
#include <stdlib.h>
#include <string.h>
#include "dms_progress.h"

// Defined in Go (callback.go) with //export.
extern _Bool dmsprogressGoOnProgress(void *userdata, dms_progress_progress *progress);

// dms_progress_client_wait with the Go trampoline as callback and a runtime/cgo.Handle as
// userdata: the handle is a number, so no Go pointer is ever stored in C.
dms_progress_result dmsprogress_wait(const dms_progress_client *client,
		const char *instance_id, const char *task_id, uint64_t interval_ms,
		uint64_t max_wait_ms, uintptr_t handle, const dms_progress_cancel *cancel,
		dms_progress_progress **progress_out, dms_progress_error **err_out) {
	return dms_progress_client_wait(client, instance_id, task_id, interval_ms, max_wait_ms,
		(dms_progress_progress_callback)dmsprogressGoOnProgress, (void *)handle, cancel,
		progress_out, err_out);
}
*/
import "C"

import (
	"strings"
	"unsafe"
)

// resultCode mirrors dms_progress_result; the numbers are stable across library versions.
type resultCode uint32

const (
	resultOK              resultCode = C.DMS_PROGRESS_RESULT_OK
	resultInvalidArgument resultCode = C.DMS_PROGRESS_RESULT_INVALID_ARGUMENT
	resultNullParameter   resultCode = C.DMS_PROGRESS_RESULT_NULL_PARAMETER
	resultInvalidUTF8     resultCode = C.DMS_PROGRESS_RESULT_INVALID_UTF8
	resultConfig          resultCode = C.DMS_PROGRESS_RESULT_CONFIG
	resultTransport       resultCode = C.DMS_PROGRESS_RESULT_TRANSPORT
	resultTimeout         resultCode = C.DMS_PROGRESS_RESULT_TIMEOUT
	resultAPI             resultCode = C.DMS_PROGRESS_RESULT_API
	resultDecode          resultCode = C.DMS_PROGRESS_RESULT_DECODE
	resultTaskFailed      resultCode = C.DMS_PROGRESS_RESULT_TASK_FAILED
	resultWaitTimeout     resultCode = C.DMS_PROGRESS_RESULT_WAIT_TIMEOUT
	resultCancelled       resultCode = C.DMS_PROGRESS_RESULT_CANCELLED
	resultPanic           resultCode = C.DMS_PROGRESS_RESULT_PANIC
)

// name is the symbolic name the library gives the code ("DMS_PROGRESS_RESULT_TIMEOUT").
func (r resultCode) name() string {
	return C.GoString(C.dms_progress_result_name(C.uint32_t(r)))
}

// Version is the version of the native library linked into the program, e.g. "0.1.0".
func Version() string {
	return C.GoString(C.dms_progress_version())
}

// cString is a C copy of s for the duration of a call. Go strings may hold NUL bytes, which
// a C string cannot carry; such a value is refused rather than silently cut short.
func cString(s, what string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &Error{code: resultInvalidArgument, msg: "invalid argument: " + what + " contains a NUL byte"}
	}
	return C.CString(s), nil
}

// freeCString releases a string made by cString (NULL is fine).
func freeCString(p *C.char) {
	C.free(unsafe.Pointer(p))
}

// freeSecret wipes a C copy of a secret before releasing it, so the SK or a token does not
// linger in freed heap memory.
func freeSecret(p *C.char) {
	if p == nil {
		return
	}
	C.memset(unsafe.Pointer(p), 0, C.strlen(p))
	C.free(unsafe.Pointer(p))
}

// goStringOrEmpty copies a library-owned C string, "" for NULL.
func goStringOrEmpty(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// takeError turns a failed result and its error handle into a Go error, then frees the
// handle: everything needed is copied first, the attached progress included. ctxCause is
// attached to a wait timeout that came from the context's deadline.
func takeError(code C.dms_progress_result, cerr *C.dms_progress_error, ctxCause error) error {
	defer C.dms_progress_error_free(cerr)
	rc := resultCode(code)
	if cerr == nil {
		// Only possible if the library could not allocate the error; keep the code.
		return &Error{code: rc, msg: rc.name()}
	}
	msg := goStringOrEmpty(C.dms_progress_error_message(cerr))
	requestID := goStringOrEmpty(C.dms_progress_error_request_id(cerr))
	switch rc {
	case resultAPI:
		return &APIError{
			Status:    int(C.dms_progress_error_http_status(cerr)),
			Code:      goStringOrEmpty(C.dms_progress_error_api_code(cerr)),
			Message:   goStringOrEmpty(C.dms_progress_error_api_message(cerr)),
			RequestID: requestID,
			msg:       msg,
		}
	case resultTaskFailed:
		e := &TaskFailedError{msg: msg, StepIndex: -1}
		if p := C.dms_progress_error_progress(cerr); p != nil {
			e.Progress = progressFromC(p)
		}
		var idx C.size_t
		if C.dms_progress_error_failed_step(cerr, &idx) {
			e.StepIndex = int(idx)
			if e.Progress != nil && e.StepIndex < len(e.Progress.Steps) {
				e.Step = e.Progress.Steps[e.StepIndex]
			}
		}
		return e
	case resultWaitTimeout:
		e := &WaitTimeoutError{msg: msg, cause: ctxCause}
		if p := C.dms_progress_error_progress(cerr); p != nil {
			e.Last = progressFromC(p)
		}
		return e
	}
	return &Error{code: rc, msg: msg, RequestID: requestID}
}

// setterError turns the result of a config setter (which has no error handle) into an
// error naming the setting.
func setterError(code C.dms_progress_result, what string) error {
	rc := resultCode(code)
	if rc == resultOK {
		return nil
	}
	var detail string
	switch rc {
	case resultInvalidArgument:
		detail = "invalid argument: " + what + " was refused"
	case resultInvalidUTF8:
		detail = "invalid argument: " + what + " is not valid UTF-8"
	default:
		detail = "setting " + what + " failed: " + rc.name()
	}
	return &Error{code: rc, msg: detail}
}

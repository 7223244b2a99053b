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

// Defined in Go (wait.go) with //export.
extern _Bool dmsprogressGoOnProgress(void *userdata, dms_progress_progress *progress);

// Sets the Go trampoline as the wait's callback, with a runtime/cgo.Handle as userdata: the
// handle is a number, so no Go pointer is ever stored in C.
dms_progress_result dmsprogress_set_go_callback(dms_progress_wait_options *options, uintptr_t handle,
		dms_progress_error **err_out) {
	return dms_progress_wait_options_set_callback(options,
		(dms_progress_progress_callback)dmsprogressGoOnProgress, (void *)handle, err_out);
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
	if err := refuseNUL(s, what); err != nil {
		return nil, err
	}
	return C.CString(s), nil
}

// refuseNUL is the error for a string argument holding a NUL byte, nil otherwise.
func refuseNUL(s, what string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return &Error{code: resultInvalidArgument, msg: "invalid argument: " + what + " contains a NUL byte"}
	}
	return nil
}

// taskIDs are an instance id and a task id as two NUL-terminated strings in one Go buffer.
// The library only reads them during the call (it copies what it keeps), so Go memory,
// which holds no Go pointer, may be passed to it (cgo's pointer rules): no C allocation,
// and no cgo call to free one, per call.
type taskIDs struct {
	buf  []byte
	task int // offset of the task id in buf
}

func newTaskIDs(instanceID, taskID string) (taskIDs, error) {
	if err := refuseNUL(instanceID, "instance id"); err != nil {
		return taskIDs{}, err
	}
	if err := refuseNUL(taskID, "task id"); err != nil {
		return taskIDs{}, err
	}
	buf := make([]byte, len(instanceID)+1+len(taskID)+1)
	copy(buf, instanceID)
	copy(buf[len(instanceID)+1:], taskID)
	return taskIDs{buf: buf, task: len(instanceID) + 1}, nil
}

func (ids taskIDs) instance() *C.char { return (*C.char)(unsafe.Pointer(&ids.buf[0])) }
func (ids taskIDs) taskID() *C.char   { return (*C.char)(unsafe.Pointer(&ids.buf[ids.task])) }

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

// check is nil for success, else the error a fallible C function reported through its
// err_out (which it frees).
func check(rc C.dms_progress_result, cerr *C.dms_progress_error) error {
	if rc == C.DMS_PROGRESS_RESULT_OK {
		return nil
	}
	return takeError(rc, cerr, nil)
}

// takeError turns a failed result and its error handle into a Go error, then frees the
// handle: everything needed is copied first, the attached progress included. ctxCause is
// attached to a wait timeout that came from the context's deadline.
func takeError(code C.dms_progress_result, cerr *C.dms_progress_error, ctxCause error) error {
	defer C.dms_progress_error_free(cerr)
	if cerr == nil {
		// The library always fills err_out when given one: a bug, keep the code.
		return &Error{code: resultPanic, msg: resultCode(code).name() + " without an error handle"}
	}
	d := detail{
		code:      resultCode(C.dms_progress_error_result(cerr)),
		msg:       goStringOrEmpty(C.dms_progress_error_message(cerr)),
		requestID: goStringOrEmpty(C.dms_progress_error_request_id(cerr)),
		retryable: bool(C.dms_progress_error_is_retryable(cerr)),
		status:    int(C.dms_progress_error_http_status(cerr)),
		apiCode:   goStringOrEmpty(C.dms_progress_error_api_code(cerr)),
		apiMsg:    goStringOrEmpty(C.dms_progress_error_api_message(cerr)),
		failed:    -1,
		ctxCause:  ctxCause,
	}
	if p := C.dms_progress_error_progress(cerr); p != nil {
		d.progress = progressFromC(p)
	}
	var idx C.size_t
	if C.dms_progress_error_failed_step(cerr, &idx) {
		d.failed = int(idx)
	}
	return d.err()
}

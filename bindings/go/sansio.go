package dmsprogress

/*
#include <stdlib.h>
#include "dms_progress.h"
*/
import "C"

import (
	"net/http"
	"runtime"
	"time"
	"unsafe"
)

// The sans-IO half of the library, for programs that send requests with their own HTTP
// stack: build a signed request description, then decode the response they fetched.

// Request is a signed GET .../progress request, to be sent exactly as described.
type Request struct {
	Method string
	URL    string
	// Header holds every header to send, Host included (set it as req.Host in net/http).
	// The Authorization or X-Auth-Token value is a credential: do not log it.
	Header http.Header
}

// BuildRequest builds the signed request for instanceID and taskID as signed at time at
// (the gateway refuses a clock more than 15 minutes off). cfg is resolved as by NewClient,
// environment and profile file included, but no connection is made.
func BuildRequest(cfg Config, instanceID, taskID string, at time.Time) (*Request, error) {
	if at.Unix() < 0 {
		return nil, invalidArgument("time is before 1970")
	}
	ccfg, err := newCConfig(&cfg)
	if err != nil {
		return nil, err
	}
	defer C.dms_progress_config_free(ccfg)
	cInstance, err := cString(instanceID, "instance id")
	if err != nil {
		return nil, err
	}
	defer freeCString(cInstance)
	cTask, err := cString(taskID, "task id")
	if err != nil {
		return nil, err
	}
	defer freeCString(cTask)
	var req *C.dms_progress_request
	var cerr *C.dms_progress_error
	if rc := C.dms_progress_build_request(ccfg, cInstance, cTask, C.uint64_t(at.Unix()), &req, &cerr); rc != C.DMS_PROGRESS_RESULT_OK {
		return nil, takeError(rc, cerr, nil)
	}
	defer C.dms_progress_request_free(req)
	out := &Request{
		Method: goStringOrEmpty(C.dms_progress_request_method(req)),
		URL:    goStringOrEmpty(C.dms_progress_request_url(req)),
		Header: http.Header{},
	}
	n := int(C.dms_progress_request_header_count(req))
	for i := range n {
		name := C.dms_progress_request_header_name(req, C.size_t(i))
		value := C.dms_progress_request_header_value(req, C.size_t(i))
		if name == nil || value == nil {
			continue
		}
		out.Header.Add(C.GoString(name), C.GoString(value))
	}
	return out, nil
}

// DecodeResponse decodes a response fetched by the caller: a 2xx becomes a Progress,
// anything else an *APIError (status, code, message and the request id from the
// X-Request-Id header), a 2xx body that cannot be decoded an error matching ErrDecode.
func DecodeResponse(status int, header http.Header, body []byte) (*Progress, error) {
	if status < 0 || status > 0xFFFF {
		return nil, invalidArgument("HTTP status out of range")
	}
	// Only X-Request-Id and Retry-After are read; pass just those.
	var names, values []*C.char
	for _, key := range []string{"X-Request-Id", "Retry-After"} {
		v := header.Get(key)
		if v == "" {
			continue
		}
		cv, err := cString(v, key+" header")
		if err != nil {
			continue // a NUL inside a header value: drop the header, not the response
		}
		names = append(names, C.CString(key))
		values = append(values, cv)
	}
	// Arrays of C pointers must live in C memory (cgo pointer rules).
	var cNames, cValues **C.char
	if len(names) > 0 {
		size := C.size_t(len(names)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))
		cNames = (**C.char)(C.malloc(size))
		cValues = (**C.char)(C.malloc(size))
		copy(unsafe.Slice(cNames, len(names)), names)
		copy(unsafe.Slice(cValues, len(values)), values)
	}
	defer func() {
		for i := range names {
			freeCString(names[i])
			freeCString(values[i])
		}
		C.free(unsafe.Pointer(cNames))
		C.free(unsafe.Pointer(cValues))
	}()
	var cBody *C.uint8_t
	if len(body) > 0 {
		cBody = (*C.uint8_t)(unsafe.Pointer(&body[0]))
	}
	var p *C.dms_progress_progress
	var cerr *C.dms_progress_error
	rc := C.dms_progress_decode_response(C.uint16_t(status), cNames, cValues, C.size_t(len(names)),
		cBody, C.size_t(len(body)), &p, &cerr)
	runtime.KeepAlive(body)
	r := takeOutcome(rc, p, cerr, nil)
	return r.progress, r.err
}

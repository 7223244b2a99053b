package dmsprogress

/*
#include <stdint.h>
#include "dms_progress.h"
extern dms_progress_result dmsprogress_set_go_callback(dms_progress_wait_options *options,
		uintptr_t handle, dms_progress_error **err_out);
*/
import "C"

import (
	"context"
	"fmt"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"
)

// WaitOptions says how Wait polls. A zero field is the library's default.
type WaitOptions struct {
	// Interval between polls while the task progresses (0: the library's default).
	// Retryable errors (transport, 429, 5xx) back off and poll again; Retry-After wins.
	Interval time.Duration
	// MaxWait bounds the whole wait. The context's deadline bounds it too: the earlier of
	// the two applies. With neither, the library's default maximum wait applies.
	MaxWait time.Duration
	// OnProgress, when set, is called after every successful poll with a fresh copy of the
	// progress (the callee may keep it). It runs on the goroutine making the native call
	// (the caller's own when ctx can never end), one call at a time, and never after Wait has
	// returned. Cancel the context to stop the wait from inside it. A panic in OnProgress
	// stops the wait, and Wait re-panics with the same value in the caller's goroutine once
	// the native call has returned and released everything. It must not call
	// runtime.Goexit (t.FailNow, t.Fatal).
	OnProgress func(*Progress)
}

// waitState is what the trampoline reaches through the cgo.Handle: Go memory that C only
// knows as a number.
type waitState struct {
	ctx        context.Context
	onProgress func(*Progress)

	mu        sync.Mutex
	abandoned bool // Wait has returned: call nothing any more
	last      *Progress
	panicked  bool
	panicVal  any
}

//export dmsprogressGoOnProgress
func dmsprogressGoOnProgress(userdata unsafe.Pointer, p *C.dms_progress_progress) C.bool {
	st := cgo.Handle(uintptr(userdata)).Value().(*waitState)
	// The progress is borrowed for the duration of this call only: copy it now.
	return C.bool(st.observe(progressFromC(p)))
}

// observe records p, runs OnProgress, and says whether the wait should go on. It never
// lets a panic through: unwinding into C is undefined behaviour.
func (st *waitState) observe(p *Progress) (keepGoing bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.abandoned || st.panicked {
		return false
	}
	st.last = p
	if st.onProgress != nil {
		defer func() {
			if r := recover(); r != nil {
				st.panicked, st.panicVal = true, r
				keepGoing = false
			}
		}()
		st.onProgress(p)
	}
	return st.ctx.Err() == nil
}

// finish marks the state abandoned (OnProgress will not be called again) and returns the
// last progress seen, re-panicking if OnProgress panicked.
func (st *waitState) finish() *Progress {
	st.mu.Lock()
	st.abandoned = true
	last, panicked, val := st.last, st.panicked, st.panicVal
	st.mu.Unlock()
	if panicked {
		panic(val)
	}
	return last
}

// Wait polls the task every opts.Interval until it completes (then returns the final
// progress), a step fails (*TaskFailedError, matching ErrTaskFailed), the maximum wait
// passes (*WaitTimeoutError, matching ErrWaitTimeout), or ctx ends.
//
// The maximum wait is the earlier of ctx's deadline and opts.MaxWait; with neither it is
// the library's default. When ctx's deadline ends the wait, the error is a
// *WaitTimeoutError holding the last progress seen that matches both ErrWaitTimeout and
// context.DeadlineExceeded. When ctx is cancelled, Wait returns at once (within a few
// milliseconds; the native poll loop notices within about 50 ms) an error wrapping
// context.Canceled, and the native call is told to stop.
//
// Retryable errors (transport, 429, 5xx) back off and poll again until the deadline; other
// errors (a 401, a 404, a malformed id) end the wait at once.
func (c *Client) Wait(ctx context.Context, instanceID, taskID string, opts WaitOptions) (*Progress, error) {
	const op = "wait"
	if opts.Interval < 0 {
		return nil, invalidArgument("WaitOptions.Interval must not be negative")
	}
	if opts.MaxWait < 0 {
		return nil, invalidArgument("WaitOptions.MaxWait must not be negative")
	}
	maxWait := opts.MaxWait // 0: the library's default
	deadlineFromCtx := false
	if dl, ok := ctx.Deadline(); ok {
		remaining := time.Until(dl)
		if remaining <= 0 {
			return nil, deadlineError(op, ctx, nil)
		}
		if maxWait == 0 || remaining <= maxWait {
			maxWait, deadlineFromCtx = remaining, true
		}
	}
	if ctx.Err() != nil {
		return nil, waitCtxError(op, ctx, nil)
	}

	ids, err := newTaskIDs(instanceID, taskID)
	if err != nil {
		return nil, err
	}
	k, err := c.begin(op, ctx)
	if err != nil {
		return nil, err
	}
	st := &waitState{ctx: ctx, onProgress: opts.OnProgress}
	var ctxCause error
	if deadlineFromCtx {
		ctxCause = context.DeadlineExceeded
	}
	r, returned := k.run(ctx, func() outcome {
		h := cgo.NewHandle(st)
		defer h.Delete()
		options := C.dms_progress_wait_options_new()
		defer C.dms_progress_wait_options_free(options)
		var p *C.dms_progress_progress
		var cerr *C.dms_progress_error
		err := check(C.dms_progress_wait_options_set_interval_ms(options, durationMillis(opts.Interval), &cerr), cerr)
		if err == nil {
			err = check(C.dms_progress_wait_options_set_max_wait_ms(options, durationMillis(maxWait), &cerr), cerr)
		}
		if err == nil {
			err = check(C.dmsprogress_set_go_callback(options, C.uintptr_t(h), &cerr), cerr)
		}
		if err == nil && k.token != nil {
			err = check(C.dms_progress_wait_options_set_cancel(options, k.token, &cerr), cerr)
		}
		if err != nil { // only for a NULL options handle: never
			return outcome{err: err}
		}
		rc := C.dms_progress_client_wait(k.ptr, ids.instance(), ids.taskID(), options, &p, &cerr)
		return takeOutcome(rc, p, cerr, ctxCause)
	})
	if !returned {
		last := st.finish()
		return nil, waitCtxError(op, ctx, last)
	}
	last := st.finish() // re-panics if OnProgress panicked
	if r.code == resultCancelled {
		switch {
		case ctx.Err() != nil:
			return nil, waitCtxError(op, ctx, last)
		case c.closed():
			return nil, closedError(op)
		}
	}
	return r.progress, r.err
}

// waitCtxError is Wait's error when ctx ended: a deadline is a wait timeout (with the last
// progress), a cancellation wraps context.Canceled.
func waitCtxError(op string, ctx context.Context, last *Progress) error {
	if ctx.Err() == context.DeadlineExceeded {
		return deadlineError(op, ctx, last)
	}
	return ctxError(op, ctx)
}

func deadlineError(op string, ctx context.Context, last *Progress) error {
	msg := op + ": task not finished before the context deadline"
	if last != nil && last.Percentage != nil {
		msg += fmt.Sprintf(" (last seen at %d%%)", *last.Percentage)
	}
	return &WaitTimeoutError{Last: last, msg: msg, cause: context.DeadlineExceeded}
}

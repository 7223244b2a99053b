package dmsprogress

/*
#include <stdlib.h>
#include "dms_progress.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// Client queries task progress. It holds one native client (a connection pool, the
// resolved endpoint, project and credentials) and is safe for concurrent use by any number
// of goroutines: share one. Close it when done.
type Client struct {
	// mu guards everything below. The native client is freed by whichever comes last of
	// Close and the end of the last call in flight, so it is never freed under a call.
	mu       sync.Mutex
	ptr      *C.dms_progress_client
	closing  bool
	inflight int
	// The cancel tokens of the calls in flight, which Close triggers.
	tokens map[*C.dms_progress_cancel]struct{}

	cleanup runtime.Cleanup
}

// NewClient builds a client from cfg. Unset fields fall back to the environment and the
// profile file (see Config). Nothing is sent yet.
func NewClient(cfg Config) (*Client, error) {
	ccfg, err := newCConfig(&cfg)
	if err != nil {
		return nil, err
	}
	defer C.dms_progress_config_free(ccfg)
	var ptr *C.dms_progress_client
	var cerr *C.dms_progress_error
	if rc := C.dms_progress_client_new(ccfg, &ptr, &cerr); rc != C.DMS_PROGRESS_RESULT_OK {
		return nil, takeError(rc, cerr, nil)
	}
	c := &Client{ptr: ptr, tokens: make(map[*C.dms_progress_cancel]struct{})}
	// A safety net for a forgotten Close: the cleanup holds the C pointer, not c. It can
	// only run once c is unreachable, and a call in flight keeps c reachable.
	c.cleanup = runtime.AddCleanup(c, func(p *C.dms_progress_client) {
		C.dms_progress_client_free(p)
	}, ptr)
	return c, nil
}

// Close releases the client. It returns at once; calls still running are cancelled and
// fail with an error matching ErrClosed, and the native client is freed when the last of
// them has returned (within about 50 ms, or when an HTTP attempt in flight ends, bounded
// by Config.Timeout). Calls made after Close fail with ErrClosed. Close is idempotent,
// safe to call from several goroutines (OnProgress included), and always returns nil.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return nil
	}
	c.closing = true
	for t := range c.tokens {
		C.dms_progress_cancel_trigger(t)
	}
	ptr := c.takeIfIdleLocked()
	c.mu.Unlock()
	if ptr != nil {
		C.dms_progress_client_free(ptr)
	}
	return nil
}

// takeIfIdleLocked hands out the native client for freeing once the client is closing and
// no call uses it; nil otherwise. Called with mu held.
func (c *Client) takeIfIdleLocked() *C.dms_progress_client {
	if !c.closing || c.inflight > 0 || c.ptr == nil {
		return nil
	}
	ptr := c.ptr
	c.ptr = nil
	c.cleanup.Stop()
	return ptr
}

// call is one native call in flight: the client pointer it may use and its cancel token.
type call struct {
	c     *Client
	ptr   *C.dms_progress_client
	token *C.dms_progress_cancel
}

// begin starts a native call, keeping the native client alive until end, with a fresh
// cancel token; or fails with ErrClosed.
func (c *Client) begin(op string) (*call, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing || c.ptr == nil {
		return nil, closedError(op)
	}
	t := C.dms_progress_cancel_new()
	c.tokens[t] = struct{}{}
	c.inflight++
	return &call{c: c, ptr: c.ptr, token: t}, nil
}

// cancel triggers the call's token if the call has not ended yet (end frees the token, so
// it must not be touched after that).
func (k *call) cancel() {
	k.c.mu.Lock()
	if _, live := k.c.tokens[k.token]; live {
		C.dms_progress_cancel_trigger(k.token)
	}
	k.c.mu.Unlock()
}

// closing reports whether Close has been called.
func (k *call) closing() bool {
	k.c.mu.Lock()
	defer k.c.mu.Unlock()
	return k.c.closing
}

// end frees the token and releases the native client, freeing it if Close came first and
// this was the last call. Called once, by the goroutine that made the native call, after
// the call returned.
func (k *call) end() {
	k.c.mu.Lock()
	delete(k.c.tokens, k.token)
	k.c.inflight--
	ptr := k.c.takeIfIdleLocked()
	k.c.mu.Unlock()
	C.dms_progress_cancel_free(k.token)
	if ptr != nil {
		C.dms_progress_client_free(ptr)
	}
}

func closedError(op string) error {
	return fmt.Errorf("dmsprogress: %s: %w", op, ErrClosed)
}

// outcome is what a native call produced, already copied into Go memory.
type outcome struct {
	progress *Progress
	code     resultCode
	err      error
}

// takeOutcome converts and frees what a native call returned.
func takeOutcome(rc C.dms_progress_result, p *C.dms_progress_progress, cerr *C.dms_progress_error, ctxCause error) outcome {
	if rc == C.DMS_PROGRESS_RESULT_OK {
		defer C.dms_progress_progress_free(p)
		return outcome{progress: progressFromC(p), code: resultOK}
	}
	return outcome{code: resultCode(rc), err: takeError(rc, cerr, ctxCause)}
}

// GetProgress queries the progress of taskID on instanceID once (with the configured
// retries on transport errors, 429 and 5xx).
//
// ctx is honoured promptly: when it is cancelled or its deadline passes, GetProgress
// returns at once an error wrapping ctx.Err() (errors.Is(err, context.Canceled) or
// context.DeadlineExceeded), tells the native call to stop, and leaves it to finish in the
// background (an HTTP attempt in flight ends by Config.Timeout); its result is then
// discarded and freed.
//
// Malformed ids fail with ErrInvalidArgument before anything is sent.
func (c *Client) GetProgress(ctx context.Context, instanceID, taskID string) (*Progress, error) {
	const op = "get progress"
	if ctx.Err() != nil {
		return nil, ctxError(op, ctx)
	}
	cInstance, err := cString(instanceID, "instance id")
	if err != nil {
		return nil, err
	}
	cTask, err := cString(taskID, "task id")
	if err != nil {
		freeCString(cInstance)
		return nil, err
	}
	k, err := c.begin(op)
	if err != nil {
		freeCString(cInstance)
		freeCString(cTask)
		return nil, err
	}
	done := make(chan outcome, 1)
	go func() {
		defer k.end()
		defer freeCString(cInstance)
		defer freeCString(cTask)
		var p *C.dms_progress_progress
		var cerr *C.dms_progress_error
		rc := C.dms_progress_client_get_progress(k.ptr, cInstance, cTask, k.token, &p, &cerr)
		runtime.KeepAlive(c)
		done <- takeOutcome(rc, p, cerr, nil)
	}()

	select {
	case r := <-done:
		if r.code == resultCancelled {
			return nil, cancelledError(op, ctx, k, r.err)
		}
		return r.progress, r.err
	case <-ctx.Done():
		k.cancel()
		return nil, ctxError(op, ctx)
	}
}

// cancelledError explains a native CANCELLED result: the context, Close, or neither.
func cancelledError(op string, ctx context.Context, k *call, native error) error {
	switch {
	case ctx.Err() != nil:
		return ctxError(op, ctx)
	case k.closing():
		return closedError(op)
	}
	return native
}

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
	"sync/atomic"
	"time"
)

// maxAbandoned bounds, per client, the native calls still running after their Go caller
// returned because its context ended (each holds an OS thread and maybe a socket until its
// HTTP attempt ends). Past it, calls fail fast with ErrOverloaded instead of piling up
// threads until the process dies of thread exhaustion.
const maxAbandoned = 64

// Client queries task progress. It holds one native client (a connection pool, the
// resolved endpoint, project and credentials) and is safe for concurrent use by any number
// of goroutines: share one. Close it when done.
type Client struct {
	// mu guards ptr, the client's own reference to the native client (nil once closed).
	// Every call takes a reference of its own (dms_progress_client_clone) under mu, so
	// Close never frees the native client under a call: the library does, when the last
	// reference goes.
	mu  sync.Mutex
	ptr *C.dms_progress_client

	// What the library resolved at creation, copied.
	endpoint, projectID, accessKeyID, credentialSource, projectIDSource string
	temporaryCredentials                                                bool
	credentialsExpireAt                                                 time.Time

	// abandoned counts the native calls of this client still running after their caller
	// left (see maxAbandoned).
	abandoned atomic.Int32

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
	if err := check(C.dms_progress_client_new(ccfg, &ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	c := &Client{
		ptr:                  ptr,
		endpoint:             goStringOrEmpty(C.dms_progress_client_endpoint(ptr)),
		projectID:            goStringOrEmpty(C.dms_progress_client_project_id(ptr)),
		accessKeyID:          goStringOrEmpty(C.dms_progress_client_access_key_id(ptr)),
		credentialSource:     goStringOrEmpty(C.dms_progress_client_credential_source(ptr)),
		temporaryCredentials: bool(C.dms_progress_client_temporary_credentials(ptr)),
		projectIDSource:      goStringOrEmpty(C.dms_progress_client_project_id_source(ptr)),
	}
	if ms := int64(C.dms_progress_client_credentials_expire_at(ptr)); ms != 0 {
		c.credentialsExpireAt = time.UnixMilli(ms).UTC()
	}
	// A safety net for a forgotten Close: the cleanup holds the C pointer, not c. It can
	// only run once c is unreachable, and calls in flight hold references of their own.
	c.cleanup = runtime.AddCleanup(c, func(p *C.dms_progress_client) {
		C.dms_progress_client_free(p)
	}, ptr)
	return c, nil
}

// Endpoint is the endpoint requests go to, as the library resolved it
// ("https://dms.cn-north-4.myhuaweicloud.com").
func (c *Client) Endpoint() string { return c.endpoint }

// ProjectID is the project id requests are made for (explicit, environment or profile).
func (c *Client) ProjectID() string { return c.projectID }

// AccessKeyID is the access key id requests are signed with; "" with an IAM token. The
// secret key and tokens are never exposed.
func (c *Client) AccessKeyID() string { return c.accessKeyID }

// CredentialSource says where the credentials came from, by the library's name of the
// source: "explicit", "environment", "profile", "oidc", "federation", "pod-identity",
// "metadata" or "iam-token".
func (c *Client) CredentialSource() string { return c.credentialSource }

// TemporaryCredentials reports whether the credentials expire: issued by a service (and
// refreshed by the library before they do), an access key pair with a security token, or
// an IAM token.
func (c *Client) TemporaryCredentials() bool { return c.temporaryCredentials }

// CredentialsExpireAt is when the credentials the client was built with expire (UTC), and
// false when that is not known (long-lived keys, a static security token). Credentials a
// service issued are refreshed before they expire: this is the first expiry.
func (c *Client) CredentialsExpireAt() (time.Time, bool) {
	return c.credentialsExpireAt, !c.credentialsExpireAt.IsZero()
}

// ProjectIDSource is where the project id came from: "explicit", "environment", "profile"
// or "iam" (looked up from the region).
func (c *Client) ProjectIDSource() string { return c.projectIDSource }

// Close releases the client. It returns at once; calls still running are cancelled and
// fail with an error matching ErrClosed, and the native client is freed by the library
// when the last of them has returned. Calls made after Close fail with ErrClosed. Close is
// idempotent, safe to call from several goroutines (OnProgress included), and always
// returns nil.
func (c *Client) Close() error {
	c.mu.Lock()
	ptr := c.ptr
	c.ptr = nil
	c.mu.Unlock()
	if ptr != nil {
		c.cleanup.Stop()
		C.dms_progress_client_cancel_all(ptr)
		C.dms_progress_client_free(ptr)
	}
	return nil
}

// closed reports whether Close has been called.
func (c *Client) closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ptr == nil
}

// call is one native call: its own reference to the native client and, when the caller's
// context can end, its cancel token.
type call struct {
	c     *Client
	ptr   *C.dms_progress_client
	token *C.dms_progress_cancel // nil when the context can never end: the call runs inline

	// mu orders abandon and end: the token is triggered only while the call runs.
	mu       sync.Mutex
	finished bool // the native call returned (end ran)
	left     bool // the caller returned first (abandon ran)
}

// begin starts a native call for a caller whose context is ctx, with its own client
// reference and, when ctx can end, a fresh cancel token; or fails with ErrClosed, or
// ErrOverloaded past maxAbandoned.
func (c *Client) begin(op string, ctx context.Context) (*call, error) {
	if c.abandoned.Load() >= maxAbandoned {
		return nil, fmt.Errorf("dmsprogress: %s: %w", op, ErrOverloaded)
	}
	c.mu.Lock()
	if c.ptr == nil {
		c.mu.Unlock()
		return nil, closedError(op)
	}
	k := &call{c: c, ptr: C.dms_progress_client_clone(c.ptr)}
	c.mu.Unlock()
	if ctx.Done() != nil {
		k.token = C.dms_progress_cancel_new()
	}
	return k, nil
}

// run makes the native call (native, which uses k) and returns its outcome; false when the
// caller's context ended first, the call then abandoned (told to stop, left to finish in the
// background). It ends the call either way.
//
// A call without a cancel token (its context can never end: Background, TODO, WithoutCancel)
// runs on the caller's goroutine, since nothing could make the caller return before it;
// Close still reaches it (dms_progress_client_cancel_all). Any other call runs on a goroutine
// of its own while the caller waits for it or for the context, so that the caller returns as
// soon as the context ends, whatever the native call is blocked on. That hand-over costs a
// wake-up of another OS thread and a sleep of this one per call, more on loopback than the
// HTTP exchange itself: the reason for the inline case.
func (k *call) run(ctx context.Context, native func() outcome) (outcome, bool) {
	if k.token == nil {
		defer k.end()
		return native(), true
	}
	done := make(chan outcome, 1)
	go func() {
		defer k.end()
		done <- native()
	}()
	select {
	case r := <-done:
		return r, true
	case <-ctx.Done():
		k.abandon()
		return outcome{}, false
	}
}

// abandon is called when the caller returns before the native call: the call is told to
// stop and counted as running in the background until end.
func (k *call) abandon() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.finished {
		return
	}
	k.left = true
	k.c.abandoned.Add(1)
	C.dms_progress_cancel_trigger(k.token)
}

// end releases what the call held. Called once, by the goroutine that made the native call,
// after it returned. An abandoned call's goroutine also takes its OS thread down with it
// (it stays locked to it): Go keeps idle threads forever otherwise, and this one was
// created only because the call blocked.
func (k *call) end() {
	k.mu.Lock()
	k.finished = true
	left := k.left
	k.mu.Unlock()
	if k.token != nil {
		C.dms_progress_cancel_free(k.token)
	}
	C.dms_progress_client_free(k.ptr)
	if left {
		k.c.abandoned.Add(-1)
		runtime.LockOSThread()
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
// context.DeadlineExceeded) and tells the native call to stop; its result is then
// discarded and freed. While too many such calls are still finishing on this client,
// GetProgress fails fast with ErrOverloaded.
//
// Malformed ids fail with ErrInvalidArgument before anything is sent.
func (c *Client) GetProgress(ctx context.Context, instanceID, taskID string) (*Progress, error) {
	const op = "get progress"
	if ctx.Err() != nil {
		return nil, ctxError(op, ctx)
	}
	ids, err := newTaskIDs(instanceID, taskID)
	if err != nil {
		return nil, err
	}
	k, err := c.begin(op, ctx)
	if err != nil {
		return nil, err
	}
	r, returned := k.run(ctx, func() outcome { return k.getProgress(ids) })
	switch {
	case !returned:
		return nil, ctxError(op, ctx)
	case r.code == resultCancelled:
		return nil, cancelledError(op, ctx, c, r.err)
	}
	return r.progress, r.err
}

// cancelledError explains a native CANCELLED result: the context, Close, or neither.
func cancelledError(op string, ctx context.Context, c *Client, native error) error {
	switch {
	case ctx.Err() != nil:
		return ctxError(op, ctx)
	case c.closed():
		return closedError(op)
	}
	return native
}

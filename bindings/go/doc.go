// Package dmsprogress queries the progress of Huawei Cloud DMS for Kafka background tasks
// (ShowBackgroundTaskProgress: GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress),
// the call that tells how far a Kafka capacity expansion has got.
//
// It is a thin cgo layer over the dms-progress native library (the same client the C API,
// the Python package and the command-line tool use): endpoints, AK/SK signing, retries,
// decoding and the wait policy all live there; this package translates types. The static
// library is linked in, so programs need no shared library at run time.
//
// # Building
//
// The package needs cgo (a C compiler, CGO_ENABLED=1) and the installed native library,
// which it finds with pkg-config (dms_progress_static.pc). Install it from the release
// tarball (dms-progress-VERSION-x86_64-linux.tar.gz, unpacked anywhere) or from a checkout
// of the repository, then point pkg-config at it unless the prefix is a system one:
//
//	make -C bindings/c install PREFIX=$HOME/.local
//	export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig
//	go build ./...
//
// The Go build cache does not track C libraries: after installing another build of the
// library, run go clean -cache (or build with -a). A program linked with a library of
// another version than the dms_progress.h it was compiled against panics at start-up saying
// so. Inside the repository, scripts/go.sh runs go against the checkout's own library.
//
// # Usage
//
//	c, err := dmsprogress.NewClient(dmsprogress.Config{Region: "cn-north-4"})
//	if err != nil { ... }
//	defer c.Close()
//	p, err := c.GetProgress(ctx, instanceID, taskID)
//	p, err = c.Wait(ctx, instanceID, taskID, dmsprogress.WaitOptions{
//		Interval:   10 * time.Second,
//		OnProgress: func(p *dmsprogress.Progress) { ... },
//	})
//
// The background tasks of an instance: ListTasks (one page), AllTasks (every page, walked by
// the library), ShowTask, DeleteTask, and RunningExpansion (the task to watch, as the
// library picks it):
//
//	x, err := c.RunningExpansion(ctx, instanceID)
//	if err == nil && x.Running {
//		p, err = c.Wait(ctx, instanceID, x.Task.ID, dmsprogress.WaitOptions{})
//	}
//
// Unset Config fields come from the environment (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_SECURITY_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID) and the credentials profile
// file, as the official SDKs do.
//
// # Errors
//
// Every failure matches one sentinel with errors.Is: ErrInvalidArgument, ErrConfig,
// ErrTransport, ErrTimeout, ErrAPI, ErrDecode, ErrTaskFailed, ErrWaitTimeout, ErrClosed,
// ErrOverloaded or ErrInternal; or wraps context.Canceled / context.DeadlineExceeded. Each
// result code of the C API maps to one of them (one table, checked against the header);
// messages are the native library's. The detail is in the
// concrete types, reached with errors.As: *APIError (HTTP status, service error code and
// message, request id), *TaskFailedError (the progress and the failed step),
// *WaitTimeoutError (the last progress seen) and *Error. No message contains a secret.
//
// # Contexts
//
// GetProgress and Wait return promptly when their context is cancelled or its deadline
// passes; the native call is told to stop and finishes in the background, its result
// freed and its OS thread ended with it. What a client may have finishing in the
// background is bounded: past the bound, calls fail fast with ErrOverloaded. Wait's
// maximum wait is the earlier of the context's deadline and WaitOptions.MaxWait, else the
// library's default; a context deadline that ends the wait gives a *WaitTimeoutError that
// matches context.DeadlineExceeded too.
//
// # Concurrency and lifetime
//
// A Client is safe for concurrent use; share one (it keeps a connection pool). Close
// releases it: idempotent and non-blocking, it cancels calls in flight (they fail with
// ErrClosed) and the native client, reference counted by the library, is freed when the
// last of them has returned. A client that becomes unreachable without Close is released
// by a cleanup, as a safety net only. What the client resolved is readable: Endpoint,
// ProjectID, AccessKeyID, CredentialSource, TemporaryCredentials.
package dmsprogress

package dmsprogress_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
	"github.com/dms-progress/dms-progress/bindings/go/emulatortest"
)

// The test scenario: short tasks so the suite finishes fast. Times are relative to the
// emulator's start (TestMain).
const (
	project  = "0123456789abcdef0123456789abcdef"
	instance = "11111111-2222-3333-4444-555555555555"

	taskDone    = "ff8080818d1b2a3c018d1b2a3c4d1001" // finished an hour ago
	taskQuick   = "ff8080818d1b2a3c018d1b2a3c4d1002" // done ~2 s after start
	taskFailing = "ff8080818d1b2a3c018d1b2a3c4d1003" // disk_expansion fails ~1 s after start
	taskLong    = "ff8080818d1b2a3c018d1b2a3c4d1004" // runs for an hour
)

var scenario = fmt.Sprintf(`{
  "project_id": %q,
  "instances": [{
    "instance_id": %q,
    "tasks": [
      {"task_id": %q, "started_seconds_ago": 3600,
       "steps": [{"name": "pre_check", "seconds": 40}, {"name": "disk_expansion", "seconds": 300}]},
      {"task_id": %q,
       "steps": [{"name": "pre_check", "seconds": 0.6}, {"name": "disk_expansion", "seconds": 0.6},
                 {"name": "rolling_scaling", "seconds": 0.6}]},
      {"task_id": %q,
       "steps": [{"name": "pre_check", "seconds": 0.4}, {"name": "disk_expansion", "seconds": 0.6, "fails": true},
                 {"name": "rolling_scaling", "seconds": 1}]},
      {"task_id": %q,
       "steps": [{"name": "pre_check", "seconds": 1}, {"name": "disk_expansion", "seconds": 3600}]}
    ]
  }]
}`, project, instance, taskDone, taskQuick, taskFailing, taskLong)

var emu *emulatortest.Emulator

// The IAM token the emulator accepts besides the demo AK/SK.
const iamToken = "MIIT-test-iam-token-for-the-emulator"

func TestMain(m *testing.M) {
	var err error
	emu, err = emulatortest.Start(scenario, "--iam-token", iamToken)
	if err != nil {
		// Fail, never skip: a missing emulator must not look like a green run.
		fmt.Fprintln(os.Stderr, "FAIL: cannot start dms-emulator:", err)
		os.Exit(1)
	}
	code := m.Run()
	emu.Stop()
	os.Exit(code)
}

func config() dmsprogress.Config {
	return dmsprogress.Config{
		Endpoint:          emu.Endpoint,
		ProjectID:         project,
		AccessKey:         emulatortest.DemoAK,
		SecretKey:         emulatortest.DemoSK,
		IgnoreEnvironment: true,
	}
}

func newClient(t *testing.T, cfg dmsprogress.Config) *dmsprogress.Client {
	t.Helper()
	c, err := dmsprogress.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// unusedEndpoint is an http endpoint nothing listens on.
func unusedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestVersion(t *testing.T) {
	if v := dmsprogress.Version(); v == "" || !strings.Contains(v, ".") {
		t.Fatalf("Version() = %q", v)
	}
}

func TestEmulatorTasksMatchScenario(t *testing.T) {
	if len(emu.Tasks) != 4 || emu.Tasks[0].TaskID != taskDone || emu.Tasks[0].ProjectID != project ||
		emu.Tasks[0].InstanceID != instance {
		t.Fatalf("emulator tasks = %+v", emu.Tasks)
	}
}

func TestGetProgressFinished(t *testing.T) {
	c := newClient(t, config())
	p, err := c.GetProgress(context.Background(), instance, taskDone)
	if err != nil {
		t.Fatalf("GetProgress: %v", err)
	}
	if p.Percentage == nil || *p.Percentage != 100 {
		t.Fatalf("Percentage = %v", p.Percentage)
	}
	if !p.IsComplete() {
		t.Fatalf("IsComplete() = false for %+v", p)
	}
	if _, failed := p.FailedStep(); failed {
		t.Fatal("FailedStep() reports a failure")
	}
	if len(p.Steps) != 2 || p.Steps[0].Name != "pre_check" || p.Steps[1].Name != "disk_expansion" {
		t.Fatalf("Steps = %+v", p.Steps)
	}
	for _, s := range p.Steps {
		if s.Status != dmsprogress.StepCompleted || !s.Status.Known() {
			t.Errorf("step %s: status %q", s.Name, s.Status)
		}
		if s.Start == nil || s.End == nil || !s.End.After(*s.Start) {
			t.Errorf("step %s: start %v end %v", s.Name, s.Start, s.End)
		}
		if time.Since(*s.Start) > 2*time.Hour || time.Since(*s.Start) < 0 {
			t.Errorf("step %s: start %v is not about an hour ago", s.Name, s.Start)
		}
	}
}

func TestGetProgressRunning(t *testing.T) {
	c := newClient(t, config())
	p, err := c.GetProgress(context.Background(), instance, taskLong)
	if err != nil {
		t.Fatalf("GetProgress: %v", err)
	}
	if p.IsComplete() {
		t.Fatal("a running task reported complete")
	}
	if p.Percentage == nil || *p.Percentage >= 100 {
		t.Fatalf("Percentage = %v", p.Percentage)
	}
	if p.RemainTime == nil || *p.RemainTime <= 0 {
		t.Fatalf("RemainTime = %v", p.RemainTime)
	}
	last := p.Steps[len(p.Steps)-1]
	if last.Name != "disk_expansion" || last.End != nil {
		t.Fatalf("last step = %+v", last)
	}
}

func TestWaitToCompletionWithCallback(t *testing.T) {
	c := newClient(t, config())
	var mu sync.Mutex
	var seen []*dmsprogress.Progress
	p, err := c.Wait(context.Background(), instance, taskQuick, dmsprogress.WaitOptions{
		Interval: 100 * time.Millisecond,
		MaxWait:  30 * time.Second,
		OnProgress: func(p *dmsprogress.Progress) {
			mu.Lock()
			seen = append(seen, p)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if !p.IsComplete() || *p.Percentage != 100 || len(p.Steps) != 3 {
		t.Fatalf("final progress = %+v", p)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("OnProgress was never called")
	}
	if !seen[len(seen)-1].IsComplete() {
		t.Fatal("OnProgress did not see the completed progress last")
	}
	prev := -1
	for _, s := range seen {
		if s.Percentage == nil || *s.Percentage < prev {
			t.Fatalf("percentages not monotonic: %v after %d", s.Percentage, prev)
		}
		prev = *s.Percentage
	}
}

func TestWaitTaskFailed(t *testing.T) {
	c := newClient(t, config())
	p, err := c.Wait(context.Background(), instance, taskFailing, dmsprogress.WaitOptions{
		Interval: 100 * time.Millisecond,
		MaxWait:  30 * time.Second,
	})
	if p != nil {
		t.Fatalf("Wait returned a progress with a failed task: %+v", p)
	}
	if !errors.Is(err, dmsprogress.ErrTaskFailed) {
		t.Fatalf("err = %v, want ErrTaskFailed", err)
	}
	var tf *dmsprogress.TaskFailedError
	if !errors.As(err, &tf) {
		t.Fatalf("err %T is not a *TaskFailedError", err)
	}
	if tf.StepIndex != 1 || tf.Step.Name != "disk_expansion" || tf.Step.Status != dmsprogress.StepFailed {
		t.Fatalf("failed step = %d %+v", tf.StepIndex, tf.Step)
	}
	if idx, ok := tf.Progress.FailedStep(); !ok || idx != 1 {
		t.Fatalf("Progress.FailedStep() = %d, %v", idx, ok)
	}
	if !strings.Contains(err.Error(), "disk_expansion") {
		t.Fatalf("message does not name the step: %q", err)
	}
	if errors.Is(err, dmsprogress.ErrAPI) || errors.Is(err, dmsprogress.ErrWaitTimeout) {
		t.Fatalf("err matches unrelated sentinels: %v", err)
	}
}

func TestAPIError401WithRequestID(t *testing.T) {
	cfg := config()
	cfg.SecretKey = "definitely-not-the-right-secret"
	c := newClient(t, cfg)
	_, err := c.GetProgress(context.Background(), instance, taskDone)
	var apiErr *dmsprogress.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *APIError", err, err)
	}
	if !errors.Is(err, dmsprogress.ErrAPI) {
		t.Fatal("errors.Is(err, ErrAPI) = false")
	}
	if apiErr.Status != 401 || apiErr.Code != "APIGW.0301" {
		t.Fatalf("status %d code %q", apiErr.Status, apiErr.Code)
	}
	if apiErr.RequestID == "" || !strings.Contains(err.Error(), apiErr.RequestID) {
		t.Fatalf("request id %q missing from %q", apiErr.RequestID, err)
	}
	if apiErr.Retryable() {
		t.Fatal("a 401 is not retryable")
	}
	if strings.Contains(err.Error(), cfg.SecretKey) || strings.Contains(apiErr.Message, cfg.SecretKey) {
		t.Fatal("the error message contains the secret key")
	}

	// Wait ends at once on a non-retryable error.
	start := time.Now()
	_, err = c.Wait(context.Background(), instance, taskDone, dmsprogress.WaitOptions{Interval: 50 * time.Millisecond})
	if !errors.As(err, &apiErr) || apiErr.Status != 401 {
		t.Fatalf("Wait err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("Wait took %v on a 401", time.Since(start))
	}
}

func TestAPIError404(t *testing.T) {
	c := newClient(t, config())
	_, err := c.GetProgress(context.Background(), instance, "ff8080818d1b2a3c018d1b2a3c4dffff")
	var apiErr *dmsprogress.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *APIError", err, err)
	}
	if apiErr.Status != 404 || !strings.HasPrefix(apiErr.Code, "DMS.") || apiErr.RequestID == "" {
		t.Fatalf("404 error = %+v", apiErr)
	}
	_, err = c.GetProgress(context.Background(), "99999999-2222-3333-4444-555555555555", taskDone)
	if !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Fatalf("unknown instance: err = %v", err)
	}
}

func TestWaitContextCancel(t *testing.T) {
	c := newClient(t, config())
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{}, 100)
	go func() {
		<-calls // cancel once the wait is well under way
		time.Sleep(200 * time.Millisecond)
		cancel()
	}()
	var cancelledAt time.Time
	var mu sync.Mutex
	go func() {
		<-ctx.Done()
		mu.Lock()
		cancelledAt = time.Now()
		mu.Unlock()
	}()
	_, err := c.Wait(ctx, instance, taskLong, dmsprogress.WaitOptions{
		Interval:   5 * time.Second, // cancelled while sleeping between polls
		OnProgress: func(*dmsprogress.Progress) { calls <- struct{}{} },
	})
	returned := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if errors.Is(err, dmsprogress.ErrWaitTimeout) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a cancellation matches a timeout: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if cancelledAt.IsZero() {
		cancelledAt = returned
	}
	if d := returned.Sub(cancelledAt); d > time.Second {
		t.Fatalf("Wait returned %v after the cancellation", d)
	}
}

func TestWaitCancelFromOnProgress(t *testing.T) {
	c := newClient(t, config())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	_, err := c.Wait(ctx, instance, taskLong, dmsprogress.WaitOptions{
		Interval:   50 * time.Millisecond,
		OnProgress: func(*dmsprogress.Progress) { n++; cancel() },
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if n != 1 {
		t.Fatalf("OnProgress called %d times after cancelling", n)
	}
}

func TestWaitContextDeadline(t *testing.T) {
	c := newClient(t, config())
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Wait(ctx, instance, taskLong, dmsprogress.WaitOptions{Interval: 100 * time.Millisecond})
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, dmsprogress.ErrWaitTimeout) {
		t.Fatalf("err = %v, want DeadlineExceeded and ErrWaitTimeout", err)
	}
	var wt *dmsprogress.WaitTimeoutError
	if !errors.As(err, &wt) || wt.Last == nil || wt.Last.IsComplete() {
		t.Fatalf("WaitTimeoutError = %+v", wt)
	}
	if elapsed < 600*time.Millisecond || elapsed > 3*time.Second {
		t.Fatalf("Wait returned after %v with a 700 ms deadline", elapsed)
	}
}

func TestWaitMaxWait(t *testing.T) {
	c := newClient(t, config())
	_, err := c.Wait(context.Background(), instance, taskLong, dmsprogress.WaitOptions{
		Interval: 100 * time.Millisecond,
		MaxWait:  400 * time.Millisecond,
	})
	if !errors.Is(err, dmsprogress.ErrWaitTimeout) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrWaitTimeout only", err)
	}
	var wt *dmsprogress.WaitTimeoutError
	if !errors.As(err, &wt) || wt.Last == nil || wt.Last.Percentage == nil {
		t.Fatalf("WaitTimeoutError = %+v", wt)
	}
}

func TestContextAlreadyDone(t *testing.T) {
	c := newClient(t, config())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.GetProgress(ctx, instance, taskDone); !errors.Is(err, context.Canceled) {
		t.Fatalf("GetProgress err = %v", err)
	}
	if _, err := c.Wait(ctx, instance, taskDone, dmsprogress.WaitOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait err = %v", err)
	}
	past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if _, err := c.Wait(past, instance, taskDone, dmsprogress.WaitOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait past deadline err = %v", err)
	}
}

// A server that accepts the request and never answers: the native call is inside an HTTP
// attempt (30 s timeout) when the context ends.
func hangingServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})}
	go srv.Serve(l)
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return "http://" + l.Addr().String()
}

func TestGetProgressCancelInFlight(t *testing.T) {
	cfg := config()
	cfg.Endpoint = hangingServer(t)
	cfg.Timeout = 10 * time.Second
	c := newClient(t, cfg)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetProgress(ctx, instance, taskDone)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 1300*time.Millisecond {
		t.Fatalf("GetProgress returned after %v with a 300 ms deadline", d)
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel2)
	start = time.Now()
	_, err = c.Wait(ctx2, instance, taskDone, dmsprogress.WaitOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait err = %v, want Canceled", err)
	}
	if d := time.Since(start); d > 1200*time.Millisecond {
		t.Fatalf("Wait returned after %v", d)
	}
}

func TestInvalidIDsBeforeAnyRequest(t *testing.T) {
	// Nothing listens there: an attempted request would be a transport error.
	cfg := config()
	cfg.Endpoint = unusedEndpoint(t)
	cfg.Retries = -1
	c := newClient(t, cfg)
	ctx := context.Background()
	bad := []struct{ instance, task string }{
		{"", taskDone},
		{instance, ""},
		{"a/b", taskDone},
		{instance, "x?y"},
		{instance, "with space"},
		{instance, "nul\x00byte"},
		{instance, "bad\xffutf8"},
	}
	for _, b := range bad {
		if _, err := c.GetProgress(ctx, b.instance, b.task); !errors.Is(err, dmsprogress.ErrInvalidArgument) {
			t.Errorf("GetProgress(%q, %q) err = %v, want ErrInvalidArgument", b.instance, b.task, err)
		}
		if _, err := c.Wait(ctx, b.instance, b.task, dmsprogress.WaitOptions{}); !errors.Is(err, dmsprogress.ErrInvalidArgument) {
			t.Errorf("Wait(%q, %q) err = %v, want ErrInvalidArgument", b.instance, b.task, err)
		}
	}
	if _, err := c.Wait(ctx, instance, taskDone, dmsprogress.WaitOptions{Interval: -time.Second}); !errors.Is(err, dmsprogress.ErrInvalidArgument) {
		t.Errorf("negative interval: err = %v", err)
	}
	// The same client does reach the network for valid ids.
	if _, err := c.GetProgress(ctx, instance, taskDone); !errors.Is(err, dmsprogress.ErrTransport) {
		t.Errorf("valid ids: err = %v, want ErrTransport", err)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		cfg  dmsprogress.Config
		want error
	}{
		{"no endpoint", dmsprogress.Config{ProjectID: project, AccessKey: "a", SecretKey: "b", IgnoreEnvironment: true}, dmsprogress.ErrConfig},
		{"no credentials", dmsprogress.Config{Endpoint: "http://127.0.0.1:1", ProjectID: project, IgnoreEnvironment: true}, dmsprogress.ErrConfig},
		{"AK without SK", dmsprogress.Config{Endpoint: "http://127.0.0.1:1", ProjectID: project, AccessKey: "a", IgnoreEnvironment: true}, dmsprogress.ErrConfig},
		{"SK without AK", dmsprogress.Config{Endpoint: "http://127.0.0.1:1", ProjectID: project, SecretKey: "b", IgnoreEnvironment: true}, dmsprogress.ErrConfig},
		{"IAM token and AK/SK", dmsprogress.Config{Endpoint: "http://127.0.0.1:1", ProjectID: project, AccessKey: "a", SecretKey: "b", IAMToken: "t", IgnoreEnvironment: true}, dmsprogress.ErrConfig},
		{"bad CA file", dmsprogress.Config{Endpoint: "http://127.0.0.1:1", ProjectID: project, AccessKey: "a", SecretKey: "b", CAFile: "/nonexistent/ca.pem", IgnoreEnvironment: true}, dmsprogress.ErrConfig},
		{"no project", dmsprogress.Config{Endpoint: "http://127.0.0.1:1", AccessKey: "a", SecretKey: "b", IgnoreEnvironment: true}, dmsprogress.ErrConfig},
		{"bad endpoint", dmsprogress.Config{Endpoint: "ftp://x y", ProjectID: project, AccessKey: "a", SecretKey: "b", IgnoreEnvironment: true}, dmsprogress.ErrInvalidArgument},
		{"unknown region", dmsprogress.Config{Region: "xx-nowhere-9", ProjectID: project, AccessKey: "a", SecretKey: "b", IgnoreEnvironment: true}, dmsprogress.ErrInvalidArgument},
		{"negative timeout", dmsprogress.Config{Endpoint: "http://127.0.0.1:1", Timeout: -1}, dmsprogress.ErrInvalidArgument},
		{"NUL in project", dmsprogress.Config{Endpoint: "http://127.0.0.1:1", ProjectID: "a\x00b"}, dmsprogress.ErrInvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dmsprogress.NewClient(tc.cfg)
			if c != nil {
				c.Close()
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// The secret key never shows up in a config error.
	_, err := dmsprogress.NewClient(dmsprogress.Config{AccessKey: "AK", SecretKey: "TOPSECRETSK", IgnoreEnvironment: true})
	if err == nil || strings.Contains(err.Error(), "TOPSECRETSK") {
		t.Fatalf("err = %v", err)
	}
}

func TestRegionEndpoint(t *testing.T) {
	req, err := dmsprogress.BuildRequest(dmsprogress.Config{
		Region: "eu-west-101", ProjectID: project, AccessKey: "AccessKey", SecretKey: "SecretKey",
		IgnoreEnvironment: true,
	}, instance, taskDone, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := "https://dms.eu-west-101.myhuaweicloud.eu/v2/" + project + "/instances/" + instance + "/tasks/" + taskDone + "/progress"
	if req.URL != want {
		t.Fatalf("URL = %q, want %q", req.URL, want)
	}
}

func TestTransportError(t *testing.T) {
	cfg := config()
	cfg.Endpoint = unusedEndpoint(t)
	cfg.Retries = -1
	cfg.ConnectTimeout = 2 * time.Second
	c := newClient(t, cfg)
	_, err := c.GetProgress(context.Background(), instance, taskDone)
	if !errors.Is(err, dmsprogress.ErrTransport) {
		t.Fatalf("err = %v, want ErrTransport", err)
	}
	var e *dmsprogress.Error
	if !errors.As(err, &e) || errors.Is(err, dmsprogress.ErrAPI) {
		t.Fatalf("err = %#v", err)
	}
}

func TestAttemptTimeout(t *testing.T) {
	cfg := config()
	cfg.Endpoint = hangingServer(t)
	cfg.Timeout = 200 * time.Millisecond
	cfg.Retries = -1
	c := newClient(t, cfg)
	_, err := c.GetProgress(context.Background(), instance, taskDone)
	if !errors.Is(err, dmsprogress.ErrTimeout) || !errors.Is(err, dmsprogress.ErrTransport) {
		t.Fatalf("err = %v, want ErrTimeout (and ErrTransport)", err)
	}
}

func TestManyGoroutinesShareOneClient(t *testing.T) {
	c := newClient(t, config())
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task := []string{taskDone, taskLong}[i%2]
			p, err := c.GetProgress(context.Background(), instance, task)
			if err != nil {
				errs <- err
				return
			}
			if (task == taskDone) != p.IsComplete() {
				errs <- fmt.Errorf("task %s: IsComplete %v", task, p.IsComplete())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCloseIdempotentAndConcurrent(t *testing.T) {
	c, err := dmsprogress.NewClient(config())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetProgress(context.Background(), instance, taskDone); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Close(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetProgress(context.Background(), instance, taskDone); !errors.Is(err, dmsprogress.ErrClosed) {
		t.Fatalf("GetProgress after Close: err = %v", err)
	}
	if _, err := c.Wait(context.Background(), instance, taskDone, dmsprogress.WaitOptions{}); !errors.Is(err, dmsprogress.ErrClosed) {
		t.Fatalf("Wait after Close: err = %v", err)
	}
}

func TestCloseDuringCalls(t *testing.T) {
	c, err := dmsprogress.NewClient(config())
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		_, err := c.Wait(context.Background(), instance, taskLong, dmsprogress.WaitOptions{
			Interval: 10 * time.Second,
			OnProgress: func(*dmsprogress.Progress) {
				select {
				case started <- struct{}{}:
				default:
				}
			},
		})
		done <- err
	}()
	// Gets racing with Close: each either succeeds or fails with ErrClosed, never crashes.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetProgress(context.Background(), instance, taskDone)
			if err != nil && !errors.Is(err, dmsprogress.ErrClosed) {
				t.Errorf("GetProgress racing Close: %v", err)
			}
		}()
	}
	<-started
	start := time.Now()
	c.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v with a wait in flight", d)
	}
	select {
	case err := <-done:
		if !errors.Is(err, dmsprogress.ErrClosed) {
			t.Fatalf("Wait err = %v, want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Wait did not return after Close")
	}
	wg.Wait()
}

func TestOnProgressPanicIsRepanicked(t *testing.T) {
	c := newClient(t, config())
	type boom struct{ n int }
	func() {
		defer func() {
			r := recover()
			if b, ok := r.(boom); !ok || b.n != 42 {
				t.Fatalf("recovered %v, want the callback's panic value", r)
			}
		}()
		c.Wait(context.Background(), instance, taskLong, dmsprogress.WaitOptions{
			Interval:   50 * time.Millisecond,
			OnProgress: func(*dmsprogress.Progress) { panic(boom{42}) },
		})
		t.Fatal("Wait returned instead of panicking")
	}()
	// The client is still fine.
	if _, err := c.GetProgress(context.Background(), instance, taskDone); err != nil {
		t.Fatal(err)
	}
}

func TestForgottenClientIsCleanedUp(t *testing.T) {
	for range 20 {
		c, err := dmsprogress.NewClient(config())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetProgress(context.Background(), instance, taskDone); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.GC()
}

func TestIAMToken(t *testing.T) {
	c := newClient(t, dmsprogress.Config{Endpoint: emu.Endpoint, ProjectID: project, IAMToken: iamToken, IgnoreEnvironment: true})
	if _, err := c.GetProgress(context.Background(), instance, taskDone); err != nil {
		t.Fatalf("with the IAM token: %v", err)
	}
	if c.AccessKeyID() != "" || !c.TemporaryCredentials() || c.CredentialSource() != "iam-token" {
		t.Fatalf("IAM token client: %q %v %q", c.AccessKeyID(), c.TemporaryCredentials(), c.CredentialSource())
	}
	bad := newClient(t, dmsprogress.Config{Endpoint: emu.Endpoint, ProjectID: project, IAMToken: "not-the-token", IgnoreEnvironment: true})
	_, err := bad.GetProgress(context.Background(), instance, taskDone)
	var apiErr *dmsprogress.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 {
		t.Fatalf("wrong IAM token: err = %v", err)
	}
	if strings.Contains(err.Error(), "not-the-token") {
		t.Fatal("the token shows in the error message")
	}
}

func TestCredentialsFromEnvironmentAndProfile(t *testing.T) {
	t.Setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("HUAWEICLOUD_SDK_AK", emulatortest.DemoAK)
	t.Setenv("HUAWEICLOUD_SDK_SK", emulatortest.DemoSK)
	t.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", project)
	c := newClient(t, dmsprogress.Config{Endpoint: emu.Endpoint})
	if _, err := c.GetProgress(context.Background(), instance, taskDone); err != nil {
		t.Fatalf("credentials from the environment: %v", err)
	}
	if _, known := c.CredentialsExpireAt(); known || c.ProjectIDSource() != "environment" {
		t.Fatalf("project id source %q, expiry known %v", c.ProjectIDSource(), known)
	}
	if c.AccessKeyID() != emulatortest.DemoAK || c.ProjectID() != project || c.CredentialSource() != "environment" ||
		c.TemporaryCredentials() || c.Endpoint() != emu.Endpoint {
		t.Fatalf("resolved from the environment: %q %q %q %v %q", c.AccessKeyID(), c.ProjectID(), c.CredentialSource(),
			c.TemporaryCredentials(), c.Endpoint())
	}
	// IgnoreEnvironment really ignores it.
	if _, err := dmsprogress.NewClient(dmsprogress.Config{Endpoint: emu.Endpoint, IgnoreEnvironment: true}); !errors.Is(err, dmsprogress.ErrConfig) {
		t.Fatalf("IgnoreEnvironment: err = %v", err)
	}

	profile := t.TempDir() + "/credentials"
	text := "[basic]\nak = " + emulatortest.DemoAK + "\nsk = " + emulatortest.DemoSK + "\nproject_id = " + project + "\n"
	if err := os.WriteFile(profile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", profile)
	for _, k := range []string{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID"} {
		t.Setenv(k, "")
	}
	c2 := newClient(t, dmsprogress.Config{Endpoint: emu.Endpoint})
	if _, err := c2.GetProgress(context.Background(), instance, taskDone); err != nil {
		t.Fatalf("credentials from the profile file: %v", err)
	}
	if c2.AccessKeyID() != emulatortest.DemoAK || c2.CredentialSource() != "profile" {
		t.Fatalf("resolved from the profile file: %q %q", c2.AccessKeyID(), c2.CredentialSource())
	}
}

func TestCloseFromOnProgress(t *testing.T) {
	c, err := dmsprogress.NewClient(config())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Wait(context.Background(), instance, taskLong, dmsprogress.WaitOptions{
		Interval:   time.Second,
		OnProgress: func(*dmsprogress.Progress) { c.Close() },
	})
	if !errors.Is(err, dmsprogress.ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}

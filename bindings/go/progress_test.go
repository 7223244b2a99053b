package dmsprogress_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
)

// A progress whose copy into Go memory needs more than the first buffer the package copies
// into, with texts a C string cannot carry as they are: a NUL (shown as U+FFFD, as the C
// API documents), multi-byte UTF-8, an unknown state, a time that is not a number.
const (
	bigSteps   = 120
	bigCurrent = 70 // the first IN_PROGRESS step
	bigFailed  = 90 // the first FAILED step
)

func bigStepName(i int) string {
	return fmt.Sprintf("step-%03d-%s", i, strings.Repeat("x", 40))
}

func bigProgressBody() string {
	var b strings.Builder
	b.WriteString(`{"progress_percentage": 50, "remain_time": 7, "step_list": [`)
	b.WriteString(`{"name": "a\u0000b", "status": "COMPLETED", "start_time": 1700000000000, "end_time": "later"},`)
	b.WriteString(`{"name": "日本語 ✓ 🙂", "status": "ROLLING_BACK", "start_time": null, "end_time": null}`)
	for i := 2; i < bigSteps; i++ {
		status := "COMPLETED"
		switch {
		case i == bigCurrent:
			status = "IN_PROGRESS"
		case i == bigFailed:
			status = "FAILED"
		case i > bigCurrent:
			status = "WAITING"
		}
		fmt.Fprintf(&b, `, {"name": %q, "status": %q, "start_time": %d, "end_time": null}`, bigStepName(i), status, 1700000000000+int64(i))
	}
	b.WriteString(`]}`)
	return b.String()
}

func checkBigProgress(t *testing.T, how string, p *dmsprogress.Progress) {
	t.Helper()
	if p == nil {
		t.Fatalf("%s: no progress", how)
	}
	if p.Percentage == nil || *p.Percentage != 50 || p.RemainTime == nil || *p.RemainTime != 7*time.Second {
		t.Errorf("%s: Percentage %v, RemainTime %v", how, p.Percentage, p.RemainTime)
	}
	if len(p.Steps) != bigSteps {
		t.Fatalf("%s: %d steps, want %d", how, len(p.Steps), bigSteps)
	}
	s0 := p.Steps[0]
	if s0.Name != "a\uFFFDb" || s0.Status != dmsprogress.StepCompleted || s0.Start == nil ||
		s0.Start.UnixMilli() != 1700000000000 || s0.Start.Location() != time.UTC || s0.StartText != "" ||
		s0.End != nil || s0.EndText != "later" {
		t.Errorf("%s: step 0 = %+v", how, s0)
	}
	s1 := p.Steps[1]
	if s1.Name != "日本語 ✓ 🙂" || s1.Status != "ROLLING_BACK" || s1.Status.Known() || s1.Start != nil || s1.End != nil ||
		s1.StartText != "" || s1.EndText != "" {
		t.Errorf("%s: step 1 = %+v", how, s1)
	}
	for i := 2; i < bigSteps; i++ {
		s := p.Steps[i]
		if s.Name != bigStepName(i) || s.Start == nil || s.Start.UnixMilli() != 1700000000000+int64(i) || s.End != nil {
			t.Fatalf("%s: step %d = %+v", how, i, s)
		}
	}
	if i, ok := p.CurrentStep(); !ok || i != bigCurrent {
		t.Errorf("%s: CurrentStep = %d %v, want %d", how, i, ok, bigCurrent)
	}
	if i, ok := p.FailedStep(); !ok || i != bigFailed {
		t.Errorf("%s: FailedStep = %d %v, want %d", how, i, ok, bigFailed)
	}
	if p.IsComplete() {
		t.Errorf("%s: complete", how)
	}
}

// Every way a progress reaches Go copies it whole and exactly: decoded from a body, returned
// by GetProgress, passed to OnProgress, attached to a TaskFailedError.
func TestProgressCopiedWhole(t *testing.T) {
	body := bigProgressBody()
	p, err := dmsprogress.DecodeResponse(200, http.Header{}, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	checkBigProgress(t, "DecodeResponse", p)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	cfg := config()
	cfg.Endpoint = srv.URL
	c := newClient(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, ctx := range []context.Context{context.Background(), ctx} {
		p, err := c.GetProgress(ctx, instance, taskDone)
		if err != nil {
			t.Fatal(err)
		}
		checkBigProgress(t, "GetProgress", p)
	}
	var seen *dmsprogress.Progress
	_, err = c.Wait(context.Background(), instance, taskDone, dmsprogress.WaitOptions{
		OnProgress: func(p *dmsprogress.Progress) { seen = p },
	})
	var failed *dmsprogress.TaskFailedError
	if !errors.As(err, &failed) {
		t.Fatalf("Wait err = %v, want a TaskFailedError", err)
	}
	checkBigProgress(t, "OnProgress", seen)
	checkBigProgress(t, "TaskFailedError", failed.Progress)
	if failed.StepIndex != bigFailed || failed.Step.Name != bigStepName(bigFailed) {
		t.Errorf("TaskFailedError at %d %q", failed.StepIndex, failed.Step.Name)
	}
}

package dmsprogress_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
)

// The published vector for this route (docs/API.md §3.1, "this route").
func TestBuildRequestSignatureVector(t *testing.T) {
	req, err := dmsprogress.BuildRequest(dmsprogress.Config{
		Region: "cn-north-4", ProjectID: project, AccessKey: "AccessKey", SecretKey: "SecretKey",
		IgnoreEnvironment: true,
	}, instance, "ff8080818d1b2a3c018d1b2a3c4d0001", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "GET" {
		t.Fatalf("Method = %q", req.Method)
	}
	wantURL := "https://dms.cn-north-4.myhuaweicloud.com/v2/" + project + "/instances/" + instance +
		"/tasks/ff8080818d1b2a3c018d1b2a3c4d0001/progress"
	if req.URL != wantURL {
		t.Fatalf("URL = %q", req.URL)
	}
	if got := req.Header.Get("X-Sdk-Date"); got != "20260101T000000Z" {
		t.Fatalf("X-Sdk-Date = %q", got)
	}
	auth := req.Header.Get("Authorization")
	want := "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=content-type;host;x-project-id;x-sdk-date, " +
		"Signature=dce8551f39c4ee03c29a8f7ef4a33550408444c9b328b5391d948f91494f0a09"
	if auth != want {
		t.Fatalf("Authorization = %q\nwant            %q", auth, want)
	}
}

// Send the described request with net/http and decode the answer: the sans-IO path end to
// end against the emulator.
func TestBuildRequestSendYourselfDecode(t *testing.T) {
	cfg := config()
	req, err := dmsprogress.BuildRequest(cfg, instance, taskDone, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hreq, err := http.NewRequest(req.Method, req.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range req.Header {
		if k == "Host" {
			hreq.Host = vs[0]
			continue
		}
		hreq.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p, err := dmsprogress.DecodeResponse(resp.StatusCode, resp.Header, body)
	if err != nil {
		t.Fatalf("DecodeResponse: %v (body %s)", err, body)
	}
	if !p.IsComplete() {
		t.Fatalf("progress = %+v", p)
	}
}

func TestDecodeResponseTolerant(t *testing.T) {
	body := `{"progress_percentage": 40, "remain_time": 1124, "extra": true, "step_list": [
		{"name": "pre_check", "statue": "COMPLETED", "start_time": 1763350067752, "end_time": "1763350111208"},
		{"name": "disk_expansion", "status": "IN_PROGRESS", "start_time": "soon", "end_time": null},
		{"name": "rolling_scaling", "statue": "ROLLING_BACK"}]}`
	p, err := dmsprogress.DecodeResponse(200, http.Header{"X-Request-Id": {"r1"}}, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if *p.Percentage != 40 || *p.RemainTime != 1124*time.Second || len(p.Steps) != 3 {
		t.Fatalf("progress = %+v", p)
	}
	s0, s1, s2 := p.Steps[0], p.Steps[1], p.Steps[2]
	if s0.Status != dmsprogress.StepCompleted || s0.Start.UnixMilli() != 1763350067752 || s0.End.UnixMilli() != 1763350111208 {
		t.Errorf("step 0 = %+v", s0)
	}
	if s1.Status != dmsprogress.StepInProgress || s1.Start != nil || s1.StartText != "soon" || s1.End != nil || s1.EndText != "" {
		t.Errorf("step 1 = %+v", s1)
	}
	if s2.Status != "ROLLING_BACK" || s2.Status.Known() {
		t.Errorf("step 2 = %+v", s2)
	}
	if p.IsComplete() {
		t.Error("IsComplete at 40 %")
	}

	// Missing fields are unknown, not zero.
	p, err = dmsprogress.DecodeResponse(200, nil, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Percentage != nil || p.RemainTime != nil || len(p.Steps) != 0 {
		t.Fatalf("empty progress = %+v", p)
	}
}

func TestDecodeResponseErrors(t *testing.T) {
	_, err := dmsprogress.DecodeResponse(404, http.Header{"X-Request-Id": {"req-404"}},
		[]byte(`{"error_code": "DMS.00404022", "error_msg": "The instance does not exist."}`))
	var apiErr *dmsprogress.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.Code != "DMS.00404022" ||
		apiErr.Message != "The instance does not exist." || apiErr.RequestID != "req-404" {
		t.Fatalf("err = %#v", err)
	}

	_, err = dmsprogress.DecodeResponse(502, nil, []byte(`<html>Bad Gateway</html>`))
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Code != "502" || !strings.Contains(apiErr.Message, "Bad Gateway") {
		t.Fatalf("502: err = %#v", err)
	}
	if !apiErr.Retryable() {
		t.Fatal("a 502 is retryable")
	}

	_, err = dmsprogress.DecodeResponse(200, http.Header{"X-Request-Id": {"req-bad"}}, []byte(`[1, 2]`))
	if !errors.Is(err, dmsprogress.ErrDecode) {
		t.Fatalf("err = %v, want ErrDecode", err)
	}
	var e *dmsprogress.Error
	if !errors.As(err, &e) || e.RequestID != "req-bad" {
		t.Fatalf("decode error = %#v", err)
	}
}

func TestProgressRulesByHand(t *testing.T) {
	hundred := 100
	p := &dmsprogress.Progress{Percentage: &hundred, Steps: []dmsprogress.Step{
		{Name: "a", Status: dmsprogress.StepCompleted}, {Name: "b", Status: dmsprogress.StepCompleted},
	}}
	if !p.IsComplete() {
		t.Fatal("hand-built complete progress")
	}
	p.Steps[1].Status = dmsprogress.StepFailed
	if i, ok := p.FailedStep(); !ok || i != 1 || p.IsComplete() {
		t.Fatalf("FailedStep = %d %v", i, ok)
	}
	var nilP *dmsprogress.Progress
	if nilP.IsComplete() {
		t.Fatal("nil progress complete")
	}
}

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

// The route's signing vector (testdata/signing/progress-route): the request BuildRequest
// describes is the case's request, signed as the case says.
func TestBuildRequestSignatureVector(t *testing.T) {
	c := readSigningCase(t, "progress-route")
	// /v2/{project}/instances/{instance}/tasks/{task}/progress
	ids := strings.Split(c.Path, "/")
	at, err := time.Parse("20060102T150405Z", c.Request.Header.Get("X-Sdk-Date"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := dmsprogress.BuildRequest(dmsprogress.Config{
		Region: "cn-north-4", ProjectID: ids[2], AccessKey: c.AK, SecretKey: c.SK,
		IgnoreEnvironment: true,
	}, ids[4], ids[6], at)
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != strings.Fields(c.Request.First)[0] {
		t.Fatalf("Method = %q", req.Method)
	}
	if wantURL := "https://" + c.Request.Header.Get("Host") + c.Path; req.URL != wantURL {
		t.Fatalf("URL = %q, want %q", req.URL, wantURL)
	}
	for name := range c.Request.Header {
		if got, want := req.Header.Get(name), c.Request.Header.Get(name); got != want {
			t.Fatalf("%s = %q, want %q", name, got, want)
		}
	}
	if auth, want := req.Header.Get("Authorization"), c.Authorization(); auth != want {
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
	p, err := decodeCase(t, "progress-mixed-spellings")
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
	p, err = decodeCase(t, "progress-empty-object")
	if err != nil {
		t.Fatal(err)
	}
	if p.Percentage != nil || p.RemainTime != nil || len(p.Steps) != 0 {
		t.Fatalf("empty progress = %+v", p)
	}
}

func TestDecodeResponseErrors(t *testing.T) {
	_, err := decodeCase(t, "error-dms-404")
	var apiErr *dmsprogress.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.Code != "DMS.00404022" ||
		apiErr.Message != "The instance does not exist." || apiErr.RequestID != "req-404" {
		t.Fatalf("err = %#v", err)
	}

	_, err = decodeCase(t, "error-html-502")
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Code != "502" || !strings.Contains(apiErr.Message, "Bad Gateway") {
		t.Fatalf("502: err = %#v", err)
	}
	if !apiErr.Retryable() {
		t.Fatal("a 502 is retryable")
	}

	_, err = decodeCase(t, "progress-not-an-object")
	if !errors.Is(err, dmsprogress.ErrDecode) {
		t.Fatalf("err = %v, want ErrDecode", err)
	}
	var e *dmsprogress.Error
	if !errors.As(err, &e) || e.RequestID != "req-bad" {
		t.Fatalf("decode error = %#v", err)
	}
}

// What a progress means (complete, failed step, current step) is the library's answer: the
// package reports it and never re-derives it.
func TestProgressMeaningComesFromTheLibrary(t *testing.T) {
	cases := []struct {
		body            string
		complete        bool
		failed, current int // -1: none
	}{
		{`{"progress_percentage": 100, "step_list": [{"name": "a", "status": "COMPLETED"}, {"name": "b", "status": "COMPLETED"}]}`, true, -1, -1},
		{`{"progress_percentage": 50, "step_list": [{"name": "a", "status": "COMPLETED"}, {"name": "b", "status": "WAITING"}, {"name": "c", "status": "IN_PROGRESS"}]}`, false, -1, 2},
		{`{"progress_percentage": 50, "step_list": [{"name": "a", "status": "COMPLETED"}, {"name": "b", "status": "FAILED"}, {"name": "c", "status": "WAITING"}]}`, false, 1, -1},
		{`{"progress_percentage": 100, "step_list": [{"name": "a", "status": "ROLLING_BACK"}]}`, false, -1, -1},
	}
	for _, tc := range cases {
		p, err := dmsprogress.DecodeResponse(200, nil, []byte(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		failed, ok := p.FailedStep()
		if !ok {
			failed = -1
		}
		current, ok := p.CurrentStep()
		if !ok {
			current = -1
		}
		if p.IsComplete() != tc.complete || failed != tc.failed || current != tc.current {
			t.Errorf("%s: complete %v, failed %d, current %d", tc.body, p.IsComplete(), failed, current)
		}
	}
	var nilP *dmsprogress.Progress
	if _, ok := nilP.CurrentStep(); nilP.IsComplete() || ok {
		t.Fatal("nil progress")
	}
}

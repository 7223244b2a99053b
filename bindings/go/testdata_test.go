package dmsprogress_test

// Readers of the repository's testdata/ (see testdata/README.md): the signing vectors and
// the response cases every language's suite checks.

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
)

const testdataDir = "../../testdata"

// rawMessage is a request.txt or response.txt: a first line, headers, an empty line, a body.
type rawMessage struct {
	First  string
	Header http.Header
	Body   []byte
}

func readMessage(t *testing.T, path string) rawMessage {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := bytes.Cut(raw, []byte("\n\n"))
	if !ok {
		t.Fatalf("%s: no empty line after the head", path)
	}
	lines := strings.Split(string(head), "\n")
	m := rawMessage{First: lines[0], Header: http.Header{}, Body: body}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: bad header line %q", path, line)
		}
		m.Header.Add(name, strings.TrimSpace(value))
	}
	return m
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// signingCase is a testdata/signing case that has a request and a signature.
type signingCase struct {
	Request          rawMessage
	Path             string // the request target's path, as sent
	CanonicalRequest string
	Signature        string
	AK, SK           string
}

func readSigningCase(t *testing.T, name string) signingCase {
	t.Helper()
	dir := filepath.Join(testdataDir, "signing", name)
	c := signingCase{
		Request:          readMessage(t, filepath.Join(dir, "request.txt")),
		CanonicalRequest: readText(t, filepath.Join(dir, "canonical-request.txt")),
		Signature:        strings.TrimSpace(readText(t, filepath.Join(dir, "signature.txt"))),
	}
	c.Path = strings.Fields(c.Request.First)[1]
	for _, line := range strings.Split(readText(t, filepath.Join(dir, "credentials")), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch strings.TrimSpace(k) {
		case "ak":
			c.AK = strings.TrimSpace(v)
		case "sk":
			c.SK = strings.TrimSpace(v)
		}
	}
	return c
}

// Authorization is the header value the case's request is sent with.
func (c signingCase) Authorization() string {
	lines := strings.Split(c.CanonicalRequest, "\n")
	signed := lines[len(lines)-2]
	return "SDK-HMAC-SHA256 Access=" + c.AK + ", SignedHeaders=" + signed + ", Signature=" + c.Signature
}

type expectedStep struct {
	Name      string          `json:"name"`
	Status    string          `json:"status"`
	StartTime json.RawMessage `json:"start_time"`
	EndTime   json.RawMessage `json:"end_time"`
}

type expected struct {
	Progress *struct {
		Percentage *int           `json:"percentage"`
		RemainTime *int64         `json:"remain_time"`
		Steps      []expectedStep `json:"steps"`
		Complete   bool           `json:"complete"`
		FailedStep *int           `json:"failed_step"`
	} `json:"progress"`
	DecodeError *struct {
		RequestID *string `json:"request_id"`
	} `json:"decode_error"`
	APIError *struct {
		Status    int     `json:"status"`
		Code      string  `json:"code"`
		Message   string  `json:"message"`
		RequestID *string `json:"request_id"`
		Retryable bool    `json:"retryable"`
	} `json:"api_error"`
}

// responseCase is a testdata/responses case.
type responseCase struct {
	Name     string
	Status   int
	Header   http.Header
	Body     []byte
	Expected expected
}

func readResponseCase(t *testing.T, name string) responseCase {
	t.Helper()
	dir := filepath.Join(testdataDir, "responses", name)
	m := readMessage(t, filepath.Join(dir, "response.txt"))
	status, err := strconv.Atoi(strings.Fields(m.First)[1])
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c := responseCase{Name: name, Status: status, Header: m.Header, Body: m.Body}
	if err := json.Unmarshal([]byte(readText(t, filepath.Join(dir, "expected.json"))), &c.Expected); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

// decodeCase is DecodeResponse of the response case name.
func decodeCase(t *testing.T, name string) (*dmsprogress.Progress, error) {
	t.Helper()
	c := readResponseCase(t, name)
	return dmsprogress.DecodeResponse(c.Status, c.Header, c.Body)
}

func responseCaseNames(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(testdataDir, "responses"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// checkTime compares a decoded time with an expected one: null, epoch milliseconds, or text.
func checkTime(t *testing.T, what string, got *time.Time, gotText string, want json.RawMessage) {
	t.Helper()
	w := strings.TrimSpace(string(want))
	switch {
	case w == "" || w == "null":
		if got != nil || gotText != "" {
			t.Errorf("%s = %v %q, want none", what, got, gotText)
		}
	case strings.HasPrefix(w, `"`):
		var text string
		_ = json.Unmarshal(want, &text)
		if got != nil || gotText != text {
			t.Errorf("%s = %v %q, want text %q", what, got, gotText, text)
		}
	default:
		ms, _ := strconv.ParseInt(w, 10, 64)
		if got == nil || got.UnixMilli() != ms || gotText != "" {
			t.Errorf("%s = %v %q, want %d ms", what, got, gotText, ms)
		}
	}
}

// Every response case through DecodeResponse, compared with its expected.json.
func TestDecodeResponseCases(t *testing.T) {
	for _, name := range responseCaseNames(t) {
		c := readResponseCase(t, name)
		p, err := dmsprogress.DecodeResponse(c.Status, c.Header, c.Body)
		switch want := c.Expected; {
		case want.Progress != nil:
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			w := want.Progress
			if (p.Percentage == nil) != (w.Percentage == nil) || (p.Percentage != nil && *p.Percentage != *w.Percentage) {
				t.Errorf("%s: Percentage = %v, want %v", name, p.Percentage, w.Percentage)
			}
			if (p.RemainTime == nil) != (w.RemainTime == nil) || (p.RemainTime != nil && *p.RemainTime != time.Duration(*w.RemainTime)*time.Second) {
				t.Errorf("%s: RemainTime = %v, want %v s", name, p.RemainTime, w.RemainTime)
			}
			if len(p.Steps) != len(w.Steps) {
				t.Errorf("%s: %d steps, want %d", name, len(p.Steps), len(w.Steps))
				continue
			}
			for i, s := range p.Steps {
				ws := w.Steps[i]
				if s.Name != ws.Name || string(s.Status) != ws.Status {
					t.Errorf("%s: step %d = %q %q, want %q %q", name, i, s.Name, s.Status, ws.Name, ws.Status)
				}
				checkTime(t, name+" start", s.Start, s.StartText, ws.StartTime)
				checkTime(t, name+" end", s.End, s.EndText, ws.EndTime)
			}
			if p.IsComplete() != w.Complete {
				t.Errorf("%s: IsComplete = %v", name, p.IsComplete())
			}
			i, ok := p.FailedStep()
			if ok != (w.FailedStep != nil) || (ok && i != *w.FailedStep) {
				t.Errorf("%s: FailedStep = %d %v, want %v", name, i, ok, w.FailedStep)
			}
		case want.DecodeError != nil:
			var e *dmsprogress.Error
			if !errors.Is(err, dmsprogress.ErrDecode) || !errors.As(err, &e) {
				t.Errorf("%s: err = %v, want ErrDecode", name, err)
				continue
			}
			if wantID := want.DecodeError.RequestID; (wantID == nil && e.RequestID != "") || (wantID != nil && e.RequestID != *wantID) {
				t.Errorf("%s: RequestID = %q", name, e.RequestID)
			}
		case want.APIError != nil:
			var a *dmsprogress.APIError
			if !errors.As(err, &a) {
				t.Errorf("%s: err = %v, want an APIError", name, err)
				continue
			}
			w := want.APIError
			wantID := ""
			if w.RequestID != nil {
				wantID = *w.RequestID
			}
			if a.Status != w.Status || a.Code != w.Code || a.Message != w.Message || a.RequestID != wantID || a.Retryable() != w.Retryable {
				t.Errorf("%s: APIError = %+v (retryable %v), want %+v", name, a, a.Retryable(), w)
			}
		default:
			t.Errorf("%s: expected.json names no outcome", name)
		}
	}
}

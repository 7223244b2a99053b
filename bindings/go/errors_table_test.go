package dmsprogress

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// The one table from result codes to sentinels covers every code of the header: a code
// added to include/dms_progress.h without an entry in sentinels (and in this list) fails
// here. The Python package has the same table test against the same header, and both map
// NULL_PARAMETER to their invalid-argument error.
func TestEveryResultCodeOfTheHeaderHasOneSentinel(t *testing.T) {
	want := map[string]error{
		"INVALID_ARGUMENT": ErrInvalidArgument,
		"NULL_PARAMETER":   ErrInvalidArgument,
		"INVALID_UTF8":     ErrInvalidArgument,
		"CONFIG":           ErrConfig,
		"TRANSPORT":        ErrTransport,
		"TIMEOUT":          ErrTimeout,
		"API":              ErrAPI,
		"DECODE":           ErrDecode,
		"TASK_FAILED":      ErrTaskFailed,
		"WAIT_TIMEOUT":     ErrWaitTimeout,
		"CANCELLED":        context.Canceled,
		"PANIC":            ErrInternal,
	}
	header, err := os.ReadFile("../../include/dms_progress.h")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]resultCode{}
	for _, m := range regexp.MustCompile(`\bDMS_PROGRESS_RESULT_(\w+) = (\d+)`).FindAllStringSubmatch(string(header), -1) {
		n, _ := strconv.Atoi(m[2])
		codes[m[1]] = resultCode(n)
	}
	if codes["OK"] != resultOK || len(codes) != len(want)+1 {
		t.Fatalf("the header has %d result codes, this table %d (+ OK)", len(codes), len(want))
	}
	delete(codes, "OK")
	if len(sentinels) != len(codes) {
		t.Fatalf("sentinels has %d entries, the header %d codes", len(sentinels), len(codes))
	}
	for name, code := range codes {
		sentinel, ok := want[name]
		if !ok {
			t.Errorf("DMS_PROGRESS_RESULT_%s has no expected sentinel in this test", name)
			continue
		}
		if sentinels[code] != sentinel {
			t.Errorf("DMS_PROGRESS_RESULT_%s maps to %v, want %v", name, sentinels[code], sentinel)
		}
		if got := code.name(); got != "DMS_PROGRESS_RESULT_"+name {
			t.Errorf("code %d is named %q by the library", code, got)
		}
		// The error built for the code, whatever its concrete type, matches its sentinel.
		e := detail{code: code, msg: "m", failed: -1}.err()
		if !errors.Is(e, sentinel) {
			t.Errorf("the error for DMS_PROGRESS_RESULT_%s (%T) does not match %v", name, e, sentinel)
		}
	}
	// A timeout is a transport error too.
	if !errors.Is(detail{code: resultTimeout}.err(), ErrTransport) {
		t.Error("a timeout does not match ErrTransport")
	}
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dms-progress/dms-progress/bindings/go/emulatortest"
)

const (
	project  = "0123456789abcdef0123456789abcdef"
	instance = "11111111-2222-3333-4444-555555555555"
	taskDone = "ff8080818d1b2a3c018d1b2a3c4d2001"
	taskFail = "ff8080818d1b2a3c018d1b2a3c4d2002"
	taskLong = "ff8080818d1b2a3c018d1b2a3c4d2003"
)

var scenario = fmt.Sprintf(`{"project_id": %q, "instances": [{"instance_id": %q, "tasks": [
  {"task_id": %q, "started_seconds_ago": 3600, "steps": [{"name": "pre_check", "seconds": 40}, {"name": "disk_expansion", "seconds": 300}]},
  {"task_id": %q, "started_seconds_ago": 3600, "steps": [{"name": "pre_check", "seconds": 40}, {"name": "disk_expansion", "seconds": 300, "fails": true}]},
  {"task_id": %q, "steps": [{"name": "pre_check", "seconds": 3600}]}
]}]}`, project, instance, taskDone, taskFail, taskLong)

var (
	emu *emulatortest.Emulator
	bin string // the built example binary
)

func TestMain(m *testing.M) {
	code := func() int {
		var err error
		emu, err = emulatortest.Start(scenario)
		if err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: cannot start dms-emulator:", err)
			return 1
		}
		defer emu.Stop()
		dir, err := os.MkdirTemp("", "dms-progress-go-*")
		if err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "dms-progress-go")
		// A plain build, as a user would make it (the test binary itself may be -race).
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: go build: %v\n%s\n", err, out)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// The binary is self-contained: the native library is linked in statically.
func TestBinaryDoesNotNeedTheSharedLibrary(t *testing.T) {
	ldd, err := exec.LookPath("ldd")
	if err != nil {
		t.Fatalf("ldd not found: %v", err)
	}
	out, err := exec.Command(ldd, bin).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "not a dynamic executable") {
		t.Fatalf("ldd %s: %v\n%s", bin, err, out)
	}
	if strings.Contains(string(out), "dms_progress") {
		t.Fatalf("the binary depends on the shared library:\n%s", out)
	}
	if strings.Contains(string(out), "not found") {
		t.Fatalf("the binary has unresolved libraries:\n%s", out)
	}
}

func runBinary(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(filtered(os.Environ()), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", bin, err)
	}
	return o.String(), e.String(), code
}

// filtered drops credentials the developer's environment may hold.
func filtered(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "HUAWEICLOUD_SDK_") {
			out = append(out, kv)
		}
	}
	return append(out, "HUAWEICLOUD_SDK_CREDENTIALS_FILE="+filepath.Join(os.TempDir(), "dms-progress-go-no-such-file"))
}

var creds = []string{"HUAWEICLOUD_SDK_AK=" + emulatortest.DemoAK, "HUAWEICLOUD_SDK_SK=" + emulatortest.DemoSK}

func TestPrintsProgress(t *testing.T) {
	out, errOut, code := runBinary(t, creds, "--endpoint", emu.Endpoint, "--project-id", project,
		"--instance-id", instance, "--task-id", taskDone)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []string{"progress: 100%", "pre_check", "disk_expansion", "COMPLETED", "task complete"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestProjectFromEnvironmentAndWait(t *testing.T) {
	env := append([]string{"HUAWEICLOUD_SDK_PROJECT_ID=" + project}, creds...)
	out, errOut, code := runBinary(t, env, "--endpoint", emu.Endpoint, "--instance-id", instance,
		"--task-id", taskDone, "--wait", "--interval", "100ms")
	if code != 0 || !strings.Contains(out, "100%") || !strings.Contains(out, "task complete") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

func TestExitCodes(t *testing.T) {
	base := []string{"--endpoint", emu.Endpoint, "--project-id", project, "--instance-id", instance}
	cases := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"task failed", creds, append(base, "--task-id", taskFail, "--wait"), 3, "disk_expansion"},
		{"max wait", creds, append(base, "--task-id", taskLong, "--wait", "--interval", "100ms", "--max-wait", "300ms"), 4, "not finished"},
		{"wrong secret", []string{"HUAWEICLOUD_SDK_AK=" + emulatortest.DemoAK, "HUAWEICLOUD_SDK_SK=wrong-secret"}, append(base, "--task-id", taskDone), 1, "HTTP 401 APIGW.0301"},
		{"unknown task", creds, append(base, "--task-id", "nope"), 1, "HTTP 404"},
		{"no credentials", nil, append(base, "--task-id", taskDone), 2, "error:"},
		{"missing flag", creds, []string{"--endpoint", emu.Endpoint}, 2, "usage:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBinary(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d (want %d), stderr lacks %q?\nstdout: %s\nstderr: %s", code, tc.code, tc.want, out, errOut)
			}
			if strings.Contains(out+errOut, "wrong-secret") || strings.Contains(out+errOut, emulatortest.DemoSK) {
				t.Fatal("a secret key was printed")
			}
		})
	}
}

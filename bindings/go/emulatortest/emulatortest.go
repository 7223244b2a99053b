// Package emulatortest starts dms-emulator (crates/progress-emulator) as a subprocess on a
// free port, for the tests of this module and of programs that use it, and reads what it
// says about itself from its JSON start-up line (docs/emulator.md).
package emulatortest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Demo credentials the emulator accepts unless told otherwise.
const (
	DemoAK = "DMSEMULATORDEMOAK00001"
	DemoSK = "dms-emulator-demo-secret-key"
)

// Task is one task of the emulator's scenario.
type Task struct {
	ProjectID, InstanceID, TaskID string
}

// Startup is the emulator's start-up line.
type Startup struct {
	Endpoint    string  `json:"endpoint"`
	AK          string  `json:"ak"`
	SK          *string `json:"sk"` // only for the public demo pair
	Credentials string  `json:"credentials"`
	ProjectID   string  `json:"project_id"`
	Instances   []struct {
		InstanceID string   `json:"instance_id"`
		TaskIDs    []string `json:"task_ids"`
	} `json:"instances"`
}

// Emulator is a running dms-emulator.
type Emulator struct {
	// Endpoint is the base URL, e.g. http://127.0.0.1:41234.
	Endpoint string
	// Tasks are the tasks of the scenario, in order.
	Tasks []Task
	// Startup is the whole start-up line.
	Startup Startup

	cmd    *exec.Cmd
	waited chan error
	stderr *strings.Builder
}

// RepoRoot is the repository root (this file is bindings/go/emulatortest/emulatortest.go).
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("emulatortest: cannot locate the source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Binary is the emulator's path: $DMS_EMULATOR_BIN; else, in a checkout of the repository,
// <repo>/target/debug/dms-emulator; else dms-emulator on PATH (as `make -C bindings/c
// install` and the release tarball put it in bin/). A missing binary is an error that says
// how to get it.
func Binary() (string, error) {
	bin := os.Getenv("DMS_EMULATOR_BIN")
	if bin == "" {
		bin = filepath.Join(RepoRoot(), "target", "debug", "dms-emulator")
		if _, err := os.Stat(bin); err != nil {
			if onPath, lookErr := exec.LookPath("dms-emulator"); lookErr == nil {
				return onPath, nil
			}
		}
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("dms-emulator not found at %s (%v) nor on PATH: build it from the repository root with `cargo build -p progress-emulator`, install it (bin/ of the release tarball, or `make -C bindings/c install`), or point DMS_EMULATOR_BIN at it", bin, err)
	}
	return bin, nil
}

// Start runs the emulator with the scenario given as JSON text ("" for the built-in demo),
// on 127.0.0.1 and a free port, with extraArgs (e.g. "--iam-token", "T"), and returns once
// it printed its start-up line.
func Start(scenarioJSON string, extraArgs ...string) (*Emulator, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	args := append([]string{"--listen", "127.0.0.1:0", "--quiet"}, extraArgs...)
	if scenarioJSON != "" {
		f, err := os.CreateTemp("", "dmsprogress-scenario-*.json")
		if err != nil {
			return nil, err
		}
		defer os.Remove(f.Name()) // read at start-up only
		if _, err := f.WriteString(scenarioJSON); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		args = append(args, "--scenario", f.Name())
	}
	cmd := exec.Command(bin, args...)
	// The emulator must use its demo credentials, whatever the environment holds.
	cmd.Env = filterEnv(os.Environ(), "HUAWEICLOUD_SDK_AK=", "HUAWEICLOUD_SDK_SK=", "DMS_EMULATOR_IAM_TOKEN=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	e := &Emulator{cmd: cmd, waited: make(chan error, 1), stderr: &strings.Builder{}}
	cmd.Stderr = &limitedWriter{b: e.stderr, max: 16 << 10}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}

	type result struct {
		startup Startup
		err     error
	}
	ready := make(chan result, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, err := r.ReadString('\n')
		if err != nil {
			ready <- result{err: fmt.Errorf("emulator output ended before its start-up line: %w", err)}
			return
		}
		var s Startup
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			ready <- result{err: fmt.Errorf("emulator start-up line %q is not JSON: %w", line, err)}
			return
		}
		ready <- result{startup: s}
		_, _ = io.Copy(io.Discard, r)
	}()
	go func() { e.waited <- cmd.Wait() }()

	select {
	case r := <-ready:
		if r.err == nil && r.startup.Endpoint == "" {
			r.err = errors.New("emulator start-up line has no endpoint")
		}
		if r.err != nil {
			e.Stop()
			return nil, fmt.Errorf("%w; stderr: %s", r.err, e.stderr.String())
		}
		e.Startup, e.Endpoint = r.startup, r.startup.Endpoint
		for _, inst := range r.startup.Instances {
			for _, id := range inst.TaskIDs {
				e.Tasks = append(e.Tasks, Task{ProjectID: r.startup.ProjectID, InstanceID: inst.InstanceID, TaskID: id})
			}
		}
		return e, nil
	case <-time.After(15 * time.Second):
		e.Stop()
		return nil, fmt.Errorf("emulator not ready after 15 s; stderr: %s", e.stderr.String())
	}
}

// Stop terminates the emulator (SIGTERM, then SIGKILL after 5 s) and waits for it.
func (e *Emulator) Stop() {
	if e.cmd.Process == nil {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.waited:
	case <-time.After(5 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.waited
	}
}

func filterEnv(env []string, dropPrefixes ...string) []string {
	out := env[:0:0]
next:
	for _, kv := range env {
		for _, p := range dropPrefixes {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// limitedWriter keeps the first max bytes written to it.
type limitedWriter struct {
	b   *strings.Builder
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if room := w.max - w.b.Len(); room > 0 {
		if len(p) > room {
			w.b.Write(p[:room])
		} else {
			w.b.Write(p)
		}
	}
	return len(p), nil
}

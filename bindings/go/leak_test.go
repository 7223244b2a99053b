package dmsprogress_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
)

func osThreads(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads: line in /proc/self/status")
	return 0
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries) - 1 // ReadDir's own descriptor
}

// settle waits until threads and fds are at most the baseline, or until `within` passed;
// it returns what it last saw.
func settle(t *testing.T, threads, fds int, within time.Duration) (int, int) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		th, fd := osThreads(t), openFDs(t)
		if th <= threads && fd <= fds || time.Now().After(deadline) {
			return th, fd
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Calls cut by their context against a server that accepts and never answers leave no OS
// thread, socket or memory behind: the cancel reaches the socket of the attempt in flight,
// what may still run in the background is bounded per client (past the bound calls fail
// fast with ErrOverloaded), and within a second of the calls returning the thread and fd
// counts are back to where they were. The attempt timeout stays the library's default, far
// longer than the test.
func TestCallsCutByTheirContextLeaveNothingBehind(t *testing.T) {
	cfg := config()
	cfg.Endpoint = hangingServer(t)
	c := newClient(t, cfg)
	// One cut call first, for what the runtime starts once for cgo; then the baseline.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	c.GetProgress(ctx, instance, taskDone)
	cancel()
	time.Sleep(time.Second)
	baseThreads, baseFDs := osThreads(t), openFDs(t)

	for _, goroutines := range []int{1, 8} {
		const calls = 2000
		var mu sync.Mutex
		peakThreads, peakFDs, cut, refused := 0, 0, 0, 0
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < calls; i += goroutines {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
					_, err := c.GetProgress(ctx, instance, taskDone)
					cancel()
					th, fd := osThreads(t), openFDs(t)
					mu.Lock()
					peakThreads, peakFDs = max(peakThreads, th), max(peakFDs, fd)
					switch {
					case errors.Is(err, context.DeadlineExceeded):
						cut++
					case errors.Is(err, dmsprogress.ErrOverloaded):
						refused++
					default:
						t.Errorf("err = %v, want DeadlineExceeded or ErrOverloaded", err)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		returned := time.Now()
		// Bounded while it ran: a thread and a socket (both ends: the server is in this
		// process) per call still finishing, at most 64 of them, plus the callers.
		if limit := baseThreads + 64 + goroutines + 8; peakThreads > limit {
			t.Errorf("%d goroutines: %d threads at the peak, more than %d", goroutines, peakThreads, limit)
		}
		if limit := baseFDs + 2*(64+goroutines) + 16; peakFDs > limit {
			t.Errorf("%d goroutines: %d fds at the peak, more than %d", goroutines, peakFDs, limit)
		}
		// Go keeps the idle threads its scheduler needed to run `goroutines` callers while
		// others were blocked in C; the threads of the calls themselves exit with them.
		idle := baseThreads + goroutines + 2
		th, fd := settle(t, idle, baseFDs, time.Second)
		if th > idle || fd > baseFDs {
			t.Errorf("%d goroutines: %v after the calls returned: %d threads (was %d, %d allowed), %d fds (was %d)",
				goroutines, time.Since(returned), th, baseThreads, idle, fd, baseFDs)
		}
		t.Logf("%d goroutines: %d calls cut by their deadline, %d refused; peak %d threads, %d fds; back to %d threads, %d fds in %v",
			goroutines, cut, refused, peakThreads, peakFDs, th, fd, time.Since(returned).Round(time.Millisecond))
		if cut == 0 {
			t.Errorf("%d goroutines: no call was cut by its deadline", goroutines)
		}
	}
	// The client still works once the background has drained.
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.GetProgress(ctx, instance, taskDone); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after the storm: err = %v, want the deadline of a call to the hanging server", err)
	}
}

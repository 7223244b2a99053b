package dmsprogress_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
	"github.com/dms-progress/dms-progress/bindings/go/emulatortest"
)

// startEmulator runs an emulator of its own for one test (stopped at its end) and returns a
// client of it.
func startEmulator(t *testing.T, scenarioJSON string, args ...string) (*emulatortest.Emulator, *dmsprogress.Client) {
	t.Helper()
	e, err := emulatortest.Start(scenarioJSON, args...)
	if err != nil {
		t.Fatalf("starting dms-emulator: %v", err)
	}
	t.Cleanup(e.Stop)
	cfg := config()
	cfg.Endpoint = e.Endpoint
	cfg.ProjectID = e.Startup.ProjectID
	return e, newClient(t, cfg)
}

// generatedTasks is the size of the generated scenario: three pages of the library's size.
const generatedTasks = 250

// generated runs an emulator playing --generate-tasks: one instance whose task j started
// j·600 s ago (tasks 0 and 1 running, every fourth failed), listed newest first.
func generated(t *testing.T) (instanceID string, taskIDs []string, c *dmsprogress.Client) {
	t.Helper()
	e, c := startEmulator(t, "", "--generate-tasks", fmt.Sprint(generatedTasks))
	inst := e.Startup.Instances[0]
	if len(inst.TaskIDs) != generatedTasks {
		t.Fatalf("the emulator generated %d tasks, want %d", len(inst.TaskIDs), generatedTasks)
	}
	return inst.InstanceID, inst.TaskIDs, c
}

func ids(tasks []dmsprogress.Task) []string {
	out := make([]string, len(tasks))
	for i, task := range tasks {
		out[i] = task.ID
	}
	return out
}

func TestListTasksOnePage(t *testing.T) {
	inst, taskIDs, c := generated(t)
	ctx := context.Background()

	page, err := c.ListTasks(ctx, inst, dmsprogress.ListTasksQuery{Start: 3, Limit: 7})
	if err != nil {
		t.Fatalf("ListTasks: %v", err)
	}
	if got, want := ids(page.Tasks), taskIDs[2:9]; !slices.Equal(got, want) {
		t.Fatalf("page ids = %v, want %v", got, want)
	}
	if page.TaskCount == nil || *page.TaskCount != generatedTasks {
		t.Fatalf("TaskCount = %v, want %d", page.TaskCount, generatedTasks)
	}
	// Task 2 finished, task 3 failed (every fourth does), newest first.
	if s := page.Tasks[0].Status; s != dmsprogress.TaskSuccess || page.Tasks[0].Running() {
		t.Errorf("task 2: status %q, running %v", s, page.Tasks[0].Running())
	}
	if s := page.Tasks[1].Status; s != dmsprogress.TaskFailed || !s.Known() {
		t.Errorf("task 3: status %q", s)
	}
	for i, task := range page.Tasks {
		if task.Name != "kafkaInstanceExtend" || task.CreatedAt.IsZero() || task.UpdatedAt.Before(task.CreatedAt) {
			t.Errorf("task %d: %+v", i, task)
		}
		if task.CreatedAtText != "" || task.UpdatedAtText != "" {
			t.Errorf("task %d: times kept as text: %q %q", i, task.CreatedAtText, task.UpdatedAtText)
		}
		if i > 0 && !task.CreatedAt.Before(page.Tasks[i-1].CreatedAt) {
			t.Errorf("task %d created at %v, not before the one listed before it", i, task.CreatedAt)
		}
		if _, err := task.ParamsMap(); err != nil {
			t.Errorf("task %d: params %q: %v", i, task.Params, err)
		}
	}

	// The service's page size when none is given.
	page, err = c.ListTasks(ctx, inst, dmsprogress.ListTasksQuery{})
	if err != nil || len(page.Tasks) != 10 || page.Tasks[0].ID != taskIDs[0] {
		t.Fatalf("default page: %d tasks, err %v", len(page.Tasks), err)
	}
	if page.Tasks[0].Status != dmsprogress.TaskExecuting || !page.Tasks[0].Running() {
		t.Errorf("newest task: status %q, running %v", page.Tasks[0].Status, page.Tasks[0].Running())
	}

	// Creation time bounds: the tasks of the last 3500 s are tasks 0..5.
	page, err = c.ListTasks(ctx, inst, dmsprogress.ListTasksQuery{
		BeginTime: time.Now().Add(-3500 * time.Second), EndTime: time.Now().Add(time.Minute)})
	if err != nil {
		t.Fatalf("ListTasks with times: %v", err)
	}
	if got, want := ids(page.Tasks), taskIDs[:6]; !slices.Equal(got, want) {
		t.Fatalf("ids within the bounds = %v, want %v", got, want)
	}
}

func TestAllTasksWalksEveryPage(t *testing.T) {
	inst, taskIDs, c := generated(t)
	for _, limit := range []int{0, 30, 100} {
		all, err := c.AllTasks(context.Background(), inst, dmsprogress.ListTasksQuery{Limit: limit})
		if err != nil {
			t.Fatalf("AllTasks(limit %d): %v", limit, err)
		}
		if got := ids(all); !slices.Equal(got, taskIDs) {
			t.Fatalf("AllTasks(limit %d): %d tasks, want the %d of the scenario in order", limit, len(got), len(taskIDs))
		}
	}
	from, err := c.AllTasks(context.Background(), inst, dmsprogress.ListTasksQuery{Start: 241, Limit: 4})
	if err != nil || !slices.Equal(ids(from), taskIDs[240:]) {
		t.Fatalf("AllTasks from 241: %v, %v", ids(from), err)
	}
}

func TestListQueryIsCheckedBeforeSending(t *testing.T) {
	inst, _, c := generated(t)
	ctx := context.Background()
	now := time.Now()
	for name, q := range map[string]dmsprogress.ListTasksQuery{
		"limit over 100":     {Limit: 101},
		"negative limit":     {Limit: -1},
		"negative start":     {Start: -5},
		"begin after end":    {BeginTime: now, EndTime: now.Add(-time.Hour)},
		"begin before 1970":  {BeginTime: time.Unix(-10, 0)},
		"end at the epoch":   {EndTime: time.Unix(0, 0)},
		"past the year 9999": {EndTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := c.ListTasks(ctx, inst, q); !errors.Is(err, dmsprogress.ErrInvalidArgument) {
			t.Errorf("ListTasks, %s: err = %v, want ErrInvalidArgument", name, err)
		}
		if _, err := c.AllTasks(ctx, inst, q); !errors.Is(err, dmsprogress.ErrInvalidArgument) {
			t.Errorf("AllTasks, %s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
	_, err := c.ListTasks(ctx, inst, dmsprogress.ListTasksQuery{Limit: 500})
	var e *dmsprogress.Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "limit") {
		t.Errorf("the library's message names the limit: %v", err)
	}
	for _, bad := range []string{"", "a/b", "with\x00nul"} {
		if _, err := c.ListTasks(ctx, bad, dmsprogress.ListTasksQuery{}); !errors.Is(err, dmsprogress.ErrInvalidArgument) {
			t.Errorf("ListTasks(%q): err = %v", bad, err)
		}
		if _, err := c.RunningExpansion(ctx, bad); !errors.Is(err, dmsprogress.ErrInvalidArgument) {
			t.Errorf("RunningExpansion(%q): err = %v", bad, err)
		}
		if _, err := c.ShowTask(ctx, inst, bad); !errors.Is(err, dmsprogress.ErrInvalidArgument) {
			t.Errorf("ShowTask(%q): err = %v", bad, err)
		}
		if err := c.DeleteTask(ctx, inst, bad); !errors.Is(err, dmsprogress.ErrInvalidArgument) {
			t.Errorf("DeleteTask(%q): err = %v", bad, err)
		}
	}
}

func TestDeleteThenShowAndProgress(t *testing.T) {
	inst, taskIDs, c := generated(t)
	ctx := context.Background()
	victim := taskIDs[6]
	before, err := c.ShowTask(ctx, inst, victim)
	if err != nil || before.ID != victim || before.Status != dmsprogress.TaskSuccess {
		t.Fatalf("ShowTask before: %+v, %v", before, err)
	}
	if err := c.DeleteTask(ctx, inst, victim); err != nil {
		t.Fatalf("DeleteTask: %v", err)
	}
	after, err := c.ShowTask(ctx, inst, victim)
	if err != nil || after.Status != dmsprogress.TaskDeleted || after.Running() {
		t.Fatalf("ShowTask after: %+v, %v", after, err)
	}
	_, err = c.GetProgress(ctx, inst, victim)
	var apiErr *dmsprogress.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.Code != "DMS.00404023" {
		t.Fatalf("progress of a deleted task: %v", err)
	}
	// Deleting again is the service's 204 again; an unknown task is its 404.
	if err := c.DeleteTask(ctx, inst, victim); err != nil {
		t.Fatalf("DeleteTask again: %v", err)
	}
	_, err = c.ShowTask(ctx, inst, "ff80808100000001ffffffffffffffff")
	if !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Fatalf("ShowTask of an unknown task: %v", err)
	}
}

// Two running tasks, the expansion older than the other; an idle instance; an empty one.
var expansionScenario = fmt.Sprintf(`{"project_id": %q, "instances": [
  {"instance_id": "busy", "tasks": [
    {"task_id": "old-done", "started_seconds_ago": 7200, "steps": [{"name": "pre_check", "seconds": 10}]},
    {"task_id": "expanding", "started_seconds_ago": 600, "params": {"new_storage_space": 600},
     "steps": [{"name": "pre_check", "seconds": 3600}]},
    {"task_id": "restarting", "name": "restartInstance", "started_seconds_ago": 60,
     "steps": [{"name": "restart", "seconds": 3600}]}]},
  {"instance_id": "idle", "tasks": [
    {"task_id": "idle-older", "started_seconds_ago": 7200, "steps": [{"name": "pre_check", "seconds": 10}]},
    {"task_id": "idle-newest", "started_seconds_ago": 3600, "steps": [{"name": "pre_check", "seconds": 10, "fails": true}]}]},
  {"instance_id": "empty", "tasks": []}]}`, project)

func TestRunningExpansion(t *testing.T) {
	_, c := startEmulator(t, expansionScenario)
	ctx := context.Background()

	x, err := c.RunningExpansion(ctx, "busy")
	if err != nil || !x.Running || x.Task == nil || x.Task.ID != "expanding" {
		t.Fatalf("busy: %+v, %v", x, err)
	}
	if m, err := x.Task.ParamsMap(); err != nil || m["new_storage_space"] != float64(600) {
		t.Errorf("params %q: %v, %v", x.Task.Params, m, err)
	}
	x, err = c.RunningExpansion(ctx, "idle")
	if err != nil || x.Running || x.Task == nil || x.Task.ID != "idle-newest" || x.Task.Status != dmsprogress.TaskFailed {
		t.Fatalf("idle: %+v, %v", x, err)
	}
	x, err = c.RunningExpansion(ctx, "empty")
	if err != nil || x.Running || x.Task != nil {
		t.Fatalf("empty: %+v, %v", x, err)
	}

	// The generated scenario: its newest task runs.
	inst, taskIDs, gen := generated(t)
	x, err = gen.RunningExpansion(ctx, inst)
	if err != nil || !x.Running || x.Task.ID != taskIDs[0] {
		t.Fatalf("generated: %+v, %v", x, err)
	}
}

func TestMalformedTaskPageIsADecodeError(t *testing.T) {
	for _, body := range []string{`not json`, `{"task_count": "many", "tasks": []}`, `{"tasks": [{"name": "no id"}]}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "req-malformed")
			w.Write([]byte(body))
		}))
		cfg := config()
		cfg.Endpoint = srv.URL
		cfg.Retries = -1
		c := newClient(t, cfg)
		_, err := c.ListTasks(context.Background(), "i", dmsprogress.ListTasksQuery{})
		var e *dmsprogress.Error
		if !errors.Is(err, dmsprogress.ErrDecode) || !errors.As(err, &e) || e.RequestID != "req-malformed" {
			t.Errorf("%s: err = %v", body, err)
		}
		if _, err := c.AllTasks(context.Background(), "i", dmsprogress.ListTasksQuery{}); !errors.Is(err, dmsprogress.ErrDecode) {
			t.Errorf("%s: AllTasks err = %v", body, err)
		}
		if _, err := c.ShowTask(context.Background(), "i", "t"); !errors.Is(err, dmsprogress.ErrDecode) {
			t.Errorf("%s: ShowTask err = %v", body, err)
		}
		srv.Close()
	}
}

func TestTaskCallsHonourTheContext(t *testing.T) {
	cfg := config()
	cfg.Endpoint = hangingServer(t)
	cfg.Timeout = 10 * time.Second
	c := newClient(t, cfg)
	calls := map[string]func(ctx context.Context) error{
		"ListTasks": func(ctx context.Context) error {
			_, err := c.ListTasks(ctx, instance, dmsprogress.ListTasksQuery{})
			return err
		},
		"AllTasks": func(ctx context.Context) error {
			_, err := c.AllTasks(ctx, instance, dmsprogress.ListTasksQuery{})
			return err
		},
		"ShowTask": func(ctx context.Context) error {
			_, err := c.ShowTask(ctx, instance, taskDone)
			return err
		},
		"DeleteTask": func(ctx context.Context) error { return c.DeleteTask(ctx, instance, taskDone) },
		"RunningExpansion": func(ctx context.Context) error {
			_, err := c.RunningExpansion(ctx, instance)
			return err
		},
	}
	for name, call := range calls {
		// In flight: the deadline cuts the blocked HTTP attempt.
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: err = %v, want DeadlineExceeded", name, err)
		}
		if d := time.Since(start); d > 1300*time.Millisecond {
			t.Errorf("%s returned after %v with a 300 ms deadline", name, d)
		}
		// Cancelled in flight, and already cancelled.
		ctx, cancel = context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start = time.Now()
		if err := call(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want Canceled", name, err)
		}
		if d := time.Since(start); d > 1200*time.Millisecond {
			t.Errorf("%s returned after %v once cancelled", name, d)
		}
		if err := call(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v", name, err)
		}
	}
	// Close cancels the calls in flight and refuses new ones.
	errs := make(chan error, 1)
	go func() { errs <- calls["AllTasks"](context.Background()) }()
	time.Sleep(200 * time.Millisecond)
	c.Close()
	select {
	case err := <-errs:
		if !errors.Is(err, dmsprogress.ErrClosed) {
			t.Errorf("AllTasks cut by Close: err = %v, want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("AllTasks still running 2 s after Close")
	}
	for name, call := range calls {
		if err := call(context.Background()); !errors.Is(err, dmsprogress.ErrClosed) {
			t.Errorf("%s after Close: err = %v", name, err)
		}
	}
}

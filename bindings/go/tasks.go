package dmsprogress

/*
#include <stdlib.h>
#include "dms_progress.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"math"
	"time"
)

// TaskStatus is a task's overall state as the service reports it. The six documented
// states have constants; any other text the service sends is kept as it is ("" when
// absent).
type TaskStatus string

// The documented task states.
const (
	TaskCreated   TaskStatus = "CREATED"
	TaskExecuting TaskStatus = "EXECUTING"
	TaskSuccess   TaskStatus = "SUCCESS"
	TaskFailed    TaskStatus = "FAILED"
	TaskDeleted   TaskStatus = "DELETED"
	TaskCancelled TaskStatus = "CANCELLED"
)

// Known reports whether s is one of the six documented states.
func (s TaskStatus) Known() bool {
	switch s {
	case TaskCreated, TaskExecuting, TaskSuccess, TaskFailed, TaskDeleted, TaskCancelled:
		return true
	}
	return false
}

// Task is one background task of an instance (ListBackgroundTasks, ShowBackgroundTask).
type Task struct {
	// ID is what GetProgress and Wait take.
	ID string
	// Name is "kafkaInstanceExtend" for an expansion; other names exist.
	Name string
	// UserName and UserID say who started it ("" when the service did not).
	UserName, UserID string
	// Status of the task; unknown text is kept.
	Status TaskStatus
	// CreatedAt and UpdatedAt are zero when the service sent no time or something that is
	// not a time (then CreatedAtText / UpdatedAtText hold it). UTC.
	CreatedAt, UpdatedAt time.Time
	// CreatedAtText and UpdatedAtText hold a time that did not parse exactly as sent; ""
	// otherwise.
	CreatedAtText, UpdatedAtText string
	// Params are the task's parameters as the service sent them: JSON text when it keeps
	// its word, any other text otherwise ("" when absent). See ParamsMap.
	Params string

	// The library's reading of Status (CREATED or EXECUTING).
	running bool
}

// Running reports whether the task has not ended (CREATED or EXECUTING), as the library
// decides. False for a Task that did not come from the library.
func (t *Task) Running() bool {
	return t != nil && t.running
}

// ParamsMap decodes Params as a JSON object. It fails (with encoding/json's error) when
// Params is not one; an empty Params is an empty map.
func (t *Task) ParamsMap() (map[string]any, error) {
	m := map[string]any{}
	if t.Params == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(t.Params), &m); err != nil {
		return nil, err
	}
	return m, nil
}

// TaskPage is one page of an instance's tasks.
type TaskPage struct {
	// Tasks of the page, newest first.
	Tasks []Task
	// TaskCount is how many tasks match the query on every page together; nil when the
	// service did not say.
	TaskCount *uint64
}

// ListTasksQuery selects the tasks ListTasks and AllTasks return. A zero field is the
// library's default: from the newest task, the service's page size for ListTasks (10) and
// the library's for AllTasks, no time bounds. The library checks the values when the call
// starts (a Limit outside 1..100, a BeginTime after the EndTime: ErrInvalidArgument).
type ListTasksQuery struct {
	// Start is the 1-based position of the first task (the newest is 1).
	Start int
	// Limit is the number of tasks per page.
	Limit int
	// BeginTime and EndTime bound the tasks' creation time (inclusive; the service compares
	// whole seconds). They must be after 1970-01-01 when set.
	BeginTime, EndTime time.Time
}

// Expansion is what RunningExpansion found.
type Expansion struct {
	// Running says whether a task runs; Task is it.
	Running bool
	// Task is the running task, or when none runs the instance's newest task of any status
	// (nil when the instance has no task at all).
	Task *Task
}

// taskFromC copies a task (owned or borrowed) into Go memory; t stays untouched.
func taskFromC(t *C.dms_progress_task) Task {
	out := Task{
		ID:            goStringOrEmpty(C.dms_progress_task_id(t)),
		Name:          goStringOrEmpty(C.dms_progress_task_name(t)),
		UserName:      goStringOrEmpty(C.dms_progress_task_user_name(t)),
		UserID:        goStringOrEmpty(C.dms_progress_task_user_id(t)),
		Status:        TaskStatus(goStringOrEmpty(C.dms_progress_task_status_text(t))),
		CreatedAtText: goStringOrEmpty(C.dms_progress_task_created_at_text(t)),
		UpdatedAtText: goStringOrEmpty(C.dms_progress_task_updated_at_text(t)),
		Params:        goStringOrEmpty(C.dms_progress_task_params(t)),
		running:       bool(C.dms_progress_task_is_running(t)),
	}
	var ms C.int64_t
	if C.dms_progress_task_created_at(t, &ms) {
		out.CreatedAt = time.UnixMilli(int64(ms)).UTC()
	}
	if C.dms_progress_task_updated_at(t, &ms) {
		out.UpdatedAt = time.UnixMilli(int64(ms)).UTC()
	}
	return out
}

// takeTaskList copies and frees a task list.
func takeTaskList(l *C.dms_progress_task_list) TaskPage {
	defer C.dms_progress_task_list_free(l)
	var page TaskPage
	n := int(C.dms_progress_task_list_count(l))
	if n > 0 {
		page.Tasks = make([]Task, n)
	}
	for i := range n {
		page.Tasks[i] = taskFromC(C.dms_progress_task_list_get(l, C.size_t(i)))
	}
	var count C.uint64_t
	if C.dms_progress_task_list_task_count(l, &count) {
		v := uint64(count)
		page.TaskCount = &v
	}
	return page
}

// takeTask copies and frees an owned task; nil for NULL.
func takeTask(t *C.dms_progress_task) *Task {
	if t == nil {
		return nil
	}
	defer C.dms_progress_task_free(t)
	v := taskFromC(t)
	return &v
}

// cQuery is the native query of q; the caller frees it with
// dms_progress_list_tasks_query_free.
func cQuery(q ListTasksQuery) (*C.dms_progress_list_tasks_query, error) {
	for _, f := range []struct {
		v    int
		name string
	}{{q.Start, "ListTasksQuery.Start"}, {q.Limit, "ListTasksQuery.Limit"}} {
		if f.v < 0 || int64(f.v) > math.MaxUint32 {
			return nil, invalidArgument(f.name + " must be between 0 and 4294967295")
		}
	}
	var begin, end C.uint64_t
	for _, f := range []struct {
		t    time.Time
		out  *C.uint64_t
		name string
	}{{q.BeginTime, &begin, "ListTasksQuery.BeginTime"}, {q.EndTime, &end, "ListTasksQuery.EndTime"}} {
		if f.t.IsZero() {
			continue
		}
		ms := f.t.UnixMilli()
		if ms <= 0 {
			// The C API's 0 means "no bound".
			return nil, invalidArgument(f.name + " must be after 1970-01-01T00:00:00Z")
		}
		*f.out = C.uint64_t(ms)
	}
	cq := C.dms_progress_list_tasks_query_new()
	var cerr *C.dms_progress_error
	err := check(C.dms_progress_list_tasks_query_set_start(cq, C.uint32_t(q.Start), &cerr), cerr)
	if err == nil {
		err = check(C.dms_progress_list_tasks_query_set_limit(cq, C.uint32_t(q.Limit), &cerr), cerr)
	}
	if err == nil {
		err = check(C.dms_progress_list_tasks_query_set_begin_time_ms(cq, begin, &cerr), cerr)
	}
	if err == nil {
		err = check(C.dms_progress_list_tasks_query_set_end_time_ms(cq, end, &cerr), cerr)
	}
	if err != nil {
		C.dms_progress_list_tasks_query_free(cq)
		return nil, err
	}
	return cq, nil
}

// cArgs holds the C copies of a call's arguments until the native call has returned.
type cArgs struct {
	strs  []*C.char
	query *C.dms_progress_list_tasks_query
}

func (a *cArgs) str(s, what string) (*C.char, error) {
	p, err := cString(s, what)
	if err == nil {
		a.strs = append(a.strs, p)
	}
	return p, err
}

func (a *cArgs) free() {
	for _, p := range a.strs {
		freeCString(p)
	}
	C.dms_progress_list_tasks_query_free(a.query)
}

// runNative runs one native call as GetProgress does (call.run): on the caller's goroutine
// when ctx can never end, else on its own goroutine with the call's own cancel token, so
// that ctx ending returns at once (the native call is told to stop and finishes in the
// background, its result freed and args released then); a native CANCELLED is explained
// (ctx, Close), and calls still finishing bound new ones (ErrOverloaded). native returns a
// Go value already copied out of C memory.
func runNative[T any](ctx context.Context, c *Client, op string, args *cArgs,
	native func(k *call) (T, resultCode, error)) (T, error) {
	var zero T
	k, err := c.begin(op, ctx)
	if err != nil {
		args.free()
		return zero, err
	}
	var v T // written before run's outcome is handed over; read only when run returned
	r, returned := k.run(ctx, func() outcome {
		defer args.free()
		var o outcome
		v, o.code, o.err = native(k)
		return o
	})
	switch {
	case !returned:
		return zero, ctxError(op, ctx)
	case r.code == resultCancelled:
		return zero, cancelledError(op, ctx, c, r.err)
	}
	return v, r.err
}

// failed is the code and error of a native failure (takeError frees cerr).
func failed(rc C.dms_progress_result, cerr *C.dms_progress_error) (resultCode, error) {
	return resultCode(rc), takeError(rc, cerr, nil)
}

// listCall is ListTasks and AllTasks: the same arguments, one page or the whole walk.
func (c *Client) listCall(ctx context.Context, op, instanceID string, q ListTasksQuery, all bool) (TaskPage, error) {
	if ctx.Err() != nil {
		return TaskPage{}, ctxError(op, ctx)
	}
	var args cArgs
	cInstance, err := args.str(instanceID, "instance id")
	if err == nil {
		args.query, err = cQuery(q)
	}
	if err != nil {
		args.free()
		return TaskPage{}, err
	}
	return runNative(ctx, c, op, &args, func(k *call) (TaskPage, resultCode, error) {
		var l *C.dms_progress_task_list
		var cerr *C.dms_progress_error
		var rc C.dms_progress_result
		if all {
			rc = C.dms_progress_client_list_all_tasks(k.ptr, cInstance, args.query, k.token, &l, &cerr)
		} else {
			rc = C.dms_progress_client_list_tasks(k.ptr, cInstance, args.query, k.token, &l, &cerr)
		}
		if rc != C.DMS_PROGRESS_RESULT_OK {
			code, err := failed(rc, cerr)
			return TaskPage{}, code, err
		}
		return takeTaskList(l), resultOK, nil
	})
}

// ListTasks returns one page of the tasks of instanceID (ListBackgroundTasks), newest
// first, with the configured retries. Contexts are honoured as by GetProgress. A page that
// cannot be decoded (not JSON, a task_count that is not a number, a task without an id)
// fails with ErrDecode.
func (c *Client) ListTasks(ctx context.Context, instanceID string, q ListTasksQuery) (TaskPage, error) {
	return c.listCall(ctx, "list tasks", instanceID, q, false)
}

// AllTasks returns every task q selects, newest first: the library walks the pages (of
// q.Limit tasks, or its own page size) from q.Start until the list ends, and a task seen on
// an earlier page is not repeated. The first failing page fails the whole call. ctx bounds
// the whole walk, as GetProgress's call.
func (c *Client) AllTasks(ctx context.Context, instanceID string, q ListTasksQuery) ([]Task, error) {
	page, err := c.listCall(ctx, "list all tasks", instanceID, q, true)
	return page.Tasks, err
}

// ShowTask returns one task of instanceID (ShowBackgroundTask); a deleted task shows
// TaskDeleted, an unknown one is an *APIError with Status 404. Contexts are honoured as by
// GetProgress.
func (c *Client) ShowTask(ctx context.Context, instanceID, taskID string) (*Task, error) {
	const op = "show task"
	if ctx.Err() != nil {
		return nil, ctxError(op, ctx)
	}
	var args cArgs
	cInstance, err := args.str(instanceID, "instance id")
	var cTask *C.char
	if err == nil {
		cTask, err = args.str(taskID, "task id")
	}
	if err != nil {
		args.free()
		return nil, err
	}
	return runNative(ctx, c, op, &args, func(k *call) (*Task, resultCode, error) {
		var t *C.dms_progress_task
		var cerr *C.dms_progress_error
		rc := C.dms_progress_client_show_task(k.ptr, cInstance, cTask, k.token, &t, &cerr)
		if rc != C.DMS_PROGRESS_RESULT_OK {
			code, err := failed(rc, cerr)
			return nil, code, err
		}
		return takeTask(t), resultOK, nil
	})
}

// DeleteTask deletes the record of one task of instanceID (DeleteBackgroundTask): it then
// shows TaskDeleted and its progress is the service's not-found error. Retried like every
// call (deleting is idempotent). Contexts are honoured as by GetProgress.
func (c *Client) DeleteTask(ctx context.Context, instanceID, taskID string) error {
	const op = "delete task"
	if ctx.Err() != nil {
		return ctxError(op, ctx)
	}
	var args cArgs
	cInstance, err := args.str(instanceID, "instance id")
	var cTask *C.char
	if err == nil {
		cTask, err = args.str(taskID, "task id")
	}
	if err != nil {
		args.free()
		return err
	}
	_, err = runNative(ctx, c, op, &args, func(k *call) (struct{}, resultCode, error) {
		var cerr *C.dms_progress_error
		rc := C.dms_progress_client_delete_task(k.ptr, cInstance, cTask, k.token, &cerr)
		if rc != C.DMS_PROGRESS_RESULT_OK {
			code, err := failed(rc, cerr)
			return struct{}{}, code, err
		}
		return struct{}{}, resultOK, nil
	})
	return err
}

// RunningExpansion finds the expansion running on instanceID: the library reads every page
// of its tasks and picks the newest CREATED or EXECUTING task, a kafkaInstanceExtend one
// preferred. When none runs, Expansion.Running is false and Expansion.Task is the newest
// task (nil for an instance without tasks). Contexts are honoured as by GetProgress.
func (c *Client) RunningExpansion(ctx context.Context, instanceID string) (Expansion, error) {
	const op = "running expansion"
	if ctx.Err() != nil {
		return Expansion{}, ctxError(op, ctx)
	}
	var args cArgs
	cInstance, err := args.str(instanceID, "instance id")
	if err != nil {
		args.free()
		return Expansion{}, err
	}
	return runNative(ctx, c, op, &args, func(k *call) (Expansion, resultCode, error) {
		var running C.bool
		var t *C.dms_progress_task
		var cerr *C.dms_progress_error
		rc := C.dms_progress_client_running_expansion(k.ptr, cInstance, k.token, &running, &t, &cerr)
		if rc != C.DMS_PROGRESS_RESULT_OK {
			code, err := failed(rc, cerr)
			return Expansion{}, code, err
		}
		return Expansion{Running: bool(running), Task: takeTask(t)}, resultOK, nil
	})
}

package dmsprogress

/*
#include <stdint.h>
#include <string.h>
#include "dms_progress.h"

// A progress copied whole into one caller-owned buffer by dmsprogress_copy, so that Go reads
// it with one C call instead of one per field (each cgo call costs a transition).
//
// The buffer holds a dmsprogress_copy_head, then step_count dmsprogress_copy_step, then the
// texts, each as its accessor returns it, without its NUL. A text is an offset and a length
// into that text area; an absent text (a NULL from the accessor) has length 0, which is also
// how the Go side has always read it ("").
typedef struct {
	uint64_t step_count;
	uint64_t remain_secs;
	uint64_t failed_step;
	uint64_t current_step;
	uint8_t has_percentage;
	uint8_t percentage;
	uint8_t has_remain;
	uint8_t complete;
	uint8_t has_failed;
	uint8_t has_current;
} dmsprogress_copy_head;

typedef struct {
	int64_t start_ms;
	int64_t end_ms;
	uint64_t name, name_len;
	uint64_t status, status_len;
	uint64_t start_text, start_text_len;
	uint64_t end_text, end_text_len;
	uint8_t has_start;
	uint8_t has_end;
} dmsprogress_copy_step;

// Appends s (NULL: nothing) to the text area at *used and records where it went.
static void dmsprogress_copy_text(char *text, size_t *used, const char *s, uint64_t *off, uint64_t *len) {
	size_t n = s ? strlen(s) : 0;
	if (n > 0) {
		memcpy(text + *used, s, n);
	}
	*off = *used;
	*len = n;
	*used += n;
}

// Copies p into buf (cap bytes, 8-byte aligned) and returns the bytes the copy needs: when
// that is more than cap, nothing usable was written and the caller calls again with a buffer
// that large. p is only read.
static size_t dmsprogress_copy(const dms_progress_progress *p, void *buf, size_t cap) {
	size_t n = dms_progress_progress_step_count(p);
	size_t fixed = sizeof(dmsprogress_copy_head) + n * sizeof(dmsprogress_copy_step);
	size_t texts = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s[4] = {
			dms_progress_progress_step_name(p, i),
			dms_progress_progress_step_status_text(p, i),
			dms_progress_progress_step_start_time_text(p, i),
			dms_progress_progress_step_end_time_text(p, i),
		};
		for (int j = 0; j < 4; j++) {
			texts += s[j] ? strlen(s[j]) : 0;
		}
	}
	if (fixed + texts > cap) {
		return fixed + texts;
	}
	dmsprogress_copy_head *head = buf;
	dmsprogress_copy_step *steps = (dmsprogress_copy_step *)(head + 1);
	char *text = (char *)(steps + n);
	size_t used = 0;
	memset(head, 0, sizeof *head);
	head->step_count = n;
	head->has_percentage = dms_progress_progress_percentage(p, &head->percentage);
	head->has_remain = dms_progress_progress_remain_time(p, &head->remain_secs);
	head->complete = dms_progress_progress_is_complete(p);
	size_t index;
	if ((head->has_failed = dms_progress_progress_failed_step(p, &index))) {
		head->failed_step = index;
	}
	if ((head->has_current = dms_progress_progress_current_step(p, &index))) {
		head->current_step = index;
	}
	for (size_t i = 0; i < n; i++) {
		dmsprogress_copy_step *s = &steps[i];
		memset(s, 0, sizeof *s);
		s->has_start = dms_progress_progress_step_start_time(p, i, &s->start_ms);
		s->has_end = dms_progress_progress_step_end_time(p, i, &s->end_ms);
		dmsprogress_copy_text(text, &used, dms_progress_progress_step_name(p, i), &s->name, &s->name_len);
		dmsprogress_copy_text(text, &used, dms_progress_progress_step_status_text(p, i), &s->status, &s->status_len);
		dmsprogress_copy_text(text, &used, dms_progress_progress_step_start_time_text(p, i), &s->start_text, &s->start_text_len);
		dmsprogress_copy_text(text, &used, dms_progress_progress_step_end_time_text(p, i), &s->end_text, &s->end_text_len);
	}
	return fixed + texts;
}

// What dmsprogress_get_progress writes besides the copy: one struct, so that Go passes
// one pointer for all three.
typedef struct {
	size_t needed;
	dms_progress_progress *progress;
	dms_progress_error *error;
} dmsprogress_get_out;

// dms_progress_client_get_progress, with the progress it returns copied into buf by
// dmsprogress_copy and freed in the same C call: one cgo call per successful poll. When the
// copy needs more than cap bytes (out->needed), the progress is handed back in
// out->progress instead, for the caller to copy into a larger buffer and free.
static dms_progress_result dmsprogress_get_progress(const dms_progress_client *client,
		const char *instance_id, const char *task_id, const dms_progress_cancel *cancel,
		void *buf, size_t cap, dmsprogress_get_out *out) {
	dms_progress_progress *p = NULL;
	out->needed = 0;
	out->progress = NULL;
	dms_progress_result rc = dms_progress_client_get_progress(client, instance_id, task_id, cancel, &p, &out->error);
	if (rc != DMS_PROGRESS_RESULT_OK) {
		return rc;
	}
	out->needed = dmsprogress_copy(p, buf, cap);
	if (out->needed <= cap) {
		dms_progress_progress_free(p);
	} else {
		out->progress = p;
	}
	return rc;
}
*/
import "C"

import (
	"math"
	"sync"
	"time"
	"unsafe"
)

// StepStatus is the state of a step as the service reports it. The four documented states
// have constants; any other text the service sends is kept as it is ("" when absent).
type StepStatus string

// The documented step states.
const (
	StepCompleted  StepStatus = "COMPLETED"
	StepInProgress StepStatus = "IN_PROGRESS"
	StepFailed     StepStatus = "FAILED"
	StepWaiting    StepStatus = "WAITING"
)

// Known reports whether s is one of the four documented states.
func (s StepStatus) Known() bool {
	switch s {
	case StepCompleted, StepInProgress, StepFailed, StepWaiting:
		return true
	}
	return false
}

// Step is one step of a task (pre_check, disk_expansion, rolling_scaling, …).
type Step struct {
	// Name as the service sent it ("" if it sent none).
	Name string
	// Status of the step; unknown text is kept.
	Status StepStatus
	// Start and End are nil until the step starts / ends, and when the service sent a
	// time that is not a number (then StartText / EndText hold it).
	Start, End *time.Time
	// StartText and EndText hold a non-numeric time exactly as sent; "" otherwise.
	StartText, EndText string
}

// Progress is the progress of a background task, as one poll saw it.
type Progress struct {
	// Percentage is the whole-task progress 0..100; nil when the service did not report it.
	Percentage *int
	// RemainTime is the remaining time the service estimates; nil when unknown.
	RemainTime *time.Duration
	// Steps are the task's steps, in order (possibly none).
	Steps []Step

	// What the native library decided about this progress (the package never re-derives
	// it): complete, and the indices of the failed and current steps (-1: none).
	complete    bool
	failedStep  int
	currentStep int
}

// IsComplete reports whether the task is complete: 100 % and every step COMPLETED, as the
// library decides. False for a Progress that did not come from the library.
func (p *Progress) IsComplete() bool {
	return p != nil && p.complete
}

// FailedStep returns the index of the first FAILED step, and false when no step failed.
func (p *Progress) FailedStep() (index int, ok bool) {
	if p == nil || p.failedStep < 0 {
		return 0, false
	}
	return p.failedStep, true
}

// CurrentStep returns the index of the step running now (the first IN_PROGRESS step), and
// false when none is (between two steps, before the first or after the last), as the
// library decides.
func (p *Progress) CurrentStep() (index int, ok bool) {
	if p == nil || p.currentStep < 0 {
		return 0, false
	}
	return p.currentStep, true
}

// copyBufSize is the buffer a progress is first copied into: room for a few dozen steps with
// the service's usual names. A larger progress takes a second C call with a buffer its size.
const copyBufSize = 2048

// copyBuf is a buffer for dmsprogress_copy: 8-byte aligned (the copy's structs hold
// 64-bit fields), Go memory without Go pointers, which C may fill during a call.
func copyBuf(size uintptr) []uint64 {
	return make([]uint64, (size+7)/8)
}

// copyBufs keeps copyBufSize buffers for reuse: what is read out of one is copied into new
// Go memory, so a buffer is free again as soon as its progress is built.
var copyBufs = sync.Pool{New: func() any { return new([copyBufSize / 8]uint64) }}

// progressFromC copies a progress (owned or borrowed) into Go memory in one C call (two when
// it is larger than copyBufSize); p stays untouched and may be freed (or go out of scope, for
// a borrowed one) right after.
func progressFromC(p *C.dms_progress_progress) *Progress {
	buf := copyBufs.Get().(*[copyBufSize / 8]uint64)
	defer copyBufs.Put(buf)
	needed := uintptr(C.dmsprogress_copy(p, unsafe.Pointer(&buf[0]), copyBufSize))
	if needed > copyBufSize {
		return copyProgress(p, needed)
	}
	return progressFromCopy(buf[:])
}

// copyProgress is progressFromC with a first buffer of size bytes.
func copyProgress(p *C.dms_progress_progress, size uintptr) *Progress {
	buf := copyBuf(size)
	needed := uintptr(C.dmsprogress_copy(p, unsafe.Pointer(&buf[0]), C.size_t(len(buf)*8)))
	if needed > uintptr(len(buf)*8) {
		buf = copyBuf(needed)
		C.dmsprogress_copy(p, unsafe.Pointer(&buf[0]), C.size_t(len(buf)*8))
	}
	return progressFromCopy(buf)
}

// progressFromCopy builds a Progress from what dmsprogress_copy wrote into buf. Every text
// is a substring of one Go string holding the copy's whole text area: one allocation for
// all of them.
func progressFromCopy(buf []uint64) *Progress {
	head := (*C.dmsprogress_copy_head)(unsafe.Pointer(&buf[0]))
	n := int(head.step_count)
	steps := unsafe.Slice((*C.dmsprogress_copy_step)(unsafe.Add(unsafe.Pointer(head), unsafe.Sizeof(*head))), n)
	textStart := unsafe.Sizeof(*head) + uintptr(n)*unsafe.Sizeof(C.dmsprogress_copy_step{})
	all := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(buf)*8)
	var textLen uint64
	nTimes := 0
	for i := range steps {
		s := &steps[i]
		textLen += uint64(s.name_len + s.status_len + s.start_text_len + s.end_text_len)
		nTimes += int(s.has_start) + int(s.has_end)
	}
	// The step times in one allocation too; each Start and End points into it.
	times := make([]time.Time, 0, nTimes)
	timeAt := func(ms C.int64_t) *time.Time {
		times = append(times, time.UnixMilli(int64(ms)).UTC())
		return &times[len(times)-1]
	}
	text := string(all[textStart : textStart+uintptr(textLen)])
	sub := func(off, n C.uint64_t) string { return text[off : off+n] }

	out := &Progress{failedStep: -1, currentStep: -1, complete: head.complete != 0}
	if head.has_percentage != 0 {
		v := int(head.percentage)
		out.Percentage = &v
	}
	if head.has_remain != 0 {
		secs := uint64(head.remain_secs)
		d := time.Duration(math.MaxInt64)
		if secs < uint64(math.MaxInt64/int64(time.Second)) {
			d = time.Duration(secs) * time.Second
		}
		out.RemainTime = &d
	}
	if n > 0 {
		out.Steps = make([]Step, n)
	}
	for i := range steps {
		c, s := &steps[i], &out.Steps[i]
		s.Name = sub(c.name, c.name_len)
		// The wire text as sent: the four documented states are the StepStatus constants.
		s.Status = StepStatus(sub(c.status, c.status_len))
		if c.has_start != 0 {
			s.Start = timeAt(c.start_ms)
		}
		if c.has_end != 0 {
			s.End = timeAt(c.end_ms)
		}
		s.StartText = sub(c.start_text, c.start_text_len)
		s.EndText = sub(c.end_text, c.end_text_len)
	}
	if head.has_failed != 0 {
		out.failedStep = int(head.failed_step)
	}
	if head.has_current != 0 {
		out.currentStep = int(head.current_step)
	}
	return out
}

// getProgress is dms_progress_client_get_progress on k with the progress copied into Go
// memory by the same C call.
func (k *call) getProgress(ids taskIDs) outcome {
	buf := copyBufs.Get().(*[copyBufSize / 8]uint64)
	defer copyBufs.Put(buf)
	var out C.dmsprogress_get_out
	rc := C.dmsprogress_get_progress(k.ptr, ids.instance(), ids.taskID(), k.token,
		unsafe.Pointer(&buf[0]), copyBufSize, &out)
	switch {
	case rc != C.DMS_PROGRESS_RESULT_OK:
		return outcome{code: resultCode(rc), err: takeError(rc, out.error, nil)}
	case out.progress != nil: // larger than buf
		defer C.dms_progress_progress_free(out.progress)
		return outcome{progress: copyProgress(out.progress, uintptr(out.needed)), code: resultOK}
	}
	return outcome{progress: progressFromCopy(buf[:]), code: resultOK}
}

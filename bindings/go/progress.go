package dmsprogress

/*
#include "dms_progress.h"
*/
import "C"

import (
	"math"
	"time"
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

	// What the native library decided about this progress, when it came from there; a
	// Progress built by hand (in a test) falls back to the documented rule.
	fromLibrary bool
	complete    bool
	failedStep  int
}

// IsComplete reports whether the task is complete: 100 % and every step COMPLETED.
func (p *Progress) IsComplete() bool {
	if p == nil {
		return false
	}
	if p.fromLibrary {
		return p.complete
	}
	if p.Percentage == nil || *p.Percentage != 100 {
		return false
	}
	for _, s := range p.Steps {
		if s.Status != StepCompleted {
			return false
		}
	}
	return true
}

// FailedStep returns the index of the first FAILED step, and false when no step failed.
func (p *Progress) FailedStep() (index int, ok bool) {
	if p == nil {
		return 0, false
	}
	if p.fromLibrary {
		return p.failedStep, p.failedStep >= 0
	}
	for i, s := range p.Steps {
		if s.Status == StepFailed {
			return i, true
		}
	}
	return 0, false
}

// progressFromC copies a progress (owned or borrowed) into Go memory; p stays untouched
// and may be freed (or go out of scope, for a borrowed one) right after.
func progressFromC(p *C.dms_progress_progress) *Progress {
	out := &Progress{fromLibrary: true, failedStep: -1}
	var pct C.uint8_t
	if C.dms_progress_progress_percentage(p, &pct) {
		v := int(pct)
		out.Percentage = &v
	}
	var secs C.uint64_t
	if C.dms_progress_progress_remain_time(p, &secs) {
		d := time.Duration(math.MaxInt64)
		if uint64(secs) < uint64(math.MaxInt64/int64(time.Second)) {
			d = time.Duration(secs) * time.Second
		}
		out.RemainTime = &d
	}
	n := int(C.dms_progress_progress_step_count(p))
	if n > 0 {
		out.Steps = make([]Step, n)
	}
	for i := range n {
		idx := C.size_t(i)
		s := &out.Steps[i]
		s.Name = goStringOrEmpty(C.dms_progress_progress_step_name(p, idx))
		switch C.dms_progress_progress_step_status(p, idx) {
		case C.DMS_PROGRESS_STEP_STATUS_COMPLETED:
			s.Status = StepCompleted
		case C.DMS_PROGRESS_STEP_STATUS_IN_PROGRESS:
			s.Status = StepInProgress
		case C.DMS_PROGRESS_STEP_STATUS_FAILED:
			s.Status = StepFailed
		case C.DMS_PROGRESS_STEP_STATUS_WAITING:
			s.Status = StepWaiting
		default:
			s.Status = StepStatus(goStringOrEmpty(C.dms_progress_progress_step_status_text(p, idx)))
		}
		var ms C.int64_t
		if C.dms_progress_progress_step_start_time(p, idx, &ms) {
			t := time.UnixMilli(int64(ms)).UTC()
			s.Start = &t
		}
		if C.dms_progress_progress_step_end_time(p, idx, &ms) {
			t := time.UnixMilli(int64(ms)).UTC()
			s.End = &t
		}
		s.StartText = goStringOrEmpty(C.dms_progress_progress_step_start_time_text(p, idx))
		s.EndText = goStringOrEmpty(C.dms_progress_progress_step_end_time_text(p, idx))
	}
	out.complete = bool(C.dms_progress_progress_is_complete(p))
	var failed C.size_t
	if C.dms_progress_progress_failed_step(p, &failed) {
		out.failedStep = int(failed)
	}
	return out
}

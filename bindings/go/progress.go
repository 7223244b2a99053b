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

// progressFromC copies a progress (owned or borrowed) into Go memory; p stays untouched
// and may be freed (or go out of scope, for a borrowed one) right after.
func progressFromC(p *C.dms_progress_progress) *Progress {
	out := &Progress{failedStep: -1, currentStep: -1}
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
		// The wire text as sent: the four documented states are the StepStatus constants.
		s.Status = StepStatus(goStringOrEmpty(C.dms_progress_progress_step_status_text(p, idx)))
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
	var index C.size_t
	if C.dms_progress_progress_failed_step(p, &index) {
		out.failedStep = int(index)
	}
	if C.dms_progress_progress_current_step(p, &index) {
		out.currentStep = int(index)
	}
	return out
}

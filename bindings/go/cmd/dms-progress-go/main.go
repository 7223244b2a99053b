// Command dms-progress-go prints the progress of a DMS for Kafka background task (a
// capacity expansion), using the dmsprogress package. It is an example of the package and
// a single self-contained binary: the native library is linked in statically.
//
// Usage:
//
//	dms-progress-go --region cn-north-4 --instance-id ID --task-id ID [--wait]
//	dms-progress-go --endpoint http://127.0.0.1:8080 --project-id P --instance-id ID --task-id ID
//
// Credentials come from the environment (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_SECURITY_TOKEN; the project from HUAWEICLOUD_SDK_PROJECT_ID unless
// --project-id is given) or the credentials profile file, never from flags.
//
// Exit status: 0 when the progress was printed (with --wait: the task completed), 1 on an
// error, 2 on a usage error, 3 when a step of the task failed, 4 when --wait gave up at
// --max-wait.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
)

const (
	exitError      = 1
	exitUsage      = 2
	exitTaskFailed = 3
	exitTimeout    = 4
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dms-progress-go", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "", "explicit endpoint, e.g. http://127.0.0.1:8080 (wins over --region)")
	region := fs.String("region", "", "region, e.g. cn-north-4")
	projectID := fs.String("project-id", "", "project id (default $HUAWEICLOUD_SDK_PROJECT_ID or the profile file)")
	instanceID := fs.String("instance-id", "", "Kafka instance id (required)")
	taskID := fs.String("task-id", "", "background task id, e.g. the job_id of the resize call (required)")
	wait := fs.Bool("wait", false, "poll until the task completes or fails, printing each poll")
	interval := fs.Duration("interval", 0, "with --wait: time between polls (0: the library's default)")
	maxWait := fs.Duration("max-wait", 0, "with --wait: give up after this long (0: the library's default)")
	timeout := fs.Duration("timeout", 0, "per-attempt HTTP timeout (0: the library's default)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dms-progress-go (--endpoint URL | --region REGION) --instance-id ID --task-id ID [--wait]")
		fmt.Fprintln(stderr, "credentials: HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (or the profile file)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	if fs.NArg() > 0 || *instanceID == "" || *taskID == "" || (*endpoint == "" && *region == "") {
		fs.Usage()
		return exitUsage
	}

	c, err := dmsprogress.NewClient(dmsprogress.Config{
		Endpoint:  *endpoint,
		Region:    *region,
		ProjectID: *projectID,
		Timeout:   *timeout,
	})
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		if errors.Is(err, dmsprogress.ErrInvalidArgument) || errors.Is(err, dmsprogress.ErrConfig) {
			return exitUsage
		}
		return exitError
	}
	defer c.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var p *dmsprogress.Progress
	if *wait {
		p, err = c.Wait(ctx, *instanceID, *taskID, dmsprogress.WaitOptions{
			Interval:   *interval,
			MaxWait:    *maxWait,
			OnProgress: func(p *dmsprogress.Progress) { fmt.Fprintln(stdout, summary(p)) },
		})
	} else {
		p, err = c.GetProgress(ctx, *instanceID, *taskID)
	}

	var failed *dmsprogress.TaskFailedError
	var timedOut *dmsprogress.WaitTimeoutError
	var apiErr *dmsprogress.APIError
	switch {
	case err == nil:
		if *wait {
			fmt.Fprintln(stdout, "task complete")
		} else {
			printProgress(stdout, p)
		}
		return 0
	case errors.As(err, &failed):
		fmt.Fprintf(stderr, "task failed at step %q\n", failed.Step.Name)
		if failed.Progress != nil {
			printProgress(stderr, failed.Progress)
		}
		return exitTaskFailed
	case errors.As(err, &timedOut):
		fmt.Fprintln(stderr, "error:", err)
		return exitTimeout
	case errors.As(err, &apiErr):
		fmt.Fprintf(stderr, "error: HTTP %d %s: %s (request id %s)\n", apiErr.Status, apiErr.Code, apiErr.Message, apiErr.RequestID)
		return exitError
	default:
		fmt.Fprintln(stderr, "error:", err)
		return exitError
	}
}

// summary is one line: percentage, remaining time, and the step in progress.
func summary(p *dmsprogress.Progress) string {
	var b strings.Builder
	if p.Percentage != nil {
		fmt.Fprintf(&b, "%3d%%", *p.Percentage)
	} else {
		b.WriteString("  ?%")
	}
	if p.RemainTime != nil && !p.IsComplete() {
		fmt.Fprintf(&b, "  %v left", *p.RemainTime)
	}
	if i, ok := p.CurrentStep(); ok {
		fmt.Fprintf(&b, "  %s %s", p.Steps[i].Name, p.Steps[i].Status)
	}
	return b.String()
}

func printProgress(w io.Writer, p *dmsprogress.Progress) {
	fmt.Fprintln(w, "progress:", summary(p))
	for _, s := range p.Steps {
		line := fmt.Sprintf("  %-20s %-12s", s.Name, s.Status)
		if s.Start != nil {
			line += " started " + s.Start.Local().Format(time.DateTime)
		} else if s.StartText != "" {
			line += " started " + s.StartText
		}
		if s.End != nil {
			line += ", ended " + s.End.Local().Format(time.DateTime)
		} else if s.EndText != "" {
			line += ", ended " + s.EndText
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if p.IsComplete() {
		fmt.Fprintln(w, "task complete")
	}
}

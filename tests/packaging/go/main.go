// A user's program, built by tests/packaging/run.sh in a module outside the repository
// against an installed libdms_progress (pkg-config). Waits for the task named on the command
// line at the emulator that tests/with-emulator.sh started, and prints "complete <version>".
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: app INSTANCE_ID TASK_ID")
		os.Exit(2)
	}
	client, err := dmsprogress.NewClient(dmsprogress.Config{
		Endpoint:          os.Getenv("DMS_ENDPOINT"),
		ProjectID:         os.Getenv("DMS_PROJECT_ID"),
		AccessKey:         os.Getenv("DMS_AK"),
		SecretKey:         os.Getenv("DMS_SK"),
		IgnoreEnvironment: true,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := client.Wait(ctx, os.Args[1], os.Args[2], dmsprogress.WaitOptions{Interval: 100 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, "wait:", err)
		os.Exit(1)
	}
	if !p.IsComplete() {
		fmt.Fprintln(os.Stderr, "the wait ended before the task completed")
		os.Exit(1)
	}
	fmt.Println("complete", dmsprogress.Version())
}

// Command bench-go is bench/run.sh's load generator for the Go package: GetProgress against
// a running dms-emulator, one client shared by every caller.
//
//	bench-go ENDPOINT PROJECT INSTANCE TASK CALLERS CALLS_PER_CALLER
//
// Credentials: HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK. Each caller (a goroutine) warms up
// first, then all start together. Prints "wall_ns N", then one call duration in nanoseconds
// per line.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
)

const warmUpCalls = 20

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench-go:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 6 {
		return fmt.Errorf("usage: bench-go ENDPOINT PROJECT INSTANCE TASK CALLERS CALLS_PER_CALLER")
	}
	callers, err := strconv.Atoi(args[4])
	if err != nil || callers < 1 {
		return fmt.Errorf("bad CALLERS %q", args[4])
	}
	calls, err := strconv.Atoi(args[5])
	if err != nil || calls < 1 {
		return fmt.Errorf("bad CALLS_PER_CALLER %q", args[5])
	}
	client, err := dmsprogress.NewClient(dmsprogress.Config{
		Endpoint:          args[0],
		ProjectID:         args[1],
		AccessKey:         os.Getenv("HUAWEICLOUD_SDK_AK"),
		SecretKey:         os.Getenv("HUAWEICLOUD_SDK_SK"),
		IgnoreEnvironment: true,
	})
	if err != nil {
		return err
	}
	defer client.Close()
	instance, task := args[2], args[3]
	ctx := context.Background()

	lat := make([][]time.Duration, callers)
	errs := make([]error, callers)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(callers)
	done.Add(callers)
	for i := range callers {
		go func() {
			defer done.Done()
			for range warmUpCalls {
				if _, err := client.GetProgress(ctx, instance, task); err != nil {
					errs[i] = err
					break
				}
			}
			ready.Done()
			<-start
			if errs[i] != nil {
				return
			}
			mine := make([]time.Duration, 0, calls)
			for range calls {
				t := time.Now()
				if _, err := client.GetProgress(ctx, instance, task); err != nil {
					errs[i] = err
					return
				}
				mine = append(mine, time.Since(t))
			}
			lat[i] = mine
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	wall := time.Since(t0)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	fmt.Fprintf(out, "wall_ns %d\n", wall.Nanoseconds())
	for _, mine := range lat {
		for _, d := range mine {
			fmt.Fprintln(out, d.Nanoseconds())
		}
	}
	return nil
}

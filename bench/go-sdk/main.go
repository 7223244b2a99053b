// Command bench-go-sdk is bench/run.sh's load generator for the official Go SDK
// (huaweicloud-sdk-go-v3, KafkaClient.ShowBackgroundTaskProgress) against a running
// dms-emulator, one client shared by every caller: the peer our Go package is chosen against.
//
//	bench-go-sdk ENDPOINT PROJECT INSTANCE TASK CALLERS CALLS_PER_CALLER
//	bench-go-sdk once ENDPOINT PROJECT INSTANCE TASK
//
// Credentials: HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK. The bench form prints "wall_ns N" and
// one call duration in nanoseconds per line, as bench-go does; when a call fails it prints
// "error: ..." and exits 1 (bench/run.sh records that failure in the report). `once` makes one
// call and prints the decoded response as JSON, or the SDK's error.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	kafka "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
)

const warmUpCalls = 20

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func newClient(endpoint, project string) (*kafka.KafkaClient, error) {
	cred, err := basic.NewCredentialsBuilder().
		WithAk(os.Getenv("HUAWEICLOUD_SDK_AK")).
		WithSk(os.Getenv("HUAWEICLOUD_SDK_SK")).
		WithProjectId(project).
		SafeBuild()
	if err != nil {
		return nil, err
	}
	hc, err := kafka.KafkaClientBuilder().
		WithEndpoints([]string{endpoint}).
		WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithRetries(0)).
		SafeBuild()
	if err != nil {
		return nil, err
	}
	return kafka.NewKafkaClient(hc), nil
}

func call(c *kafka.KafkaClient, instance, task string) (*model.ShowBackgroundTaskProgressResponse, error) {
	return c.ShowBackgroundTaskProgress(&model.ShowBackgroundTaskProgressRequest{InstanceId: instance, TaskId: task})
}

func run(args []string) error {
	if len(args) == 5 && args[0] == "once" {
		c, err := newClient(args[1], args[2])
		if err != nil {
			return err
		}
		resp, err := call(c, args[3], args[4])
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(resp)
	}
	if len(args) != 6 {
		return fmt.Errorf("usage: bench-go-sdk ENDPOINT PROJECT INSTANCE TASK CALLERS CALLS_PER_CALLER | once ENDPOINT PROJECT INSTANCE TASK")
	}
	callers, err := strconv.Atoi(args[4])
	if err != nil || callers < 1 {
		return fmt.Errorf("bad CALLERS %q", args[4])
	}
	calls, err := strconv.Atoi(args[5])
	if err != nil || calls < 1 {
		return fmt.Errorf("bad CALLS_PER_CALLER %q", args[5])
	}
	client, err := newClient(args[0], args[1])
	if err != nil {
		return err
	}
	instance, task := args[2], args[3]

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
				if _, err := call(client, instance, task); err != nil {
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
				if _, err := call(client, instance, task); err != nil {
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

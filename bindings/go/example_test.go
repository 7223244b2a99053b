package dmsprogress_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
)

// Query a task once, then wait for it to finish, printing each poll. Credentials and the
// project come from the environment (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_PROJECT_ID) or the profile file.
func Example() {
	c, err := dmsprogress.NewClient(dmsprogress.Config{Region: "cn-north-4"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	instanceID, taskID := "11111111-2222-3333-4444-555555555555", "ff8080818d1b2a3c018d1b2a3c4d0001"

	p, err := c.Wait(ctx, instanceID, taskID, dmsprogress.WaitOptions{
		Interval: 10 * time.Second,
		OnProgress: func(p *dmsprogress.Progress) {
			if p.Percentage != nil {
				fmt.Printf("%d%%\n", *p.Percentage)
			}
		},
	})
	var apiErr *dmsprogress.APIError
	var failed *dmsprogress.TaskFailedError
	switch {
	case errors.As(err, &failed):
		log.Fatalf("step %s failed", failed.Step.Name)
	case errors.As(err, &apiErr):
		log.Fatalf("HTTP %d %s (request id %s)", apiErr.Status, apiErr.Code, apiErr.RequestID)
	case errors.Is(err, context.DeadlineExceeded):
		log.Fatal("still running after two hours")
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println("done:", p.IsComplete())
}

// Decode a response fetched with your own HTTP stack (no server needed here).
func ExampleDecodeResponse() {
	body := []byte(`{"progress_percentage": 40, "remain_time": 1124, "step_list": [
		{"name": "pre_check", "statue": "COMPLETED", "start_time": 1763350067752, "end_time": 1763350111208},
		{"name": "disk_expansion", "statue": "IN_PROGRESS", "start_time": 1763350111326}]}`)
	p, err := dmsprogress.DecodeResponse(200, http.Header{"X-Request-Id": {"abc"}}, body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d%%, about %v left\n", *p.Percentage, *p.RemainTime)
	for _, s := range p.Steps {
		fmt.Println(s.Name, s.Status, s.Start.Format(time.RFC3339))
	}
	fmt.Println("complete:", p.IsComplete())

	_, err = dmsprogress.DecodeResponse(401, http.Header{"X-Request-Id": {"req-7"}},
		[]byte(`{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"}`))
	var apiErr *dmsprogress.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Status, apiErr.Code, apiErr.RequestID)
	}
	// Output:
	// 40%, about 18m44s left
	// pre_check COMPLETED 2025-11-17T03:27:47Z
	// disk_expansion IN_PROGRESS 2025-11-17T03:28:31Z
	// complete: false
	// 401 APIGW.0301 req-7
}

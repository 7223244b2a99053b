package dmsprogress

import (
	"context"
	"errors"
	"testing"
)

// Past the bound of calls still finishing in the background, a call fails fast, before
// anything is sent, and works again once the background has drained.
func TestCallsFailFastPastTheBackgroundBound(t *testing.T) {
	c, err := NewClient(Config{Endpoint: "http://127.0.0.1:1", ProjectID: "p", AccessKey: "AK", SecretKey: "SK",
		IgnoreEnvironment: true, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.abandoned.Store(maxAbandoned)
	if _, err := c.GetProgress(context.Background(), "i", "t"); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("GetProgress err = %v, want ErrOverloaded", err)
	}
	if _, err := c.Wait(context.Background(), "i", "t", WaitOptions{}); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Wait err = %v, want ErrOverloaded", err)
	}
	c.abandoned.Store(maxAbandoned - 1)
	if _, err := c.GetProgress(context.Background(), "i", "t"); !errors.Is(err, ErrTransport) {
		t.Fatalf("under the bound: err = %v, want the dead port's ErrTransport", err)
	}
}

package main

// A user's own test, using the package's emulator helper (emulatortest) with the
// dms-emulator found on PATH (the release tarball's bin/).

import (
	"context"
	"testing"
	"time"

	dmsprogress "github.com/dms-progress/dms-progress/bindings/go"
	"github.com/dms-progress/dms-progress/bindings/go/emulatortest"
)

func TestProgressFromTheEmulator(t *testing.T) {
	emu, err := emulatortest.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	if len(emu.Tasks) == 0 {
		t.Fatal("the built-in demo has no task")
	}
	task := emu.Tasks[0]
	client, err := dmsprogress.NewClient(dmsprogress.Config{
		Endpoint:          emu.Endpoint,
		ProjectID:         task.ProjectID,
		AccessKey:         emulatortest.DemoAK,
		SecretKey:         emulatortest.DemoSK,
		IgnoreEnvironment: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := client.GetProgress(ctx, task.InstanceID, task.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) == 0 {
		t.Fatalf("no steps in %+v", p)
	}
}

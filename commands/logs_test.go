package commands_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestTypedTextIsLoggedAtDebugOnly: when a command fails on okrbot's side,
// the log says who and which command at error level, and what they typed
// only at debug level.
func TestTypedTextIsLoggedAtDebugOnly(t *testing.T) {
	t.Parallel()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		t.Run(level.String(), func(t *testing.T) {
			st := storetest.OpenURL(t, storetest.SQLiteURL(t))
			var logs bytes.Buffer
			svc := commands.New(commands.Config{Store: st, Now: func() time.Time { return midQ4 },
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: level}))})
			st.Close() // every query fails from now on
			got := render(svc.Command(context.Background(), request("T1", "U1", `new "Acquire Globex quietly"`)))
			if !strings.Contains(got, "Something went wrong on okrbot's side") {
				t.Fatalf("reply = %s", got)
			}
			if !strings.Contains(logs.String(), "request failed") {
				t.Errorf("the failure is not logged:\n%s", logs.String())
			}
			if typed := strings.Contains(logs.String(), "Acquire Globex quietly"); typed != (level == slog.LevelDebug) {
				t.Errorf("at %s, the typed text logged = %v:\n%s", level, typed, logs.String())
			}
		})
	}
}

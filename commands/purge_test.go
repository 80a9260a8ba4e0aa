package commands_test

import (
	"context"
	"strings"
	"testing"
)

// TestPurgeWhileInUse: okrbot purge deletes a workspace that this Service
// remembers. The next request that writes is refused with a message
// saying why and leaves nothing behind; the one after it starts the
// workspace afresh.
func TestPurgeWhileInUse(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		h.must("U1", `new "Grow revenue"`)
		if _, err := h.st.PurgeWorkspace(context.Background(), "slack", "T1"); err != nil {
			t.Fatal(err)
		}
		if got := h.say(`new "Written after the purge"`); !strings.Contains(got, "deleted (okrbot purge)") {
			t.Errorf("a write after the purge: %s", got)
		}
		if got := h.must("U1", `new "A fresh start"`); !strings.Contains(got, "#1") {
			t.Errorf("the request after: %s", got)
		}
		if got := h.must("U1", "list all"); strings.Contains(got, "Grow revenue") || strings.Contains(got, "after the purge") {
			t.Errorf("/okr list all after the purge: %s", got)
		}
	})
}

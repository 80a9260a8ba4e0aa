package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestChartPicturesAreKeptByWorkspaceUntilTheyExpire keeps a picture, finds
// it from another Store on the same database (another replica), not from
// another workspace, and not after it expired; keeping it again extends it,
// and a later keep forgets the pictures that expired.
func TestChartPicturesAreKeptByWorkspaceUntilTheyExpire(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
		f, other := setup(t, s, "TPICS"), setup(t, s, "TOTHER")
		png := []byte("\x89PNG\r\n\x1a\n\x00\xff binary")
		const id = "00112233445566778899aabbccddeeff"
		if err := s.KeepChartPicture(ctx, f.ws.ID, id, png, at.Add(time.Hour), at); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ChartPicture(ctx, f.ws.ID, id, at.Add(59*time.Minute)); err != nil || string(got) != string(png) {
			t.Errorf("the picture before it expires: %q, %v", got, err)
		}
		if _, err := s.ChartPicture(ctx, other.ws.ID, id, at); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("another workspace's picture: %v, want not found", err)
		}
		if _, err := s.ChartPicture(ctx, f.ws.ID, id, at.Add(time.Hour)); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("the picture once expired: %v, want not found", err)
		}
		// Kept again for longer, then for less: the longer holds.
		for _, until := range []time.Duration{3 * time.Hour, 2 * time.Hour} {
			if err := s.KeepChartPicture(ctx, f.ws.ID, id, png, at.Add(until), at.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.ChartPicture(ctx, f.ws.ID, id, at.Add(150*time.Minute)); err != nil || string(got) != string(png) {
			t.Errorf("the picture kept again: %q, %v", got, err)
		}
		if err := s.KeepChartPicture(ctx, other.ws.ID, id, []byte("other"), at.Add(5*time.Hour), at.Add(4*time.Hour)); err != nil {
			t.Fatal(err)
		}
		dump, err := s.Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(dump["chart_pictures"]); n != 1 {
			t.Errorf("%d pictures kept after the first expired, want 1: %v", n, dump["chart_pictures"])
		}
	})
}

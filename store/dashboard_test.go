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

// TestDashboardLinkSignsInOnce: a link starts one session, is refused once
// used or expired, and a session ends when idle, at its end, or signed out.
func TestDashboardLinkSignsInOnce(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ws, err := s.Workspace(ctx, "slack", "T1")
		if err != nil {
			t.Fatal(err)
		}
		ada, err := s.SaveUser(ctx, store.User{WorkspaceID: ws.ID, PlatformID: "U1", Name: "Ada"})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		for _, l := range []store.DashboardLink{
			{Hash: "fresh", WorkspaceID: ws.ID, UserID: ada.ID, ExpiresAt: now.Add(10 * time.Minute)},
			{Hash: "old", WorkspaceID: ws.ID, UserID: ada.ID, ExpiresAt: now.Add(-time.Minute)},
		} {
			if err := s.CreateDashboardLink(ctx, &l, now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if _, u, err := s.DashboardLink(ctx, "fresh", now); err != nil || u.Name != "Ada" {
			t.Fatalf("fresh link: %v, %v", u, err)
		}
		if _, _, err := s.DashboardLink(ctx, "old", now); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("expired link: %v, want not found", err)
		}
		sess := store.DashboardSession{Hash: "s1", CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}
		if err := s.StartDashboardSession(ctx, "fresh", &sess); err != nil || sess.UserID != ada.ID || sess.WorkspaceID != ws.ID {
			t.Fatalf("start session: %+v, %v", sess, err)
		}
		again := store.DashboardSession{Hash: "s2", CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.StartDashboardSession(ctx, "fresh", &again); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("a used link started a session again: %v", err)
		}
		if err := s.StartDashboardSession(ctx, "old", &again); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("an expired link started a session: %v", err)
		}
		if _, _, err := s.DashboardLink(ctx, "fresh", now); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("a used link is still shown: %v", err)
		}
		idle := 12 * time.Hour
		if _, u, w, err := s.DashboardSession(ctx, "s1", now.Add(time.Hour), idle); err != nil || u.ID != ada.ID || w.TeamID != "T1" {
			t.Fatalf("session: %v %v %v", u, w, err)
		}
		if _, _, _, err := s.DashboardSession(ctx, "s1", now.Add(13*time.Hour), idle); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("idle session: %v, want not found", err)
		}
		if err := s.SeeDashboardSession(ctx, "s1", now.Add(11*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.DashboardSession(ctx, "s1", now.Add(13*time.Hour), idle); err != nil {
			t.Errorf("session used 2 hours ago: %v", err)
		}
		if _, _, _, err := s.DashboardSession(ctx, "s1", now.Add(7*24*time.Hour), 30*24*time.Hour); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("session past its end: %v, want not found", err)
		}
		if err := s.EndDashboardSession(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.DashboardSession(ctx, "s1", now.Add(time.Hour), idle); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("signed-out session: %v, want not found", err)
		}
	})
}

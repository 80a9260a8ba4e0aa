package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

// TestInstallWelcomesOnce: however many times (and by however many
// processes) an install is reported, one welcome is booked; a removal and
// a new install book none.
func TestInstallWelcomesOnce(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		in := store.AppInstall{WorkspaceID: f.ws.ID, Kind: store.InstallDirect, PlatformID: f.owner.PlatformID, Active: true}
		for i, want := range []bool{true, false, false} {
			got, err := s.SetInstalled(ctx, in, at)
			if err != nil || got != want {
				t.Fatalf("install %d: welcome %v (%v), want %v", i+1, got, err, want)
			}
		}
		in.Active = false
		if got, err := s.SetInstalled(ctx, in, at); err != nil || got {
			t.Fatalf("removal: welcome %v (%v)", got, err)
		}
		in.Active = true
		if got, err := s.SetInstalled(ctx, in, at); err != nil || got {
			t.Fatalf("install after a removal: welcome %v (%v), want none", got, err)
		}
	})
}

// TestRosterAndReminders: a roster replaces the one before; a stored
// conversation is not overwritten by a roster's; prompts okrbot stopped
// come back, those a person turned off stay off.
func TestRosterAndReminders(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "T1")
		at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.ReplaceRoster(ctx, f.ws.ID, "team", []store.RosterMember{{PlatformID: "a", MemberID: "29:a"}, {PlatformID: "b", MemberID: "29:b"}}, at))
		must(s.ReplaceRoster(ctx, f.ws.ID, "team", []store.RosterMember{{PlatformID: "b", MemberID: "29:b2", Name: "Bee"}}, at))
		roster, err := s.Roster(ctx, f.ws.ID, "team")
		if err != nil || len(roster) != 1 || roster[0].PlatformID != "b" || roster[0].MemberID != "29:b2" || roster[0].Name != "Bee" {
			t.Errorf("roster %+v (%v), want only b as listed last", roster, err)
		}

		must(s.ChangeRoster(ctx, f.ws.ID, "team", []store.RosterMember{{PlatformID: "d", MemberID: "29:d"}}, []string{"b"}, at))
		roster, err = s.Roster(ctx, f.ws.ID, "team")
		if err != nil || len(roster) != 1 || roster[0].PlatformID != "d" {
			t.Errorf("roster %+v (%v), want d who joined, without b who left", roster, err)
		}

		must(s.SaveConversation(ctx, store.Conversation{WorkspaceID: f.ws.ID, Kind: "direct", PlatformID: "b", Ref: "chat"}))
		must(s.KeepConversations(ctx, []store.Conversation{{WorkspaceID: f.ws.ID, Kind: "direct", PlatformID: "b", Ref: "roster"},
			{WorkspaceID: f.ws.ID, Kind: "direct", PlatformID: "c", Ref: "roster"}}))
		for id, want := range map[string]string{"b": "chat", "c": "roster"} {
			if ref, err := s.ConversationRef(ctx, f.ws.ID, "direct", id); err != nil || ref != want {
				t.Errorf("ref of %s = %q (%v), want %q", id, ref, err, want)
			}
		}

		off, err := s.MentionUser(ctx, f.ws.ID, "off", "Off")
		must(err)
		must(s.SetReminderStatus(ctx, f.ws.ID, off.ID, store.ReminderOff))
		must(s.StopReminders(ctx, f.ws.ID, off.ID))
		must(s.StopReminders(ctx, f.ws.ID, f.owner.ID))
		for u, want := range map[uint]string{off.ID: store.ReminderOff, f.owner.ID: store.ReminderRemoved} {
			if p, err := s.FindReminderPerson(ctx, f.ws.ID, u); err != nil || p.Status != want {
				t.Errorf("after removal, user %d is %q (%v), want %q", u, p.Status, err, want)
			}
		}
		n, err := s.ResumeReminders(ctx, f.ws.ID, []string{"off", f.owner.PlatformID}, store.ReminderRemoved, store.ReminderUnreachable)
		if err != nil || n != 1 {
			t.Errorf("resumed %d (%v), want 1", n, err)
		}
		for u, want := range map[uint]string{off.ID: store.ReminderOff, f.owner.ID: store.ReminderOn} {
			if p, err := s.FindReminderPerson(ctx, f.ws.ID, u); err != nil || p.Status != want {
				t.Errorf("after the install, user %d is %q (%v), want %q", u, p.Status, err, want)
			}
		}
	})
}

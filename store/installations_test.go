package store_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
	"github.com/okrbot/okrbot/secret"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

func newKey(t testing.TB) string {
	t.Helper()
	b := make([]byte, secret.KeySize)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func newBox(t testing.TB, keys ...string) *secret.Box {
	t.Helper()
	b, err := secret.ParseKeys(strings.Join(keys, ","))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var installedAt = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func teamInstall(team string) store.Installation {
	return store.Installation{
		TeamID: team, TeamName: "Team " + team, BotUserID: "UB" + team,
		BotToken: "xoxb-" + team + "-secret", RefreshToken: "xoxe-1-" + team + "-refresh",
		ExpiresAt: installedAt.Add(12 * time.Hour), Scopes: "commands,chat:write",
		InstallerID: "U1", InstalledAt: installedAt,
	}
}

func orgInstall(enterprise string) store.Installation {
	return store.Installation{
		EnterpriseID: enterprise, EnterpriseName: "Org " + enterprise, IsEnterpriseInstall: true,
		BotUserID: "UB" + enterprise, BotToken: "xoxb-" + enterprise + "-org", Scopes: "commands",
		InstallerID: "U9", InstalledAt: installedAt,
	}
}

func mustSave(t *testing.T, s *store.Store, in store.Installation) {
	t.Helper()
	if err := s.SaveInstallation(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

func sameInstallation(t *testing.T, got, want store.Installation) {
	t.Helper()
	if !got.ExpiresAt.Equal(want.ExpiresAt) || !got.InstalledAt.Equal(want.InstalledAt) {
		t.Errorf("times: expires %v installed %v; want %v, %v", got.ExpiresAt, got.InstalledAt, want.ExpiresAt, want.InstalledAt)
	}
	got.ExpiresAt, got.InstalledAt, want.ExpiresAt, want.InstalledAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		t.Errorf("installation =\n %+v\nwant\n %+v", got, want)
	}
}

func TestInstallationsSaveAndFind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		s.SetSealer(newBox(t, newKey(t)))
		a := teamInstall("TA")
		mustSave(t, s, a)
		got, err := s.InstallationFor(ctx, "", "TA")
		if err != nil {
			t.Fatal(err)
		}
		sameInstallation(t, got, a)

		// Installing again replaces the tokens and scopes.
		a.BotToken, a.Scopes, a.ExpiresAt = "xoxb-TA-second", "commands,chat:write,users:read", time.Time{}
		mustSave(t, s, a)
		got, _ = s.InstallationFor(ctx, "", "TA")
		sameInstallation(t, got, a)

		if _, err := s.InstallationFor(ctx, "", "TB"); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("a team that never installed: %v, want not found", err)
		}
		all, err := s.ActiveInstallations(ctx)
		if err != nil || len(all) != 1 || all[0].BotToken != "xoxb-TA-second" {
			t.Errorf("ActiveInstallations = %+v, %v", all, err)
		}
	})
}

func TestOrganizationWideInstallServesItsWorkspaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		s.SetSealer(newBox(t, newKey(t)))
		mustSave(t, s, orgInstall("E1"))
		own := teamInstall("T2")
		own.EnterpriseID = "E1"
		mustSave(t, s, own)

		for _, tc := range []struct {
			enterprise, team, wantToken string
		}{
			{"E1", "T1", "xoxb-E1-org"},    // a workspace of the org without its own install
			{"E1", "T2", "xoxb-T2-secret"}, // a workspace with its own install
			{"E1", "", "xoxb-E1-org"},      // an event about the org itself
			{"E2", "T3", ""},               // another org
			{"", "T1", ""},                 // no enterprise given: nothing to fall back to
		} {
			got, err := s.InstallationFor(ctx, tc.enterprise, tc.team)
			switch {
			case tc.wantToken == "" && !errors.Is(err, okr.ErrNotFound):
				t.Errorf("%s/%s: %+v, %v; want not found", tc.enterprise, tc.team, got, err)
			case tc.wantToken != "" && (err != nil || got.BotToken != tc.wantToken):
				t.Errorf("%s/%s: token %q, %v; want %q", tc.enterprise, tc.team, got.BotToken, err, tc.wantToken)
			}
		}
		bad := orgInstall("E1")
		bad.TeamID = "T1"
		if err := s.SaveInstallation(ctx, bad); err == nil || !strings.Contains(err.Error(), "no team id") {
			t.Errorf("org-wide install with a team: %v", err)
		}
		if err := s.SaveInstallation(ctx, store.Installation{BotToken: "xoxb-x"}); err == nil || !strings.Contains(err.Error(), "no team id") {
			t.Errorf("install without a team: %v", err)
		}
	})
}

func TestRevokeWipesTokensAndKeepsTheRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		s.SetSealer(newBox(t, newKey(t)))
		mustSave(t, s, teamInstall("TA"))
		mustSave(t, s, teamInstall("TB"))
		mustSave(t, s, orgInstall("E1"))
		at := installedAt.Add(48 * time.Hour)
		if err := s.RevokeInstallation(ctx, "", "TA", at, "app_uninstalled"); err != nil {
			t.Fatal(err)
		}
		// Slack may send app_uninstalled and tokens_revoked both, and retry.
		if err := s.RevokeInstallation(ctx, "", "TA", at.Add(24*time.Hour), "tokens_revoked"); err != nil {
			t.Errorf("revoke again: %v", err)
		}
		if _, err := s.InstallationFor(ctx, "", "TA"); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("uninstalled workspace still found: %v", err)
		}
		if got, err := s.InstallationFor(ctx, "", "TB"); err != nil || got.BotToken != "xoxb-TB-secret" {
			t.Errorf("the other workspace: %+v, %v", got, err)
		}
		if err := s.RevokeInstallation(ctx, "E1", "", at, "app_uninstalled"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.InstallationFor(ctx, "E1", "T7"); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("uninstalled org still serves its workspaces: %v", err)
		}
		all, _ := s.ActiveInstallations(ctx)
		if len(all) != 1 || all[0].TeamID != "TB" {
			t.Errorf("active after uninstalls: %+v", all)
		}
		revoked, err := s.RevokedInstallations(ctx)
		if err != nil || len(revoked) != 2 || revoked[0].TeamID != "TA" || revoked[0].RevokedReason != "app_uninstalled" ||
			!revoked[0].RevokedAt.Equal(at) || !revoked[1].IsEnterpriseInstall {
			t.Errorf("revoked installations = %+v, %v; want TA's first reason and time, and E1", revoked, err)
		}
		if err := s.RevokeInstallation(ctx, "", "TZ", at, "app_uninstalled"); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("revoke an unknown workspace: %v, want not found", err)
		}

		dump, err := s.Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var row string
		for _, r := range dump["installations"] {
			if strings.Contains(r, "| TA |") {
				row = r
			}
		}
		if row == "" {
			t.Fatalf("the uninstalled workspace's row is gone: %v", dump["installations"])
		}
		if strings.Contains(row, "v1.") {
			t.Errorf("an uninstalled workspace's row still holds a sealed token: %s", row)
		}
		if !strings.Contains(row, "2026-11-04") {
			t.Errorf("row does not say when it was uninstalled (the first time): %s", row)
		}

		// Installing again brings the workspace back.
		again := teamInstall("TA")
		again.BotToken = "xoxb-TA-again"
		mustSave(t, s, again)
		if got, err := s.InstallationFor(ctx, "", "TA"); err != nil || got.BotToken != "xoxb-TA-again" {
			t.Errorf("reinstalled: %+v, %v", got, err)
		}
	})
}

func TestDatabaseHoldsNoPlainToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		s.SetSealer(newBox(t, newKey(t)))
		mustSave(t, s, teamInstall("TA"))
		mustSave(t, s, orgInstall("E1"))
		in, _, claimed, err := s.ClaimRefresh(ctx, "", "TA", "replica-1", installedAt, installedAt.Add(time.Minute))
		if err != nil || !claimed {
			t.Fatalf("claim: %v, %v", claimed, err)
		}
		in.BotToken, in.RefreshToken = "xoxb-TA-refreshed", "xoxe-1-TA-next"
		if _, err := s.FinishRefresh(ctx, "", "TA", "replica-1", &in, installedAt, time.Time{}); err != nil {
			t.Fatal(err)
		}
		dump, err := s.Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(dump["installations"]) != 2 {
			t.Fatalf("dump of installations = %v", dump["installations"])
		}
		sealed := 0
		for table, rows := range dump {
			for _, r := range rows {
				for _, plain := range []string{"xoxb-", "xoxe-", "xapp-"} {
					if strings.Contains(r, plain) {
						t.Errorf("table %s holds %s in plain text: %s", table, plain, r)
					}
				}
				sealed += strings.Count(r, "v1.")
			}
		}
		if sealed != 3 {
			t.Errorf("%d sealed values in the dump, want 3 (two bot tokens, one refresh token)", sealed)
		}
	})
}

func TestTokensNeedTheirKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		if err := s.SaveInstallation(ctx, teamInstall("TA")); err == nil || !strings.Contains(err.Error(), "OKRBOT_SECRET_KEY") {
			t.Errorf("save without a key: %v, want an error naming OKRBOT_SECRET_KEY", err)
		}
		s.SetSealer(newBox(t, newKey(t)))
		mustSave(t, s, teamInstall("TA"))
		s.SetSealer(newBox(t, newKey(t)))
		_, err := s.InstallationFor(ctx, "", "TA")
		if !errors.Is(err, secret.ErrUnknownKey) || !strings.Contains(err.Error(), "workspace TA") {
			t.Errorf("read with another key: %v; want ErrUnknownKey naming the workspace", err)
		}
		if _, err := s.ActiveInstallations(ctx); !errors.Is(err, secret.ErrUnknownKey) {
			t.Errorf("list with another key: %v", err)
		}
	})
}

func TestResealSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		oldKey, newKeyText := newKey(t), newKey(t)
		s.SetSealer(newBox(t, oldKey))
		mustSave(t, s, teamInstall("TA")) // bot and refresh token
		mustSave(t, s, orgInstall("E1"))  // bot token only
		mustSave(t, s, teamInstall("TB"))
		if err := s.RevokeInstallation(ctx, "", "TB", installedAt, "app_uninstalled"); err != nil { // no tokens left
			t.Fatal(err)
		}

		both := newBox(t, newKeyText, oldKey)
		s.SetSealer(both)
		n, err := s.ResealSecrets(ctx)
		if err != nil || n != 3 {
			t.Fatalf("ResealSecrets = %d, %v; want 3", n, err)
		}
		dump, _ := s.Dump(ctx)
		if got := strings.Join(dump["installations"], "\n"); strings.Count(got, "v1."+both.KeyID()+".") != 3 {
			t.Errorf("after rotation not every token is sealed with key %s:\n%s", both.KeyID(), got)
		}

		// The old key can go now.
		s.SetSealer(newBox(t, newKeyText))
		if got, err := s.InstallationFor(ctx, "", "TA"); err != nil || got.BotToken != "xoxb-TA-secret" || got.RefreshToken != "xoxe-1-TA-refresh" {
			t.Errorf("after dropping the old key: %+v, %v", got, err)
		}
		if got, err := s.InstallationFor(ctx, "E1", "T5"); err != nil || got.BotToken != "xoxb-E1-org" {
			t.Errorf("org install after dropping the old key: %+v, %v", got, err)
		}

		// A rotation that cannot open a secret changes nothing.
		mustSave(t, s, teamInstall("TC"))
		before, _ := s.Dump(ctx)
		s.SetSealer(newBox(t, newKey(t), oldKey))
		if _, err := s.ResealSecrets(ctx); !errors.Is(err, secret.ErrUnknownKey) {
			t.Errorf("rotation without the current key: %v, want ErrUnknownKey", err)
		}
		after, _ := s.Dump(ctx)
		if fmt.Sprint(before["installations"]) != fmt.Sprint(after["installations"]) {
			t.Error("a failed rotation changed some rows")
		}
	})
}

// TestConcurrentRefreshClaims is two replicas wanting to refresh one token
// at once: only one may, since Slack's refresh tokens work once, and the
// other sees its token afterwards.
func TestConcurrentRefreshClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key := newKey(t)
	for _, url := range storetest.MigratedURLs(t) {
		replicas := []*store.Store{storetest.OpenURL(t, url), storetest.OpenURL(t, url)}
		for _, r := range replicas {
			r.SetSealer(newBox(t, key))
		}
		t.Run(replicas[0].Dialect(), func(t *testing.T) {
			mustSave(t, replicas[0], teamInstall("TA"))
			// Both claim at once; the one that got it finishes afterwards.
			var wg sync.WaitGroup
			claims := make([]bool, 2)
			found := make([]store.Installation, 2)
			for i, r := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					found[i], _, claims[i], err = r.ClaimRefresh(ctx, "", "TA", fmt.Sprint("replica-", i), installedAt, installedAt.Add(time.Minute))
					if err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			for i, r := range replicas {
				if !claims[i] {
					continue
				}
				in := found[i]
				in.BotToken, in.RefreshToken = "xoxb-TA-2", "xoxe-1-TA-2"
				if ok, err := r.FinishRefresh(ctx, "", "TA", fmt.Sprint("replica-", i), &in, installedAt, time.Time{}); !ok || err != nil {
					t.Errorf("finish: %v, %v", ok, err)
				}
			}
			if claims[0] == claims[1] {
				t.Errorf("claims %v, want exactly one", claims)
			}
			got, err := replicas[1].InstallationFor(ctx, "", "TA")
			if err != nil || got.BotToken != "xoxb-TA-2" || got.RefreshToken != "xoxe-1-TA-2" {
				t.Errorf("after refresh: %+v, %v", got, err)
			}
		})
	}
}

// TestRefreshClaims: a failed refresh waits for its retry time, a claim
// that ran out can be taken over, and the late holder's result is dropped.
func TestRefreshClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		s.SetSealer(newBox(t, newKey(t)))
		mustSave(t, s, teamInstall("TA"))
		now := installedAt
		claim := func(holder string, at time.Time) (store.Installation, int, bool) {
			t.Helper()
			in, failures, ok, err := s.ClaimRefresh(ctx, "", "TA", holder, at, at.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			return in, failures, ok
		}
		if _, _, ok := claim("a", now); !ok {
			t.Fatal("first claim refused")
		}
		if _, _, ok := claim("b", now.Add(30*time.Second)); ok {
			t.Error("a claim was taken while another held it")
		}
		if ok, err := s.FinishRefresh(ctx, "", "TA", "a", nil, now, now.Add(5*time.Minute)); !ok || err != nil {
			t.Fatalf("record a failure: %v, %v", ok, err)
		}
		if _, _, ok := claim("b", now.Add(4*time.Minute)); ok {
			t.Error("a failed refresh was tried again before its retry time")
		}
		in, failures, ok := claim("b", now.Add(5*time.Minute))
		if !ok || failures != 1 || in.BotToken != "xoxb-TA-secret" {
			t.Errorf("claim after the retry time: %v, %d failures, token %q", ok, failures, in.BotToken)
		}
		// b's claim runs out and c takes over: b's late answer is dropped.
		if _, _, ok := claim("c", now.Add(7*time.Minute)); !ok {
			t.Fatal("an expired claim was not taken over")
		}
		late := in
		late.BotToken = "xoxb-late"
		if ok, err := s.FinishRefresh(ctx, "", "TA", "b", &late, now, time.Time{}); ok || err != nil {
			t.Errorf("a claim that ran out finished: %v, %v", ok, err)
		}
		if got, _ := s.InstallationFor(ctx, "", "TA"); got.BotToken != "xoxb-TA-secret" {
			t.Errorf("the token is %q", got.BotToken)
		}
		if err := s.RevokeInstallation(ctx, "", "TA", now, "account_inactive"); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.ClaimRefresh(ctx, "", "TA", "d", now.Add(time.Hour), now.Add(time.Hour)); !errors.Is(err, okr.ErrNotFound) {
			t.Errorf("claim in a revoked installation: %v, want not found", err)
		}
	})
}

func TestOAuthStatesWorkOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := installedAt
	for _, url := range storetest.MigratedURLs(t) {
		a, b := storetest.OpenURL(t, url), storetest.OpenURL(t, url)
		t.Run(a.Dialect(), func(t *testing.T) {
			use := func(s *store.Store, state string, at time.Time) bool {
				t.Helper()
				fresh, err := s.UseOAuthState(ctx, state, now.Add(10*time.Minute), at)
				if err != nil {
					t.Fatal(err)
				}
				return fresh
			}
			if !use(a, "state-1", now) {
				t.Error("a new state was refused")
			}
			if use(a, "state-1", now.Add(time.Minute)) {
				t.Error("a used state was accepted again")
			}
			if use(b, "state-1", now.Add(time.Minute)) {
				t.Error("a state used at one replica was accepted at another")
			}
			if !use(b, "state-2", now.Add(time.Minute)) {
				t.Error("another new state was refused")
			}
			// Expired states are forgotten: the signed cookie refuses them
			// by their time already.
			use(a, "state-3", now.Add(11*time.Minute))
			dump, _ := a.Dump(ctx)
			if n := len(dump["oauth_states"]); n != 1 {
				t.Errorf("%d states kept after the others expired, want 1", n)
			}
			for _, r := range dump["oauth_states"] {
				if strings.Contains(r, "state-") {
					t.Errorf("a state is kept in plain text: %s", r)
				}
			}
		})
	}
}

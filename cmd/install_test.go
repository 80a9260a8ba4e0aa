package cmd

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/secret"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
)

func newSecretKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, secret.KeySize)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func installMain(env map[string]string) (*Main, *bytes.Buffer) {
	var out bytes.Buffer
	return &Main{Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &out}, &out
}

func TestRotateKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, url := range storetest.MigratedURLs(t) {
		st := storetest.OpenURL(t, url)
		t.Run(st.Dialect(), func(t *testing.T) {
			oldKey, newKey := newSecretKey(t), newSecretKey(t)
			box, _ := secret.ParseKeys(oldKey)
			st.SetSealer(box)
			err := st.SaveInstallation(ctx, store.Installation{TeamID: "T1", BotToken: "xoxb-1", RefreshToken: "xoxe-1-r", InstalledAt: time.Now()})
			if err != nil {
				t.Fatal(err)
			}

			m, _ := installMain(map[string]string{"DATABASE_URL": url, "OKRBOT_SECRET_KEY": "c2hvcnQ="})
			if err := m.rotateKey(ctx, nil); err == nil || !strings.Contains(err.Error(), "OKRBOT_SECRET_KEY: key 1 of 1 is 5 bytes") {
				t.Errorf("rotate-key with a bad key: %v", err)
			}
			m, _ = installMain(map[string]string{"DATABASE_URL": url, "OKRBOT_SECRET_KEY": newKey})
			if err := m.rotateKey(ctx, nil); err == nil || !strings.Contains(err.Error(), "changed nothing") {
				t.Errorf("rotate-key without the old key: %v", err)
			}

			m, out := installMain(map[string]string{"DATABASE_URL": url, "OKRBOT_SECRET_KEY": newKey + "," + oldKey})
			if err := m.rotateKey(ctx, nil); err != nil {
				t.Fatal(err)
			}
			both, _ := secret.ParseKeys(newKey)
			if !strings.Contains(out.String(), "Re-sealed 2 tokens with key "+both.KeyID()) {
				t.Errorf("rotate-key said %q", out.String())
			}
			st.SetSealer(both)
			if got, err := st.InstallationFor(ctx, "", "T1"); err != nil || got.BotToken != "xoxb-1" || got.RefreshToken != "xoxe-1-r" {
				t.Errorf("with the new key alone: %+v, %v", got, err)
			}
		})
	}
}

func TestPurge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, url := range storetest.MigratedURLs(t) {
		st := storetest.OpenURL(t, url)
		t.Run(st.Dialect(), func(t *testing.T) {
			box, _ := secret.ParseKeys(newSecretKey(t))
			st.SetSealer(box)
			for _, team := range []string{"T1", "T2"} {
				if _, err := st.Workspace(ctx, "slack", team); err != nil {
					t.Fatal(err)
				}
				if err := st.SaveInstallation(ctx, store.Installation{TeamID: team, BotToken: "xoxb-" + team, InstalledAt: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			m, out := installMain(map[string]string{"DATABASE_URL": url})
			if err := m.purge(ctx, []string{"--workspace", "T1"}); err == nil || !strings.Contains(err.Error(), "cannot be undone; run it again with --yes") {
				t.Errorf("purge without --yes: %v", err)
			}
			if err := m.purge(ctx, []string{"--yes"}); err == nil || !strings.Contains(err.Error(), "usage: okrbot purge --workspace") {
				t.Errorf("purge without a workspace: %v", err)
			}
			if err := m.purge(ctx, []string{"--workspace", "T1", "--yes"}); err != nil {
				t.Fatal(err)
			}
			if want := "Purged slack workspace T1. Rows deleted: installations 1, workspaces 1.\n"; out.String() != want {
				t.Errorf("purge said %q, want %q", out.String(), want)
			}
			if err := m.purge(ctx, []string{"--workspace", "T1", "--yes"}); err == nil || !strings.Contains(err.Error(), "nothing of slack workspace T1") {
				t.Errorf("purge twice: %v", err)
			}
			if got, err := st.InstallationFor(ctx, "", "T2"); err != nil || got.BotToken != "xoxb-T2" {
				t.Errorf("the other workspace after the purge: %+v, %v", got, err)
			}
		})
	}
}

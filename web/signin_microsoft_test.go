package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/okrbot/okrbot/commands"
	"github.com/okrbot/okrbot/internal/faketeams"
	"github.com/okrbot/okrbot/store"
	"github.com/okrbot/okrbot/store/storetest"
	"github.com/okrbot/okrbot/web"
)

// TestSignInWithMicrosoft signs a person of the tenant okrbot serves in
// through a fake Entra ID (OpenID Connect, signed id_tokens), and refuses
// a person of another organization and a wrong app secret.
func TestSignInWithMicrosoft(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, st *store.Store) {
		s := &site{t: t, now: midQ4, platform: "teams"}
		clock := func() time.Time { return s.now }
		fake := faketeams.New(t, faketeams.WithClock(clock))
		s.srv = startTLS(t)
		s.svc = commands.New(commands.Config{Store: st, Now: clock})
		cfg := web.MicrosoftSignIn{AppID: faketeams.AppID, AppPassword: faketeams.AppPassword, TenantID: faketeams.TenantID, LoginURL: fake.LoginURL()}
		d, err := web.New(web.Config{Store: st, Now: clock, PublicURL: s.srv.URL, Microsoft: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		s.srv.Config.Handler = d
		ada := faketeams.User{ID: "29:ada", AADObjectID: "aad-ada", Name: "Ada Lovelace"}
		s.say(faketeams.TenantID, ada.AADObjectID, ada.Name, `/okr new "Delight customers"`)

		b := s.browser()
		if p := b.get("/"); !strings.Contains(p.body, `href="/signin/microsoft"`) {
			t.Fatalf("the sign-in page offers no Sign in with Microsoft: %s", p.body)
		}
		stop := b.noRedirects()
		to := stop.get(web.MicrosoftSignInPath).header.Get("Location")
		if !strings.HasPrefix(to, fake.LoginURL()+"/"+faketeams.TenantID+"/oauth2/v2.0/authorize?") {
			t.Fatalf("Sign in with Microsoft goes to %s", to)
		}
		back, err := fake.SignIn(to, ada, "")
		if err != nil {
			t.Fatal(err)
		}
		if p := stop.get(back); p.status != http.StatusSeeOther {
			t.Fatalf("callback: %d %s", p.status, p.body)
		}
		b.get("/").has(t, "Home after Sign in with Microsoft", "#1 Delight customers", "Ada Lovelace")

		// Someone of another organization, signed in by its Entra ID: the
		// app's registration is single-tenant, and okrbot serves no
		// workspace of theirs either.
		eve := faketeams.User{ID: "29:eve", AADObjectID: "aad-eve", Name: "Eve"}
		e := s.browser().noRedirects()
		back, err = fake.SignIn(e.get(web.MicrosoftSignInPath).header.Get("Location"), eve, "0e0e0000-0000-4000-8000-000000000bad")
		if err != nil {
			t.Fatal(err)
		}
		if p := e.get(back); p.status != http.StatusForbidden || strings.Contains(p.body, "Delight") {
			t.Errorf("a person of another organization: %d %s", p.status, p.body)
		}

		// A wrong app secret: Entra ID refuses the code.
		cfg.AppPassword = "wrong"
		d2, err := web.New(web.Config{Store: st, Now: clock, PublicURL: s.srv.URL, Microsoft: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		s.srv.Config.Handler = d2
		w := s.browser().noRedirects()
		back, err = fake.SignIn(w.get(web.MicrosoftSignInPath).header.Get("Location"), ada, "")
		if err != nil {
			t.Fatal(err)
		}
		if p := w.get(back); p.status != http.StatusForbidden || !strings.Contains(p.body, "Microsoft refused") {
			t.Errorf("a wrong secret: %d %s", p.status, p.body)
		}
		if _, err := st.FindWorkspace(context.Background(), "teams", "0e0e0000-0000-4000-8000-000000000bad"); err == nil {
			t.Error("signing in added a workspace")
		}
	})
}

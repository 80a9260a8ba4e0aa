package teams

import "testing"

// TEAMS_CLOUD sets every endpoint from Microsoft's published constants;
// the *_URL settings still win, for tests and emulators.
func TestCloudDefaults(t *testing.T) {
	t.Parallel()
	cfg := Config{AppID: "a", AppPassword: "p", TenantID: "t-1", Cloud: "gcchigh"}
	if got := cfg.tokenURL(); got != "https://login.microsoftonline.us/t-1/oauth2/v2.0/token" {
		t.Errorf("token URL %q", got)
	}
	cl := cfg.cloud()
	if cl.Issuer != "https://api.botframework.us" || cl.Scope != "https://api.botframework.us/.default" ||
		cl.OpenIDMetadataURL != "https://login.botframework.azure.us/v1/.well-known/openidconfiguration" {
		t.Errorf("gcchigh %+v", cl)
	}
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.auth.issuer != cl.Issuer || a.tokens.scope != cl.Scope || a.auth.keys.metadataURL != cl.OpenIDMetadataURL || a.serviceURLOf != "https://smba.infra.gov.teams.microsoft.us/gcch/" {
		t.Errorf("adapter: issuer %q scope %q metadata %q service URL %q", a.auth.issuer, a.tokens.scope, a.auth.keys.metadataURL, a.serviceURLOf)
	}
	if _, err := a.conn.hosts.check("https://smba.infra.gov.teams.microsoft.us/gcch/"); err != nil {
		t.Error(err)
	}
	if _, err := a.conn.hosts.check("https://smba.trafficmanager.net/teams/"); err == nil {
		t.Error("a GCC High okrbot would send its token to the public cloud's service")
	}

	cfg.TokenURL, cfg.OpenIDMetadataURL = "http://127.0.0.1:1/token", "http://127.0.0.1:1/openid"
	if a, _ := New(cfg, nil); cfg.tokenURL() != cfg.TokenURL || a.auth.keys.metadataURL != cfg.OpenIDMetadataURL {
		t.Error("the *_URL settings do not override the cloud's")
	}
	for name, want := range map[string]string{"": "https://api.botframework.com", "public": "https://api.botframework.com", "gcc": "https://api.botframework.com", "dod": "https://api.botframework.us"} {
		if got := (Config{Cloud: name}).cloud().Issuer; got != want {
			t.Errorf("TEAMS_CLOUD=%q: issuer %q, want %q", name, got, want)
		}
	}
}

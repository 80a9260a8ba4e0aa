package teams_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okrbot/okrbot/internal/faketeams"
)

func TestAuthRefusesAnythingButTheBotConnector(t *testing.T) {
	t.Parallel()
	// A host that must never see okrbot's token, reachable on loopback but
	// not listed in TEAMS_SERVICE_URL_HOSTS (as "localhost").
	var foreignHits atomic.Int32
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
	}))
	defer foreign.Close()
	foreignURL := strings.Replace(foreign.URL, "127.0.0.1", "localhost", 1) + "/amer/"

	cases := []struct {
		name   string
		opts   []faketeams.ActivityOption
		claims func(e *env) faketeams.Claims
		header func(token string) string
		want   int
	}{
		{name: "valid", want: http.StatusOK},
		{name: "expired 2 minutes ago is within the skew", want: http.StatusOK,
			claims: func(e *env) faketeams.Claims { return faketeams.Claims{Expires: e.clock.Now().Add(-2 * time.Minute)} }},
		{name: "missing", want: http.StatusUnauthorized, header: func(string) string { return "" }},
		{name: "not a bearer token", want: http.StatusUnauthorized, header: func(tok string) string { return "Basic " + tok }},
		{name: "garbage", want: http.StatusUnauthorized, header: func(string) string { return "Bearer not.a.jwt" }},
		{name: "unsigned (alg none)", want: http.StatusUnauthorized, header: func(tok string) string {
			parts := strings.Split(tok, ".")
			none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"key-endorsed-1"}`))
			return "Bearer " + none + "." + parts[1] + "."
		}},
		{name: "expired", want: http.StatusUnauthorized,
			claims: func(e *env) faketeams.Claims { return faketeams.Claims{Expires: e.clock.Now().Add(-10 * time.Minute)} }},
		{name: "not yet valid", want: http.StatusUnauthorized,
			claims: func(e *env) faketeams.Claims { return faketeams.Claims{NotBefore: e.clock.Now().Add(10 * time.Minute)} }},
		{name: "wrong audience", want: http.StatusUnauthorized,
			claims: func(*env) faketeams.Claims { return faketeams.Claims{Audience: "another-app"} }},
		{name: "wrong issuer", want: http.StatusUnauthorized,
			claims: func(*env) faketeams.Claims { return faketeams.Claims{Issuer: "https://sts.windows.net/evil/"} }},
		{name: "wrong key", want: http.StatusUnauthorized,
			claims: func(*env) faketeams.Claims { return faketeams.Claims{Key: faketeams.ForeignKey} }},
		{name: "serviceurl claim mismatch", want: http.StatusUnauthorized,
			claims: func(e *env) faketeams.Claims { return faketeams.Claims{ServiceURL: e.fake.URL() + "/emea/"} }},
		{name: "serviceUrl outside the allowed hosts", want: http.StatusUnauthorized,
			opts: []faketeams.ActivityOption{faketeams.WithServiceURL(foreignURL)}},
		{name: "key not endorsed for msteams", want: http.StatusUnauthorized,
			claims: func(*env) faketeams.Claims { return faketeams.Claims{Key: faketeams.UnendorsedKey} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.fake.Personal(ada)
			act := e.fake.Message(p, ada, "okr list all", tc.opts...)
			var c faketeams.Claims
			if tc.claims != nil {
				c = tc.claims(e)
			}
			req := e.fake.Request(endpoint, act, c)
			if tc.header != nil {
				tok := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
				req.Header.Set("Authorization", tc.header(tok))
			}
			rec := httptest.NewRecorder()
			e.a.ServeHTTP(rec, req)
			e.drain()
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tc.want, rec.Body)
			}
			sent := len(e.fake.Calls(faketeams.OpSend)) + len(e.fake.Calls(faketeams.OpReply))
			if tc.want == http.StatusOK {
				if len(e.h.Requests()) != 1 || sent != 1 {
					t.Fatalf("accepted request: %d handled, %d sent; want 1 and 1", len(e.h.Requests()), sent)
				}
				return
			}
			if n := len(e.h.Requests()); n != 0 {
				t.Errorf("refused request reached the handler %d times", n)
			}
			if sent != 0 || len(e.fake.Calls(faketeams.OpToken)) != 0 {
				t.Errorf("refused request led to %d sends and %d token requests", sent, len(e.fake.Calls(faketeams.OpToken)))
			}
			if n := foreignHits.Load(); n != 0 {
				t.Errorf("the foreign host got %d requests", n)
			}
		})
	}
}

func TestActivitiesOfOtherChannelsAreIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The webchat key is endorsed for webchat, so the token is good; the
	// activity is simply not for okrbot's Teams adapter.
	act := e.fake.Message(e.fake.Personal(ada), ada, "okr list", faketeams.WithChannelID("webchat"))
	rec := e.post(act, faketeams.Claims{Key: faketeams.UnendorsedKey})
	if rec.Code != http.StatusOK || len(e.h.Requests()) != 0 {
		t.Fatalf("status %d and %d requests handled; want 200 and none", rec.Code, len(e.h.Requests()))
	}
}

func TestSigningKeysFollowRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	if rec := e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{}); rec.Code != http.StatusOK {
		t.Fatal("first request refused:", rec.Code)
	}
	e.fake.RotateKeys()
	e.clock.Advance(10 * time.Minute)
	if rec := e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{}); rec.Code != http.StatusOK {
		t.Fatal("request signed with the new key refused:", rec.Code)
	}
	if n := len(e.fake.Calls(faketeams.OpKeys)); n != 2 {
		t.Errorf("keys fetched %d times, want 2 (start, then the unknown kid)", n)
	}
}

func TestUnknownKeysCannotHammerTheKeyEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	for i := range 30 {
		rec := e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{Kid: fmt.Sprintf("made-up-%d", i)})
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("token with an unknown kid answered %d", rec.Code)
		}
	}
	if n := len(e.fake.Calls(faketeams.OpKeys)); n != 1 {
		t.Errorf("30 unknown kids fetched the keys %d times, want 1", n)
	}
	// Good tokens still work meanwhile.
	if rec := e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{}); rec.Code != http.StatusOK {
		t.Fatal("valid token refused after the flood:", rec.Code)
	}
	e.clock.Advance(6 * time.Minute)
	e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{Kid: "made-up-later"})
	if n := len(e.fake.Calls(faketeams.OpKeys)); n != 2 {
		t.Errorf("keys fetched %d times after 6 minutes, want 2", n)
	}
}

func TestSigningKeysAreRefreshedDaily(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{})
	e.clock.Advance(23 * time.Hour)
	e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{})
	if n := len(e.fake.Calls(faketeams.OpKeys)); n != 1 {
		t.Fatalf("keys fetched %d times within a day, want 1", n)
	}
	e.clock.Advance(2 * time.Hour)
	if rec := e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{}); rec.Code != http.StatusOK {
		t.Fatal("refused:", rec.Code)
	}
	if n := len(e.fake.Calls(faketeams.OpKeys)); n != 2 {
		t.Fatalf("keys fetched %d times after 25 hours, want 2", n)
	}
}

func TestKeysAreFetchedAgainSoonAfterAFailedStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.fake.Personal(ada)
	e.fake.FailKeys(faketeams.Fault{Status: 503, Times: 1})
	if rec := e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{}); rec.Code != http.StatusUnauthorized {
		t.Fatalf("answered %d without keys", rec.Code)
	}
	e.clock.Advance(5 * time.Second)
	e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{})
	if n := len(e.fake.Calls(faketeams.OpKeys)); n != 1 {
		t.Fatalf("keys fetched %d times within 5 seconds, want 1", n)
	}
	e.clock.Advance(10 * time.Second)
	if rec := e.post(e.fake.Message(p, ada, "okr list"), faketeams.Claims{}); rec.Code != http.StatusOK {
		t.Fatalf("answered %d once the keys were back", rec.Code)
	}
}

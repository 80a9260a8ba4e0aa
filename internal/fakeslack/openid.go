package fakeslack

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Sign in with Slack, as OpenID Connect: discovery at the fake's root
// (/.well-known/openid-configuration, as at https://slack.com), people
// approving at /openid/connect/authorize (SignIn), codes exchanged at
// openid.connect.token for an id_token signed with RS256 under a key the
// fake publishes at /openid/connect/keys.

// openIDKeyID names the key the fake signs id_tokens with.
const openIDKeyID = "fakeslack-openid-1"

// openIDKey is made once per test binary: RSA keys are slow to make.
var openIDKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

type openIDCode struct {
	user     User
	team     string
	clientID string
	nonce    string
	redirect string
	expires  time.Time
}

// Issuer is the fake's OpenID issuer, as https://slack.com is Slack's.
func (s *Server) Issuer() string { return s.srv.URL }

func (s *Server) serveOpenIDConfig(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                s.srv.URL,
		"authorization_endpoint":                s.srv.URL + "/openid/connect/authorize",
		"token_endpoint":                        s.srv.URL + "/api/openid.connect.token",
		"userinfo_endpoint":                     s.srv.URL + "/api/openid.connect.userInfo",
		"jwks_uri":                              s.srv.URL + "/openid/connect/keys",
		"scopes_supported":                      []string{"openid", "profile", "email"},
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
	})
}

func (s *Server) serveOpenIDKeys(w http.ResponseWriter, _ *http.Request) {
	pub := openIDKey().PublicKey
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": openIDKeyID,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// SignIn is g.UserID, of workspace g.TeamID (the fake's own when empty),
// clicking Allow on the page a Sign in with Slack link
// (/openid/connect/authorize?…) opens. It returns where Slack then sends
// the browser: the redirect URL with a code and the link's state. A link
// Slack would refuse is an error.
func (s *Server) SignIn(authorizeURL string, g Grant) (string, error) {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return "", fmt.Errorf("fakeslack: sign-in link: %w", err)
	}
	if u.Scheme+"://"+u.Host != s.srv.URL || u.Path != "/openid/connect/authorize" {
		return "", fmt.Errorf("fakeslack: sign-in link %s does not point at %s/openid/connect/authorize", authorizeURL, s.srv.URL)
	}
	q := u.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	person, known := s.users[g.UserID]
	team := g.TeamID
	if team == "" {
		team = s.team
	}
	_, teamKnown := s.teams[team]
	redirect := q.Get("redirect_uri")
	switch {
	case s.app.ClientID == "" || q.Get("client_id") != s.app.ClientID:
		return "", fmt.Errorf("fakeslack: sign-in link: invalid_client_id %q", q.Get("client_id"))
	case q.Get("response_type") != "code":
		return "", fmt.Errorf("fakeslack: sign-in link: response_type %q, want code", q.Get("response_type"))
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		return "", fmt.Errorf("fakeslack: sign-in link: scope %q lacks openid", q.Get("scope"))
	case redirect == "":
		return "", errors.New("fakeslack: sign-in link: no redirect_uri")
	case len(s.app.RedirectURLs) > 0 && !contains(s.app.RedirectURLs, redirect):
		return "", fmt.Errorf("fakeslack: sign-in link: bad_redirect_uri %s", redirect)
	case !known:
		return "", fmt.Errorf("fakeslack: no user %s (AddUser it first)", g.UserID)
	case team != s.team && !teamKnown:
		return "", fmt.Errorf("fakeslack: no team %q (AddTeam it first)", team)
	}
	s.seq++
	c := fmt.Sprintf("%d.%s", s.seq, randomHex())
	s.openIDCodes[c] = &openIDCode{user: person, team: team, clientID: q.Get("client_id"), nonce: q.Get("nonce"),
		redirect: redirect, expires: s.now().Add(codeLifetime)}
	return withQuery(redirect, url.Values{"code": {c}, "state": {q.Get("state")}}), nil
}

// openIDTokenLocked answers openid.connect.token: a code from SignIn, the
// app authenticated by its client id and secret, exchanged once for a
// user token and an id_token.
func (s *Server) openIDTokenLocked(c *Call) answer {
	switch {
	case s.app.ClientID == "" || c.Params.Get("client_id") != s.app.ClientID:
		return slackErr("invalid_client_id")
	case c.Params.Get("client_secret") != s.app.ClientSecret:
		return slackErr("bad_client_secret")
	case c.Params.Get("grant_type") != "" && c.Params.Get("grant_type") != "authorization_code":
		return slackErr("invalid_grant_type")
	}
	cd, found := s.openIDCodes[c.Params.Get("code")]
	if !found || !c.At.Before(cd.expires) {
		return slackErr("invalid_code")
	}
	delete(s.openIDCodes, c.Params.Get("code"))
	if c.Params.Get("redirect_uri") != cd.redirect {
		return slackErr("bad_redirect_uri")
	}
	now := c.At
	claims := jwt.MapClaims{
		"iss": s.srv.URL, "sub": cd.user.ID, "aud": cd.clientID,
		"iat": now.Unix(), "auth_time": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"https://slack.com/team_id": cd.team, "https://slack.com/user_id": cd.user.ID,
		"name": cmpOr(cd.user.RealName, cd.user.Name), "locale": "en-US",
	}
	if cd.nonce != "" {
		claims["nonce"] = cd.nonce
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = openIDKeyID
	idToken, err := tok.SignedString(openIDKey())
	if err != nil {
		return slackErr("internal_error", err.Error())
	}
	s.seq++
	return ok(map[string]any{"access_token": fmt.Sprintf("xoxp-%d-%s", s.seq, randomHex()), "token_type": "Bearer", "id_token": idToken})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

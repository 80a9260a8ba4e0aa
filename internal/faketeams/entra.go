package faketeams

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
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

// Microsoft Entra ID as a Teams tab sees it: per tenant, the v2.0 OpenID
// discovery document (/{tenant}/v2.0/.well-known/openid-configuration)
// and keys (/{tenant}/discovery/v2.0/keys), as at
// https://login.microsoftonline.com, and the access tokens Teams' single
// sign-on hands a tab (TabToken).

const entraKeyID = "faketeams-entra-1"

var entraKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// LoginURL is the fake's Entra ID, for TEAMS_LOGIN_URL.
func (s *Server) LoginURL() string { return s.srv.URL }

func (s *Server) serveEntraConfig(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.srv.URL + "/" + tenant + "/v2.0",
		"authorization_endpoint":                s.srv.URL + "/" + tenant + "/oauth2/v2.0/authorize",
		"token_endpoint":                        s.srv.URL + "/" + tenant + "/oauth2/v2.0/token",
		"jwks_uri":                              s.srv.URL + "/" + tenant + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (s *Server) serveEntraKeys(w http.ResponseWriter, _ *http.Request) {
	pub := entraKey().PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "kid": entraKeyID,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// TabToken is the access token Teams' single sign-on gives a tab for u,
// in tenant (TenantID when empty), for audience: the app's Application ID
// URI (api://HOST/APP_ID) or its client id. It is signed by the tenant's
// published key and valid for an hour from the fake's now.
func (s *Server) TabToken(u User, tenant, audience string) string {
	if tenant == "" {
		tenant = TenantID
	}
	now := s.now()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": s.srv.URL + "/" + tenant + "/v2.0", "aud": audience, "tid": tenant, "oid": u.AADObjectID,
		"name": u.Name, "preferred_username": u.Email, "scp": "access_as_user", "ver": "2.0",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	t.Header["kid"] = entraKeyID
	signed, err := t.SignedString(entraKey())
	if err != nil {
		panic(err)
	}
	return signed
}

// A sign-in code, from SignIn, for the token endpoint.
type signInCode struct {
	user     User
	tenant   string
	redirect string
	nonce    string
	expires  time.Time
}

// SignIn is u, of tenant (TenantID when empty), signing in on the page a
// "Sign in with Microsoft" link (/{tenant}/oauth2/v2.0/authorize?…) opens.
// It returns where Entra ID then sends the browser: the redirect URI with
// a code and the link's state. A link Entra ID would refuse (another app,
// no openid scope, no redirect URI) is an error.
func (s *Server) SignIn(authorizeURL string, u User, tenant string) (string, error) {
	if tenant == "" {
		tenant = TenantID
	}
	parsed, err := url.Parse(authorizeURL)
	if err != nil {
		return "", fmt.Errorf("faketeams: sign-in link: %w", err)
	}
	q := parsed.Query()
	switch {
	case parsed.Scheme+"://"+parsed.Host != s.srv.URL || !strings.HasSuffix(parsed.Path, "/oauth2/v2.0/authorize"):
		return "", fmt.Errorf("faketeams: sign-in link %s does not point at the fake's authorize endpoint", authorizeURL)
	case q.Get("client_id") != AppID:
		return "", fmt.Errorf("faketeams: sign-in link: AADSTS700016: application %q was not found", q.Get("client_id"))
	case q.Get("response_type") != "code":
		return "", fmt.Errorf("faketeams: sign-in link: response_type %q, want code", q.Get("response_type"))
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		return "", fmt.Errorf("faketeams: sign-in link: scope %q lacks openid", q.Get("scope"))
	case q.Get("redirect_uri") == "":
		return "", errors.New("faketeams: sign-in link: no redirect_uri")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	code := fmt.Sprintf("code-%d", s.seq)
	if s.codes == nil {
		s.codes = map[string]signInCode{}
	}
	s.codes[code] = signInCode{user: u, tenant: tenant, redirect: q.Get("redirect_uri"), nonce: q.Get("nonce"), expires: s.now().Add(10 * time.Minute)}
	return q.Get("redirect_uri") + "?" + url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), nil
}

// serveSignInToken is the authorization-code grant of a tenant's token
// endpoint: a code from SignIn, once, for the app with its secret, for an
// id_token of the person.
func (s *Server) serveSignInToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	f := r.PostForm
	s.mu.Lock()
	c, found := s.codes[f.Get("code")]
	delete(s.codes, f.Get("code"))
	now := s.now()
	s.mu.Unlock()
	switch {
	case f.Get("client_id") != AppID || f.Get("client_secret") != AppPassword:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
	case f.Get("grant_type") != "authorization_code" || !found || !now.Before(c.expires) || c.tenant != r.PathValue("tenant"):
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": "AADSTS70008: The provided authorization code is invalid or has expired."})
	case f.Get("redirect_uri") != c.redirect:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": "AADSTS50011: The redirect URI does not match."})
	default:
		claims := jwt.MapClaims{
			"iss": s.srv.URL + "/" + c.tenant + "/v2.0", "aud": AppID, "tid": c.tenant, "oid": c.user.AADObjectID,
			"sub": c.user.AADObjectID, "name": c.user.Name, "preferred_username": c.user.Email, "ver": "2.0",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}
		if c.nonce != "" {
			claims["nonce"] = c.nonce
		}
		t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		t.Header["kid"] = entraKeyID
		idToken, err := t.SignedString(entraKey())
		if err != nil {
			panic(err)
		}
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "access_token": "fake-user-token", "expires_in": 3600,
			"scope": "openid profile", "id_token": idToken})
	}
}

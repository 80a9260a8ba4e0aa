package faketeams

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"net/http"
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

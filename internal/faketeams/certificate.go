package faketeams

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxAssertionLife is the longest a client assertion may be valid for:
// Microsoft's identity platform refuses longer ones.
const maxAssertionLife = 10 * time.Minute

// Certificate makes a certificate for the fake app, uploads it to the app
// registration and writes it with its private key into a PEM file (a
// PKCS #8 PRIVATE KEY block and a CERTIFICATE block), for
// TEAMS_APP_CERTIFICATE. uploaded false writes one the app registration
// does not know.
func (s *Server) Certificate(uploaded bool) string {
	s.t.Helper()
	key := testKeys()[3]
	if !uploaded {
		key = testKeys()[4]
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "okrbot"},
		NotBefore:    s.now().Add(-time.Hour),
		NotAfter:     s.now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		s.t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		s.t.Fatal(err)
	}
	if uploaded {
		s.mu.Lock()
		s.certs[thumbprint(cert)] = cert
		s.mu.Unlock()
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		s.t.Fatal(err)
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	path := filepath.Join(s.t.TempDir(), "okrbot.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		s.t.Fatal(err)
	}
	return path
}

func thumbprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// checkAssertion checks a client assertion as Microsoft's identity
// platform does: a JWT signed RS256 (or PS256) with the key of a
// certificate of the app, named by its x5t#S256 thumbprint, by and about
// the app, for this token endpoint, valid now and for ten minutes at
// most. Its error is the AADSTS description Microsoft answers.
func (s *Server) checkAssertion(typ, raw string) error {
	if typ != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return errors.New("AADSTS50027: client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	}
	claims := jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		x5t, _ := t.Header["x5t#S256"].(string)
		s.mu.Lock()
		cert, ok := s.certs[x5t]
		s.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("no certificate of the app has the thumbprint %q", x5t)
		}
		return cert.PublicKey.(*rsa.PublicKey), nil
	},
		jwt.WithValidMethods([]string{"RS256", "PS256"}),
		jwt.WithTimeFunc(s.now),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(AppID),
		jwt.WithSubject(AppID),
		jwt.WithAudience(s.TokenURL()),
	)
	if err != nil {
		return fmt.Errorf("AADSTS700027: Client assertion failed signature validation: %v", err)
	}
	if claims.ExpiresAt.Sub(s.now()) > maxAssertionLife {
		return errors.New("AADSTS700024: Client assertion is not within its valid time range")
	}
	if claims.ID == "" {
		return errors.New("AADSTS50027: Client assertion has no jti")
	}
	return nil
}

package teams

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// assertionLife is how long a client assertion is good for; Entra ID
// takes one for at most ten minutes, and each token request signs anew.
const assertionLife = 5 * time.Minute

// certificate is the app's certificate credential: okrbot proves it is the
// app by signing a client assertion (RFC 7523) with the private key of a
// certificate uploaded to the app registration, instead of sending a
// client secret.
type certificate struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	// thumbprint is the certificate's SHA-256 thumbprint, base64url: the
	// x5t#S256 header by which Entra ID finds the certificate.
	thumbprint string
}

// loadCertificate reads a PEM file holding a certificate and its RSA
// private key (PKCS #8 or PKCS #1), in any order.
func loadCertificate(path string) (*certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("TEAMS_APP_CERTIFICATE: %w", err)
	}
	var c certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE":
			if c.cert != nil {
				continue // the chain after the app's own certificate
			}
			if c.cert, err = x509.ParseCertificate(block.Bytes); err != nil {
				return nil, fmt.Errorf("TEAMS_APP_CERTIFICATE %s: certificate: %w", path, err)
			}
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("TEAMS_APP_CERTIFICATE %s: private key: %w", path, err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("TEAMS_APP_CERTIFICATE %s: the private key is %T; Entra ID client assertions need an RSA key", path, k)
			}
			c.key = rk
		case "RSA PRIVATE KEY":
			if c.key, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
				return nil, fmt.Errorf("TEAMS_APP_CERTIFICATE %s: private key: %w", path, err)
			}
		}
	}
	switch {
	case c.cert == nil:
		return nil, fmt.Errorf("TEAMS_APP_CERTIFICATE %s holds no CERTIFICATE block", path)
	case c.key == nil:
		return nil, fmt.Errorf("TEAMS_APP_CERTIFICATE %s holds no private key (PRIVATE KEY or RSA PRIVATE KEY block)", path)
	}
	pub, ok := c.cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&c.key.PublicKey) {
		return nil, fmt.Errorf("TEAMS_APP_CERTIFICATE %s: the private key is not the certificate's", path)
	}
	sum := sha256.Sum256(c.cert.Raw)
	c.thumbprint = base64.RawURLEncoding.EncodeToString(sum[:])
	return &c, nil
}

// assertion is a client assertion for the token endpoint aud: an RS256 JWT
// by and about the app, naming the certificate by its thumbprint.
func (c *certificate) assertion(clientID, aud string, now time.Time) (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Issuer:    clientID,
		Subject:   clientID,
		Audience:  jwt.ClaimStrings{aud},
		ID:        hex.EncodeToString(jti),
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(assertionLife)),
	})
	t.Header["x5t#S256"] = c.thumbprint
	s, err := t.SignedString(c.key)
	if err != nil {
		return "", fmt.Errorf("sign the client assertion: %w", err)
	}
	return s, nil
}

// signingSecret is the secret that signs okrbot's card data and picture
// links: the client secret, or without one a key derived from the
// certificate's private key, which every replica has too.
func signingSecret(password string, cert *certificate) string {
	if password != "" || cert == nil {
		return password
	}
	sum := sha256.Sum256(append([]byte("okrbot card signing\x00"), x509.MarshalPKCS1PrivateKey(cert.key)...))
	return hex.EncodeToString(sum[:])
}

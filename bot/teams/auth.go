package teams

import (
	"cmp"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// keysMaxAge is how long signing keys are used before being fetched
	// again; Microsoft rotates them, announcing new ones days ahead.
	keysMaxAge = 24 * time.Hour
	// keysMinInterval is the least time between two fetches, so that
	// requests naming unknown keys cannot make okrbot hammer the endpoint.
	keysMinInterval = 5 * time.Minute
	// keysRetryInterval replaces it while okrbot has no keys at all, so
	// that a failed first fetch does not refuse everyone for long.
	keysRetryInterval = 10 * time.Second
	// clockSkew is the leeway on exp and nbf, as the Bot Framework SDKs
	// allow.
	clockSkew = 5 * time.Minute
)

var errUnauthorized = errors.New("unauthorized")

// authenticator checks the Bot Connector's JWT on each incoming request.
type authenticator struct {
	appID  string
	issuer string // the cloud's Bot Connector
	hosts  hostPolicy
	keys   *keyCache
	parser *jwt.Parser
}

func newAuthenticator(cfg Config, hosts hostPolicy, client *http.Client, now func() time.Time) *authenticator {
	cloud := cfg.cloud()
	metadata := cmp.Or(cfg.OpenIDMetadataURL, cloud.OpenIDMetadataURL)
	return &authenticator{
		appID:  cfg.AppID,
		issuer: cloud.Issuer,
		hosts:  hosts,
		keys:   &keyCache{metadataURL: metadata, http: client, now: now},
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}),
			jwt.WithIssuer(cloud.Issuer),
			jwt.WithAudience(cfg.AppID),
			jwt.WithLeeway(clockSkew),
			jwt.WithTimeFunc(now),
			jwt.WithExpirationRequired(),
		),
	}
}

// verify checks that the request carrying act comes from the Bot Connector
// for this bot: signature, issuer, audience, lifetime, the service URL it
// vouches for, and the key's endorsement of the channel.
func (au *authenticator) verify(ctx context.Context, authorization string, act *activity) error {
	raw, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || raw == "" {
		return fmt.Errorf("%w: no bearer token", errUnauthorized)
	}
	var endorsements []string
	claims := jwt.MapClaims{}
	_, err := au.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		// Checked before the key lookup so that junk never costs a fetch.
		if iss, _ := t.Claims.GetIssuer(); iss != au.issuer {
			return nil, fmt.Errorf("issuer %q", iss)
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid")
		}
		k, err := au.keys.get(ctx, kid)
		if err != nil {
			return nil, err
		}
		endorsements = k.endorsements
		return k.pub, nil
	})
	if err != nil {
		return fmt.Errorf("%w: %w", errUnauthorized, err)
	}
	if su, _ := claims["serviceurl"].(string); su == "" || su != act.ServiceURL {
		return fmt.Errorf("%w: serviceurl claim %q does not match the activity's %q", errUnauthorized, su, act.ServiceURL)
	}
	if len(endorsements) > 0 && (act.ChannelID == "" || !slices.Contains(endorsements, act.ChannelID)) {
		return fmt.Errorf("%w: key not endorsed for channel %q", errUnauthorized, act.ChannelID)
	}
	if _, err := au.hosts.check(act.ServiceURL); err != nil {
		return fmt.Errorf("%w: %w", errUnauthorized, err)
	}
	return nil
}

// signingKey is one key of the Bot Connector's key set.
type signingKey struct {
	pub          *rsa.PublicKey
	endorsements []string
}

// keyCache holds the Bot Connector's signing keys. Keys are fetched again
// when older than keysMaxAge or when a token names an unknown key, but never
// twice within keysMinInterval; meanwhile the keys at hand are used.
type keyCache struct {
	metadataURL string
	http        *http.Client
	now         func() time.Time

	mu        sync.Mutex
	keys      map[string]signingKey
	fetched   time.Time     // when keys were last fetched successfully
	attempted time.Time     // when a fetch last started
	inflight  chan struct{} // closed when the running fetch ends
}

func (c *keyCache) get(ctx context.Context, kid string) (signingKey, error) {
	c.mu.Lock()
	k, ok := c.keys[kid]
	due := !ok || c.now().Sub(c.fetched) > keysMaxAge
	interval := keysMinInterval
	if c.keys == nil {
		interval = keysRetryInterval
	}
	if due && (c.attempted.IsZero() || c.now().Sub(c.attempted) >= interval || c.inflight != nil) {
		c.mu.Unlock()
		if err := c.refresh(ctx); err != nil && !ok {
			return signingKey{}, err
		}
		c.mu.Lock()
		k, ok = c.keys[kid]
	}
	c.mu.Unlock()
	if !ok {
		return signingKey{}, fmt.Errorf("unknown signing key %q", kid)
	}
	return k, nil
}

// refresh fetches the key set, or waits for the fetch already running.
func (c *keyCache) refresh(ctx context.Context) error {
	c.mu.Lock()
	if wait := c.inflight; wait != nil {
		c.mu.Unlock()
		select {
		case <-wait:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	done := make(chan struct{})
	c.inflight, c.attempted = done, c.now()
	c.mu.Unlock()

	// Detached from the request that started it: others may be waiting.
	keys, err := c.fetch(context.WithoutCancel(ctx))

	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.keys, c.fetched = keys, c.now()
	}
	c.inflight = nil
	close(done)
	return err
}

func (c *keyCache) fetch(ctx context.Context) (map[string]signingKey, error) {
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := c.getJSON(ctx, c.metadataURL, &meta); err != nil {
		return nil, fmt.Errorf("OpenID metadata: %w", err)
	}
	if meta.JWKSURI == "" {
		return nil, errors.New("OpenID metadata has no jwks_uri")
	}
	var set struct {
		Keys []struct {
			Kty          string   `json:"kty"`
			Kid          string   `json:"kid"`
			N            string   `json:"n"`
			E            string   `json:"e"`
			Endorsements []string `json:"endorsements"`
		} `json:"keys"`
	}
	if err := c.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	keys := map[string]signingKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" {
			continue
		}
		pub, err := rsaKey(k.N, k.E)
		if err != nil {
			continue // one bad key must not cost the good ones
		}
		keys[k.Kid] = signingKey{pub: pub, endorsements: k.Endorsements}
	}
	if len(keys) == 0 {
		return nil, errors.New("signing keys: no RSA keys in the key set")
	}
	return keys, nil
}

func (c *keyCache) getJSON(ctx context.Context, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

func rsaKey(n, e string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		return nil, err
	}
	eb, err := base64.RawURLEncoding.DecodeString(e)
	if err != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("bad exponent")
	}
	exp := 0
	for _, b := range eb {
		exp = exp<<8 | int(b)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: exp}
	if pub.N.BitLen() < 2048 {
		return nil, errors.New("key shorter than 2048 bits")
	}
	return pub, nil
}

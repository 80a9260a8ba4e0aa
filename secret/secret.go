package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key in bytes: AES-256.
const KeySize = 32

// version starts every sealed secret, so the format can change later
// without guessing what an old value is.
const version = "v1"

var (
	// ErrNoKey is returned when no key is given.
	ErrNoKey = errors.New("no secret key: set OKRBOT_SECRET_KEY to 32 random bytes in base64 (openssl rand -base64 32)")
	// ErrUnknownKey is returned when a secret was sealed with a key the Box
	// does not hold, such as a key removed too early after a rotation.
	ErrUnknownKey = errors.New("sealed with a key that OKRBOT_SECRET_KEY does not hold")
	// ErrBroken is returned when a secret does not open with its key: it was
	// changed, cut, or copied from another place it was sealed for.
	ErrBroken = errors.New("sealed secret does not open: it was altered or belongs elsewhere")
)

type key struct {
	id   string
	aead cipher.AEAD
}

// Box seals and opens secrets. The zero Box holds no key; make one with
// ParseKeys. A Box is safe for concurrent use.
type Box struct {
	keys []key // keys[0] seals
}

// ParseKeys reads keys in the format of OKRBOT_SECRET_KEY: comma-separated
// standard base64 (padding optional), each decoding to 32 bytes. The first
// key seals; all open. Its errors name the setting and the key at fault.
func ParseKeys(s string) (*Box, error) {
	var parts []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil, ErrNoKey
	}
	b := &Box{}
	seen := map[string]int{}
	for i, p := range parts {
		raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(p, "="))
		switch {
		case err != nil:
			return nil, fmt.Errorf("OKRBOT_SECRET_KEY: key %d of %d is not standard base64: %w", i+1, len(parts), err)
		case len(raw) != KeySize:
			return nil, fmt.Errorf("OKRBOT_SECRET_KEY: key %d of %d is %d bytes; a key is %d random bytes in base64 (openssl rand -base64 32)", i+1, len(parts), len(raw), KeySize)
		}
		k, err := newKey(raw)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[k.id]; dup {
			return nil, fmt.Errorf("OKRBOT_SECRET_KEY: key %d of %d is the same as key %d", i+1, len(parts), j)
		}
		seen[k.id] = i + 1
		b.keys = append(b.keys, k)
	}
	return b, nil
}

func newKey(raw []byte) (key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, err
	}
	// The id is a hash of the key, not the key: it tells keys apart without
	// telling anything about them.
	sum := sha256.Sum256(append([]byte("okrbot secret key id\x00"), raw...))
	return key{id: hex.EncodeToString(sum[:4]), aead: aead}, nil
}

// KeyID names the key that seals: the first one.
func (b *Box) KeyID() string {
	if len(b.keys) == 0 {
		return ""
	}
	return b.keys[0].id
}

// Seal encrypts plaintext with the first key. where names the place the
// secret is kept (a table, row and column); Open must be given the same, so
// a sealed value copied to another place does not open there.
//
// The result is "v1.KEYID.DATA", DATA being standard base64 of the nonce
// and the ciphertext. Standard base64 has no '-', so no part of a sealed
// value can look like a Slack token (xoxb-…).
func (b *Box) Seal(plaintext, where string) (string, error) {
	if len(b.keys) == 0 {
		return "", ErrNoKey
	}
	k := b.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	out := k.aead.Seal(nonce, nonce, []byte(plaintext), additional(k.id, where))
	return version + "." + k.id + "." + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal returned for the same place.
func (b *Box) Open(sealed, where string) (string, error) {
	ver, rest, ok1 := strings.Cut(sealed, ".")
	id, data, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || ver != version {
		return "", fmt.Errorf("%w (not in the v1.KEYID.DATA form)", ErrBroken)
	}
	raw, err := base64.RawStdEncoding.DecodeString(data)
	if err != nil {
		return "", fmt.Errorf("%w (not base64)", ErrBroken)
	}
	// Key ids are 32 bits, so two keys may share one; each is tried.
	found := false
	for _, k := range b.keys {
		if k.id != id {
			continue
		}
		found = true
		n := k.aead.NonceSize()
		if len(raw) < n {
			continue
		}
		if plain, err := k.aead.Open(nil, raw[:n], raw[n:], additional(id, where)); err == nil {
			return string(plain), nil
		}
	}
	if !found {
		return "", fmt.Errorf("%w (key %s; it holds %s)", ErrUnknownKey, id, b.ids())
	}
	return "", fmt.Errorf("%w (key %s)", ErrBroken, id)
}

func (b *Box) ids() string {
	if len(b.keys) == 0 {
		return "no key"
	}
	ids := make([]string, len(b.keys))
	for i, k := range b.keys {
		ids[i] = k.id
	}
	return strings.Join(ids, ", ")
}

// additional is the data GCM authenticates with the ciphertext: the format,
// the key id and the place, so none of them can be swapped unnoticed.
func additional(id, where string) []byte {
	return []byte(version + "." + id + "\x00" + where)
}

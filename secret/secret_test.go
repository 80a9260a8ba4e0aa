package secret_test

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/secret"
)

func newKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, secret.KeySize)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func parse(t *testing.T, keys ...string) *secret.Box {
	t.Helper()
	b, err := secret.ParseKeys(strings.Join(keys, ","))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const token = "xoxb-1234-5678-abcdefghijklmnop"

func TestSealOpenRoundTrip(t *testing.T) {
	b := parse(t, newKey(t))
	for _, plain := range []string{token, "", "ünïcødé ✓", strings.Repeat("x", 10000)} {
		sealed, err := b.Seal(plain, "installations/T1/bot_token")
		if err != nil {
			t.Fatal(err)
		}
		if plain != "" && strings.Contains(sealed, plain) {
			t.Errorf("sealed value shows the secret: %s", sealed)
		}
		if !strings.HasPrefix(sealed, "v1."+b.KeyID()+".") {
			t.Errorf("sealed = %.20s…, want it to name key %s", sealed, b.KeyID())
		}
		got, err := b.Open(sealed, "installations/T1/bot_token")
		if err != nil || got != plain {
			t.Errorf("Open = %.20q, %v; want %.20q", got, err, plain)
		}
	}
}

func TestSealingTwiceDiffers(t *testing.T) {
	b := parse(t, newKey(t))
	one, _ := b.Seal(token, "w")
	two, _ := b.Seal(token, "w")
	if one == two {
		t.Error("the same secret sealed twice gave the same text: the nonce is not fresh")
	}
}

func TestSealedValuesNeverLookLikeTokens(t *testing.T) {
	b := parse(t, newKey(t))
	for range 200 {
		sealed, err := b.Seal(token, "w")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, "-") {
			t.Fatalf("sealed value %s has a '-', so it could show xoxb-", sealed)
		}
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKeyText := newKey(t), newKey(t)
	before := parse(t, oldKey)
	sealedOld, _ := before.Seal(token, "w")

	// The new key goes first: it seals, and the old one still opens.
	during := parse(t, newKeyText, oldKey)
	if got, err := during.Open(sealedOld, "w"); err != nil || got != token {
		t.Fatalf("old secret with both keys: %q, %v", got, err)
	}
	sealedNew, _ := during.Seal(token, "w")
	if during.KeyID() == before.KeyID() || !strings.HasPrefix(sealedNew, "v1."+during.KeyID()+".") {
		t.Fatalf("new writes use key %s, want the first key %s", strings.Split(sealedNew, ".")[1], during.KeyID())
	}

	// Once re-sealed, the old key can go.
	after := parse(t, newKeyText)
	if got, err := after.Open(sealedNew, "w"); err != nil || got != token {
		t.Errorf("re-sealed secret with the new key alone: %q, %v", got, err)
	}
	_, err := after.Open(sealedOld, "w")
	if !errors.Is(err, secret.ErrUnknownKey) || !strings.Contains(err.Error(), before.KeyID()) {
		t.Errorf("old secret without its key: %v; want ErrUnknownKey naming key %s", err, before.KeyID())
	}
}

func TestWrongKey(t *testing.T) {
	sealed, _ := parse(t, newKey(t)).Seal(token, "w")
	_, err := parse(t, newKey(t)).Open(sealed, "w")
	if !errors.Is(err, secret.ErrUnknownKey) {
		t.Errorf("Open with another key: %v, want ErrUnknownKey", err)
	}
}

func TestTamperedOrMoved(t *testing.T) {
	b := parse(t, newKey(t))
	sealed, _ := b.Seal(token, "installations/T1/bot_token")
	data := sealed[strings.LastIndex(sealed, ".")+1:]
	flip := func(s string, i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	head := strings.TrimSuffix(sealed, data)
	for name, bad := range map[string]string{
		"nonce changed":      head + flip(data, 2),
		"ciphertext changed": head + flip(data, len(data)/2),
		"tag changed":        head + flip(data, len(data)-2),
		"cut short":          head + data[:10],
		"not base64":         head + "!!!",
		"no key id":          "v1." + data,
		"other version":      "v2" + strings.TrimPrefix(sealed, "v1"),
		"plain token":        token,
	} {
		if got, err := b.Open(bad, "installations/T1/bot_token"); !errors.Is(err, secret.ErrBroken) {
			t.Errorf("%s: Open = %q, %v; want ErrBroken", name, got, err)
		}
	}
	// A secret copied into another workspace's row does not open there.
	if _, err := b.Open(sealed, "installations/T2/bot_token"); !errors.Is(err, secret.ErrBroken) {
		t.Errorf("moved to another place: %v, want ErrBroken", err)
	}
}

func TestBadKeysAreNamed(t *testing.T) {
	good := newKey(t)
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	for _, tc := range []struct{ in, want string }{
		{"", "set OKRBOT_SECRET_KEY"},
		{" , ", "set OKRBOT_SECRET_KEY"},
		{"not base64!", "OKRBOT_SECRET_KEY: key 1 of 1 is not standard base64"},
		{good + "," + short, "OKRBOT_SECRET_KEY: key 2 of 2 is 16 bytes"},
		{good + "," + good, "key 2 of 2 is the same as key 1"},
	} {
		_, err := secret.ParseKeys(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeys(%.12q…) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
	// Padding is optional and spaces around commas are fine.
	if _, err := secret.ParseKeys(" " + strings.TrimRight(good, "=") + " , " + newKey(t)); err != nil {
		t.Errorf("unpadded key and spaces: %v", err)
	}
}

func TestZeroBoxRefusesToSeal(t *testing.T) {
	var b secret.Box
	if _, err := b.Seal(token, "w"); !errors.Is(err, secret.ErrNoKey) {
		t.Errorf("Seal without a key: %v, want ErrNoKey", err)
	}
}

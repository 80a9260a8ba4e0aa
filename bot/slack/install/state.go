package install

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// stateCookie carries the OAuth state in the browser that started the
// install, so a redirect with a state from another browser is refused.
const stateCookie = "okrbot_slack_oauth_state"

// Why a redirect's state is refused. The pages say each in words.
var (
	errNoCookie = errors.New("no state cookie")
	errForged   = errors.New("state not made here or not for this browser")
	errExpired  = errors.New("state expired")
	errUsed     = errors.New("state already used")
)

// stateKey signs state cookies. It comes from the client secret, which
// every replica has, so a replica can check a cookie another one signed;
// it is derived rather than the secret itself so that the MAC says nothing
// about the secret.
func stateKey(clientSecret string) []byte {
	mac := hmac.New(sha256.New, []byte(clientSecret))
	mac.Write([]byte("okrbot oauth state cookie"))
	return mac.Sum(nil)
}

// newState makes a random state and the signed cookie that binds it to the
// browser until it expires: "STATE.EXPIRES.MAC".
func (in *Installer) newState(now time.Time) (string, *http.Cookie) {
	b := make([]byte, 32)
	rand.Read(b)
	state := base64.RawURLEncoding.EncodeToString(b)
	expires := now.Add(in.cfg.StateTTL)
	payload := state + "." + strconv.FormatInt(expires.Unix(), 10)
	return state, &http.Cookie{
		Name:     stateCookie,
		Value:    payload + "." + in.sign(payload),
		Path:     in.cookiePath,
		Expires:  expires,
		MaxAge:   int(in.cfg.StateTTL / time.Second),
		HttpOnly: true,
		Secure:   in.secure,
		// Lax, not Strict: the browser comes back from slack.com, and a
		// Strict cookie would stay behind on that cross-site navigation.
		SameSite: http.SameSiteLaxMode,
	}
}

func (in *Installer) sign(payload string) string {
	mac := hmac.New(sha256.New, in.stateKey)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// checkState checks the state a redirect carries against the browser's
// cookie, and returns when the state expires. The caller then uses it up
// with Store.UseOAuthState, which refuses it the second time.
func (in *Installer) checkState(r *http.Request, state string, now time.Time) (time.Time, error) {
	c, err := r.Cookie(stateCookie)
	if err != nil {
		return time.Time{}, errNoCookie
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return time.Time{}, errForged
	}
	payload := parts[0] + "." + parts[1]
	if !hmac.Equal([]byte(parts[2]), []byte(in.sign(payload))) ||
		!hmac.Equal([]byte(parts[0]), []byte(state)) {
		return time.Time{}, errForged
	}
	unix, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return time.Time{}, errForged
	}
	expires := time.Unix(unix, 0)
	if !now.Before(expires) {
		return expires, errExpired
	}
	return expires, nil
}

// clearState is the cookie that removes the state cookie.
func (in *Installer) clearState() *http.Cookie {
	return &http.Cookie{Name: stateCookie, Value: "", Path: in.cookiePath, MaxAge: -1,
		HttpOnly: true, Secure: in.secure, SameSite: http.SameSiteLaxMode}
}

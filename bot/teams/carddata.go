package teams

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/okrbot/okrbot/bot"
)

// Card buttons carry their action, and forms their definition, to the
// client and back: Teams keeps no state for okrbot, and several okrbot
// replicas may answer. A Teams client can send back anything it likes, so
// every payload is signed with a key derived from the app password and
// checked when it returns; after the password changes, old cards answer
// "out of date".

// dataKey is the key of okrbot's signed payload in an action's data; the
// inputs of a form sit beside it under inputPrefix+field ID.
const (
	dataKey     = "okrbot"
	inputPrefix = "f_"
)

// Kinds of payload.
const (
	kindButton     = "button"      // a bot.Button outside a form
	kindSubmit     = "submit"      // a form's submit button
	kindFormButton = "form_button" // a bot.ActionButton inside a form
	kindOpen       = "open"        // a button that opens a form as a dialog
)

// payload is what a card action carries.
type payload struct {
	Kind   string    `json:"k"`
	Action string    `json:"a,omitempty"`
	Value  string    `json:"v,omitempty"`
	Form   *bot.Form `json:"f,omitempty"`
}

// signedData is the JSON under dataKey: the payload as a string, so that it
// is checked byte for byte, and its MAC.
type signedData struct {
	P string `json:"p"`
	M string `json:"m"`
}

var errStaleCard = errors.New("card data missing, tampered with, or signed with another app password")

type signer struct{ key []byte }

func newSigner(appPassword string) signer {
	mac := hmac.New(sha256.New, []byte(appPassword))
	mac.Write([]byte("okrbot teams card data v1"))
	return signer{key: mac.Sum(nil)}
}

func (s signer) mac(p string) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(p))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

// data is an action's data object holding p.
func (s signer) data(p payload) map[string]any {
	b, _ := json.Marshal(p) // strings, slices and bot.Text always marshal
	return map[string]any{dataKey: signedData{P: string(b), M: s.mac(string(b))}}
}

// open reads and checks the payload of an action's data.
func (s signer) open(data map[string]any) (payload, error) {
	raw, err := json.Marshal(data[dataKey])
	if err != nil {
		return payload{}, errStaleCard
	}
	var sd signedData
	if json.Unmarshal(raw, &sd) != nil || sd.P == "" || !hmac.Equal([]byte(sd.M), []byte(s.mac(sd.P))) {
		return payload{}, errStaleCard
	}
	var p payload
	if json.Unmarshal([]byte(sd.P), &p) != nil {
		return payload{}, errStaleCard
	}
	if (p.Kind == kindSubmit || p.Kind == kindFormButton || p.Kind == kindOpen) && p.Form == nil {
		return payload{}, errStaleCard
	}
	return p, nil
}

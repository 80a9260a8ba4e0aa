package faketeams_test

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/okrbot/okrbot/internal/faketeams"
)

var ada = faketeams.User{ID: "29:1ada", AADObjectID: "aad-ada", Name: "Ada Lovelace"}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func token(t *testing.T, f *faketeams.Server, secret string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(f.TokenURL(), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {faketeams.AppID},
		"client_secret": {secret}, "scope": {faketeams.Scope},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	return resp.StatusCode, tok.AccessToken
}

func call(t *testing.T, method, u, tok string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, u, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestSignedActivitiesVerifyWithThePublishedKeys(t *testing.T) {
	f := faketeams.New(t)
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, f.OpenIDMetadataURL(), &meta)
	var set struct {
		Keys []struct {
			Kid, N, E    string
			Endorsements []string
		}
	}
	getJSON(t, meta.JWKSURI, &set)
	keys := map[string]*rsa.PublicKey{}
	endorsed := map[string][]string{}
	for _, k := range set.Keys {
		n, _ := base64.RawURLEncoding.DecodeString(k.N)
		e, _ := base64.RawURLEncoding.DecodeString(k.E)
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		endorsed[k.Kid] = k.Endorsements
	}
	act := f.Message(f.Personal(ada), ada, "hi")
	parse := func(c faketeams.Claims) (jwt.MapClaims, string, error) {
		claims := jwt.MapClaims{}
		var kid string
		_, err := jwt.ParseWithClaims(f.Token(act, c), claims, func(tk *jwt.Token) (any, error) {
			kid, _ = tk.Header["kid"].(string)
			if k, ok := keys[kid]; ok {
				return k, nil
			}
			return nil, errors.New("unknown kid")
		}, jwt.WithIssuer(faketeams.Issuer), jwt.WithAudience(faketeams.AppID))
		return claims, kid, err
	}
	claims, kid, err := parse(faketeams.Claims{})
	if err != nil {
		t.Fatal(err)
	}
	if claims["serviceurl"] != act.ServiceURL || !slices.Contains(endorsed[kid], "msteams") {
		t.Errorf("claims %v, endorsements %v", claims, endorsed[kid])
	}
	if _, kid, err := parse(faketeams.Claims{Key: faketeams.UnendorsedKey}); err != nil || slices.Contains(endorsed[kid], "msteams") {
		t.Errorf("unendorsed key: %v, endorsements %v", err, endorsed[kid])
	}
	if _, _, err := parse(faketeams.Claims{Key: faketeams.ForeignKey}); err == nil {
		t.Error("a token signed with the foreign key verified")
	}
	f.RotateKeys()
	if _, _, err := parse(faketeams.Claims{}); err == nil {
		t.Error("after rotation, a token verified with the old key set")
	}
}

func TestTokenEndpointAndConnector(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f := faketeams.New(t, faketeams.WithClock(func() time.Time { return now }))
	if status, _ := token(t, f, "wrong"); status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", status)
	}
	status, tok := token(t, f, faketeams.AppPassword)
	if status != http.StatusOK || tok == "" {
		t.Fatalf("token: %d %q", status, tok)
	}
	f.AddUser(ada)
	base := f.ServiceURL() + "v3/conversations"
	create := map[string]any{"isGroup": false, "members": []map[string]string{{"id": ada.AADObjectID}}, "tenantId": faketeams.TenantID}
	// By Entra object id, only once the app is installed for her.
	status, out := call(t, http.MethodPost, base, tok, create)
	if e, _ := out["error"].(map[string]any); status != http.StatusForbidden || e["code"] != "ForbiddenOperationException" ||
		e["message"] != "Bot is not installed in user's personal scope" {
		t.Fatalf("create before the install: %d %v", status, out)
	}
	f.Install(ada)
	status, out = call(t, http.MethodPost, base, tok, create)
	chat, _ := out["id"].(string)
	if status != http.StatusCreated || !strings.HasPrefix(chat, "a:") {
		t.Fatalf("create: %d %v", status, out)
	}
	if _, again := call(t, http.MethodPost, base, tok, create); again["id"] != chat {
		t.Errorf("creating the chat again gave %v, want %s", again["id"], chat)
	}
	msg := map[string]any{"type": "message", "summary": "hello"}
	status, out = call(t, http.MethodPost, base+"/"+url.PathEscape(chat)+"/activities", tok, msg)
	if status != http.StatusCreated {
		t.Fatalf("send: %d %v", status, out)
	}
	id := out["id"].(string)
	msg["summary"] = "hello again"
	if status, _ := call(t, http.MethodPut, base+"/"+url.PathEscape(chat)+"/activities/"+id, tok, msg); status != http.StatusOK {
		t.Fatalf("update: %d", status)
	}
	if got := f.Messages(chat); len(got) != 1 || got[0].Summary != "hello again" || got[0].ID != id {
		t.Errorf("messages %+v", got)
	}
	if status, out := call(t, http.MethodGet, base+"/"+url.PathEscape(chat)+"/members/"+ada.ID, tok, nil); status != http.StatusOK || out["aadObjectId"] != ada.AADObjectID {
		t.Errorf("member: %d %v", status, out)
	}
	if status, _ := call(t, http.MethodPost, base+"/nope/activities", tok, msg); status != http.StatusNotFound {
		t.Errorf("send to an unknown conversation: %d", status)
	}
	f.FailConversation(chat, faketeams.Fault{Status: 429, RetryAfter: 3 * time.Second, Times: 1})
	if status, _ := call(t, http.MethodPost, base+"/"+url.PathEscape(chat)+"/activities", tok, msg); status != http.StatusTooManyRequests {
		t.Errorf("injected 429: %d", status)
	}
	if status, _ := call(t, http.MethodPost, base+"/"+url.PathEscape(chat)+"/activities", tok, msg); status != http.StatusCreated {
		t.Errorf("after the one injected 429: %d", status)
	}
	now = now.Add(2 * time.Hour)
	if status, _ := call(t, http.MethodPost, base+"/"+url.PathEscape(chat)+"/activities", tok, msg); status != http.StatusUnauthorized {
		t.Errorf("expired token: %d", status)
	}
	if n := len(f.Calls(faketeams.OpSend)); n != 5 {
		t.Errorf("%d sends recorded, want 5", n)
	}
}

func TestClickSendsTheButtonsDataAndInputs(t *testing.T) {
	f := faketeams.New(t)
	p := f.Personal(ada)
	card := faketeams.Card{"type": "AdaptiveCard", "body": []any{
		map[string]any{"type": "Input.Text", "id": "title", "value": "old"},
		map[string]any{"type": "Input.ChoiceSet", "id": "who"},
	}, "actions": []any{
		map[string]any{"type": "Action.Execute", "title": "Save", "verb": "save", "data": map[string]any{"k": "v"}},
		map[string]any{"type": "Action.Submit", "title": "Open", "data": map[string]any{"msteams": map[string]any{"type": "task/fetch"}}},
	}}
	act, err := f.Click(p, ada, card, "Save", map[string]string{"who": "aad-bob"})
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Action struct {
			Verb string
			Data map[string]any
		}
	}
	json.Unmarshal(act.Value, &v)
	if act.Name != "adaptiveCard/action" || v.Action.Verb != "save" || v.Action.Data["k"] != "v" || v.Action.Data["title"] != "old" || v.Action.Data["who"] != "aad-bob" {
		t.Errorf("click: %s %+v", act.Name, v)
	}
	if act, _ := f.Click(p, ada, card, "Open", nil); act.Name != "task/fetch" {
		t.Errorf("dialog button sent %s", act.Name)
	}
	if _, err := f.Click(p, ada, card, "Delete", nil); err == nil {
		t.Error("clicked a button the card does not have")
	}
	if _, err := f.Click(p, ada, card, "Save", map[string]string{"nope": "x"}); err == nil {
		t.Error("typed into an input the card does not have")
	}
}

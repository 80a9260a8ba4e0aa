package teams

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Pictures (bot.Image) go into cards as Adaptive Card Images. A picture
// small enough rides in the card as a data URI; most charts are not (Teams
// takes 28 KB a message, a chart's PNG is 25 to 40 KB before base64), so
// with OKRBOT_PUBLIC_URL set okrbot serves them itself, at links signed
// with a key derived from the app password and valid for linkTTL: a link
// cannot be made up or altered, and stops working. Without a public URL
// the card shows the picture's alt text instead.
//
// The pictures behind the links are kept in memory, up to maxPictureBytes,
// oldest forgotten first: links are served by the process that made them,
// until it restarts.

// ChartPath is where okrbot serves the pictures its cards link to, under
// OKRBOT_PUBLIC_URL.
const ChartPath = "/teams/charts/"

const (
	// linkTTL is how long a picture's link works: long enough for a
	// digest to be read in the week it was sent.
	linkTTL = 7 * 24 * time.Hour
	// maxPictureBytes bounds the memory the served pictures take: about a
	// thousand charts.
	maxPictureBytes = 48 << 20
)

// pictures keeps the pictures cards link to and serves them.
type pictures struct {
	base string // OKRBOT_PUBLIC_URL + ChartPath
	key  []byte
	now  func() time.Time

	mu    sync.Mutex
	byID  map[string]*picture
	order []string // ids, least recently linked first
	size  int
}

type picture struct {
	png   []byte
	until time.Time
}

func newPictures(publicURL, appPassword string, now func() time.Time) *pictures {
	mac := hmac.New(sha256.New, []byte(appPassword))
	mac.Write([]byte("okrbot teams chart links v1"))
	return &pictures{base: strings.TrimSuffix(publicURL, "/") + ChartPath, key: mac.Sum(nil), now: now, byID: map[string]*picture{}}
}

// sign is the signature of a picture's link: its id and expiry.
func (p *pictures) sign(id string, exp int64) string {
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte(id + "\n" + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// link keeps a picture and returns the signed link that serves it until
// linkTTL from now.
func (p *pictures) link(png []byte) string {
	sum := sha256.Sum256(png)
	id := hex.EncodeToString(sum[:16])
	now := p.now()
	until := now.Add(linkTTL)
	p.mu.Lock()
	if pic := p.byID[id]; pic != nil {
		pic.until = until
		p.order = slices.DeleteFunc(p.order, func(o string) bool { return o == id })
	} else {
		p.byID[id] = &picture{png: png, until: until}
		p.size += len(png)
	}
	p.order = append(p.order, id)
	for len(p.order) > 1 && (p.size > maxPictureBytes || !p.byID[p.order[0]].until.After(now)) {
		p.size -= len(p.byID[p.order[0]].png)
		delete(p.byID, p.order[0])
		p.order = p.order[1:]
	}
	p.mu.Unlock()
	exp := until.Unix()
	return p.base + id + ".png?exp=" + strconv.FormatInt(exp, 10) + "&sig=" + p.sign(id, exp)
}

// ServeHTTP serves a picture at its signed link; a link with a wrong
// signature or past its expiry is refused before anything is looked up.
func (p *pictures) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, isPNG := strings.CutSuffix(path.Base(r.URL.Path), ".png")
	exp, err := strconv.ParseInt(r.URL.Query().Get("exp"), 10, 64)
	if !isPNG || err != nil || !hmac.Equal([]byte(r.URL.Query().Get("sig")), []byte(p.sign(id, exp))) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	left := time.Unix(exp, 0).Sub(p.now())
	if left <= 0 {
		http.Error(w, "this link has expired", http.StatusForbidden)
		return
	}
	p.mu.Lock()
	pic := p.byID[id]
	p.mu.Unlock()
	if pic == nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(pic.png)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age="+strconv.Itoa(int(left.Seconds())))
	_, _ = w.Write(pic.png)
}

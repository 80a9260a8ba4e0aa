package teams

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okrbot/okrbot/bot"
)

// Pictures (bot.Image) go into cards as Adaptive Card Images. A picture
// small enough rides in the card as a data URI; most charts are not (Teams
// takes 28 KB a message, a chart's PNG is 25 to 40 KB before base64), so
// with OKRBOT_PUBLIC_URL set okrbot serves them itself, at links signed
// with a key derived from the app password and valid for linkTTL: a link
// cannot be made up or altered, and stops working. Without a public URL
// the card shows the picture's alt text instead.
//
// A link names the picture by its workspace and content. The picture is
// kept in the PictureStore (the database) before the card goes out, so
// that any replica of okrbot serves a link that another drew; the process
// also keeps the pictures it linked or served in memory, up to
// maxPictureBytes, oldest forgotten first. Without a PictureStore (tests),
// only the process that drew a picture serves it.

// A PictureStore keeps the pictures that cards link to where every
// replica finds them.
type PictureStore interface {
	// KeepPicture keeps a workspace's picture, named by id, until a time.
	KeepPicture(ctx context.Context, ws bot.Workspace, id string, png []byte, until time.Time) error
	// Picture returns a workspace's picture kept and not expired, or nil.
	Picture(ctx context.Context, ws bot.Workspace, id string) ([]byte, error)
}

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
	base  string // OKRBOT_PUBLIC_URL + ChartPath
	key   []byte
	now   func() time.Time
	store PictureStore // nil: this process's memory only
	log   *slog.Logger

	mu    sync.Mutex
	byKey map[string]*picture // by workspace and id
	order []string            // keys, least recently linked first
	size  int
}

type picture struct {
	png   []byte
	until time.Time
}

func newPictures(publicURL, appPassword string, now func() time.Time, store PictureStore, log *slog.Logger) *pictures {
	mac := hmac.New(sha256.New, []byte(appPassword))
	mac.Write([]byte("okrbot teams chart links v1"))
	return &pictures{base: strings.TrimSuffix(publicURL, "/") + ChartPath, key: mac.Sum(nil), now: now, store: store,
		log: cmp.Or(log, slog.Default()), byKey: map[string]*picture{}}
}

// sign is the signature of a picture's link: its workspace, id and expiry.
func (p *pictures) sign(team, id string, exp int64) string {
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte(team + "\n" + id + "\n" + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// link keeps a workspace's picture and returns the signed link that serves
// it until linkTTL from now; ok is false when it could not be kept, and
// the card shows the picture's alt text instead. A picture linked again
// (a card is rendered more than once to fit) is kept once more only when
// it is past half its time.
func (p *pictures) link(ctx context.Context, ws bot.Workspace, png []byte) (string, bool) {
	sum := sha256.Sum256(png)
	id := hex.EncodeToString(sum[:16])
	key := ws.TeamID + "/" + id
	now := p.now()
	until := now.Add(linkTTL)
	p.mu.Lock()
	pic := p.byKey[key]
	fresh := pic != nil && pic.until.Sub(now) > linkTTL/2
	p.mu.Unlock()
	if !fresh && p.store != nil {
		if err := p.store.KeepPicture(ctx, ws, id, png, until); err != nil {
			p.log.ErrorContext(ctx, "picture not kept; the card shows its alt text", "err", err)
			return "", false
		}
	}
	if fresh {
		until = pic.until
	}
	p.remember(key, png, until, now)
	exp := until.Unix()
	return p.base + id + ".png?" + url.Values{"w": {ws.TeamID}, "exp": {strconv.FormatInt(exp, 10)}, "sig": {p.sign(ws.TeamID, id, exp)}}.Encode(), true
}

// remember keeps a picture in memory until a time, and forgets the oldest
// beyond maxPictureBytes and those expired.
func (p *pictures) remember(key string, png []byte, until, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pic := p.byKey[key]; pic != nil {
		pic.until = until
		p.order = slices.DeleteFunc(p.order, func(o string) bool { return o == key })
	} else {
		p.byKey[key] = &picture{png: png, until: until}
		p.size += len(png)
	}
	p.order = append(p.order, key)
	for len(p.order) > 1 && (p.size > maxPictureBytes || !p.byKey[p.order[0]].until.After(now)) {
		p.size -= len(p.byKey[p.order[0]].png)
		delete(p.byKey, p.order[0])
		p.order = p.order[1:]
	}
}

// ServeHTTP serves a picture at its signed link; a link with a wrong
// signature or past its expiry is refused before anything is looked up.
// A picture this process does not hold is read from the PictureStore.
func (p *pictures) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, isPNG := strings.CutSuffix(path.Base(r.URL.Path), ".png")
	q := r.URL.Query()
	team := q.Get("w")
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if !isPNG || err != nil || !hmac.Equal([]byte(q.Get("sig")), []byte(p.sign(team, id, exp))) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	now := p.now()
	left := time.Unix(exp, 0).Sub(now)
	if left <= 0 {
		http.Error(w, "this link has expired", http.StatusForbidden)
		return
	}
	key := team + "/" + id
	p.mu.Lock()
	var png []byte
	if pic := p.byKey[key]; pic != nil {
		png = pic.png
	}
	p.mu.Unlock()
	if png == nil && p.store != nil {
		png, err = p.store.Picture(r.Context(), bot.Workspace{Platform: Platform, TeamID: team}, id)
		if err != nil {
			p.log.ErrorContext(r.Context(), "picture not read", "err", err)
			http.Error(w, "the picture cannot be read now", http.StatusServiceUnavailable)
			return
		}
		if png != nil {
			p.remember(key, png, time.Unix(exp, 0), now)
		}
	}
	if png == nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age="+strconv.Itoa(int(left.Seconds())))
	_, _ = w.Write(png)
}

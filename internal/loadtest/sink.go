package loadtest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Sink is the response_url endpoint of a run: every request gets a URL of
// its own under it, and what arrives there is matched to its request.
type Sink struct {
	// URL is where the sink is reached; response URLs are URL/r/ID.
	URL string
	srv *http.Server
	// Delay is how long the sink takes to answer a reply, as Slack's
	// answer takes a network round trip: okrbot's worker waits for it.
	// A reply counts as arrived when it arrives, before the delay.
	Delay time.Duration

	mu      sync.Mutex
	pending map[string]*request
}

// maxReply bounds the body of a reply; Slack messages are far smaller.
const maxReply = 1 << 20

// ListenSink starts a sink listening on addr (host:port; port 0 picks
// one). When the host is empty or unspecified the URL names 127.0.0.1.
func ListenSink(addr string) (*Sink, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for replies on %s: %w", addr, err)
	}
	at := ln.Addr().(*net.TCPAddr)
	host := at.IP.String()
	if at.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	s := &Sink{URL: "http://" + net.JoinHostPort(host, fmt.Sprint(at.Port)), pending: map[string]*request{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /r/{id}", s.reply)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// Serve ends only when Close closes the listener.
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the sink.
func (s *Sink) Close() error { return s.srv.Close() }

// expect makes the response URL of a request.
func (s *Sink) expect(id string, r *request) string {
	s.mu.Lock()
	s.pending[id] = r
	s.mu.Unlock()
	return s.URL + "/r/" + id
}

// forget drops the requests of a finished run; replies to them are not
// found any more.
func (s *Sink) forget(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.pending, id)
	}
}

// reply takes a post to a response URL, answering as Slack does.
func (s *Sink) reply(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReply))
	at := time.Now()
	s.mu.Lock()
	req := s.pending[r.PathValue("id")]
	s.mu.Unlock()
	switch {
	case req == nil:
		http.Error(w, "no such response_url", http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	req.replied(at, body)
	time.Sleep(s.Delay)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintln(w, `{"ok":true}`)
}

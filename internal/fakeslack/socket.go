package fakeslack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/okrbot/okrbot/internal/fakecalls"
)

// Socket Mode envelope types, as Slack names them.
const (
	EnvelopeSlashCommand = "slash_commands"
	EnvelopeInteractive  = "interactive"
	EnvelopeEventsAPI    = "events_api"
)

// pingEvery keeps slack-go's client from declaring the connection dead: it
// reconnects when Slack has not pinged for 30 seconds.
const pingEvery = 5 * time.Second

type socketState struct {
	tickets   int
	accepted  int
	closed    bool
	current   *wsConn
	conns     map[*wsConn]bool
	connected chan struct{} // closed and replaced when a connection comes up
	acks      map[string]chan json.RawMessage
}

func (st *socketState) init() {
	st.conns = map[*wsConn]bool{}
	st.connected = make(chan struct{})
	st.acks = map[string]chan json.RawMessage{}
}

type wsConn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex // gorilla/websocket allows one writer at a time
	done chan struct{}
}

func (c *wsConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

func (c *wsConn) ping() {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second)); err != nil {
			return
		}
		select {
		case <-t.C:
		case <-c.done:
			return
		}
	}
}

// slack-go dials with Origin https://api.slack.com, which gorilla's default
// same-origin check would refuse.
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveSocket is the WebSocket URL that apps.connections.open hands out. It
// greets the client as Slack does and routes acks to Envelope calls.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	closed := s.sock.closed
	s.mu.Unlock()
	if closed {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := &wsConn{ws: ws, done: make(chan struct{})}
	defer func() {
		s.mu.Lock()
		delete(s.sock.conns, c)
		if s.sock.current == c {
			s.sock.current = nil
		}
		s.mu.Unlock()
		close(c.done)
		ws.Close()
	}()
	hello := map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A0FAKE"}, "debug_info": map[string]any{"host": "fakeslack"}}
	if err := c.write(hello); err != nil {
		return
	}
	s.mu.Lock()
	s.sock.conns[c] = true
	s.sock.current = c
	s.sock.accepted++
	close(s.sock.connected)
	s.sock.connected = make(chan struct{})
	s.mu.Unlock()
	go c.ping()

	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := ws.ReadJSON(&ack); err != nil {
			return
		}
		s.mu.Lock()
		waiter := s.sock.acks[ack.EnvelopeID]
		delete(s.sock.acks, ack.EnvelopeID)
		s.mu.Unlock()
		if waiter != nil {
			waiter <- ack.Payload
		}
	}
}

// Envelope sends a Socket Mode envelope to the connected app, waiting for
// it to connect if needed, and returns the payload of the app's ack (nil
// for a bare ack).
func (s *Server) Envelope(ctx context.Context, typ string, payload any) (json.RawMessage, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	ack := make(chan json.RawMessage, 1)
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("env-%d", s.seq)
	s.sock.acks[id] = ack
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sock.acks, id)
		s.mu.Unlock()
	}()
	msg := map[string]any{"envelope_id": id, "type": typ, "payload": json.RawMessage(raw),
		"accepts_response_payload": typ == EnvelopeInteractive}
	for {
		s.mu.Lock()
		c, connected := s.sock.current, s.sock.connected
		s.mu.Unlock()
		if c != nil && c.write(msg) == nil {
			break
		}
		if c != nil {
			connected = c.done // a dying connection: wait for it to go
		}
		select {
		case <-connected:
		case <-ctx.Done():
			return nil, fmt.Errorf("fakeslack: no app connected for envelope %s: %w", id, ctx.Err())
		}
	}
	select {
	case p := <-ack:
		return p, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("fakeslack: envelope %s not acked: %w", id, ctx.Err())
	}
}

// Deliver is Envelope for tests: it fails the test if the app does not ack
// within a generous bound. Call it from the test's goroutine.
func (s *Server) Deliver(typ string, payload any) json.RawMessage {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fakecalls.WaitTimeout)
	defer cancel()
	ack, err := s.Envelope(ctx, typ, payload)
	if err != nil {
		s.t.Fatal(err)
	}
	return ack
}

// DropConnections closes every Socket Mode connection, as a network failure
// or a Slack restart would.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := make([]*wsConn, 0, len(s.sock.conns))
	for c := range s.sock.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "dropped"), time.Now().Add(time.Second))
		c.ws.Close()
	}
}

// Connections is how many Socket Mode connections the fake has accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sock.accepted
}

func (s *Server) closeSockets() {
	s.mu.Lock()
	s.sock.closed = true
	s.mu.Unlock()
	s.DropConnections()
}

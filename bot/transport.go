package bot

import "net/http"

// NewTransport returns an HTTP transport for calls to a chat platform:
// http.DefaultTransport's, keeping enough idle connections to one host for
// the workers of a Queue. With the default two, a burst of replies to one
// host (Slack's response URLs, a Teams service URL) would open, and shake
// hands over TLS for, a connection for nearly every reply.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	return t
}

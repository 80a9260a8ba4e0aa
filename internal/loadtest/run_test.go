package loadtest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
	"time"
)

// TestRunClassesEveryReply runs a load against a server that answers
// each person differently, and sees each answer counted in its class.
// The server posts its replies before it acks, so every reply is in when
// the acks are; only the missing one waits for the deadline.
func TestRunClassesEveryReply(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	post := func(responseURL, body string) {
		resp, err := http.Post(responseURL, "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	list := `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*All objectives*\n#1 Grow revenue"}}]}`
	okrbot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// Signatures are checked as okrbot checks them.
		if !NewBaseline(nil, secret, "T1").signed(r.Header, body) {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		form, _ := url.ParseQuery(string(body))
		to := form.Get("response_url")
		switch form.Get("user_id") {
		case "UCORRECT":
			post(to, list)
		case "UTWICE":
			post(to, list)
			post(to, list)
		case "UBUSYACK":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"response_type":"ephemeral","text":"okrbot is busy, try again in a minute."}`)
			return
		case "UBUSYLATER":
			post(to, `{"text":"okrbot is busy, try again in a minute."}`)
		case "UERROR":
			post(to, `{"text":"Something went wrong."}`)
		case "U503":
			http.Error(w, "okrbot is starting", http.StatusServiceUnavailable)
			return
		case "USILENT":
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer okrbot.Close()
	sink, err := ListenSink("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()

	people := []string{"UCORRECT", "UTWICE", "UBUSYACK", "UBUSYLATER", "UERROR", "U503", "USILENT"}
	load := Load{Rate: 1000, Duration: 7 * time.Millisecond, Wait: 3 * time.Second, Team: "T1", People: people, Secret: secret,
		Command: SlashCommand("/okr list all", []string{"Grow revenue"})}
	results, err := Run(context.Background(), Target{Name: "stub", Events: okrbot.URL + "/slack/events"}, load, sink)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 {
		t.Fatalf("%d results, want 1 (no clicks)", len(results))
	}
	got := results[0]
	if len(got.Examples) != 2 {
		t.Errorf("error examples = %q, want the 503's and the error reply", got.Examples)
	}
	// Counts, not times: how long anything took is not the test's business.
	got.Ack, got.Reply, got.LateMax, got.Examples = Latencies{N: got.Ack.N}, Latencies{N: got.Reply.N}, 0, nil
	want := Result{Target: "stub", Sent: "/okr list all", Count: 7, AckNot200: 1,
		Ack: Latencies{N: 7}, Reply: Latencies{N: 5}, // the 503 and the silent one have none
		Correct: 2, Busy: 2, Errors: 2, Missing: 1, Duplicates: 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("result =\n%+v, want\n%+v", got, want)
	}
}

// TestClicksAreSpreadEvenly: a share of a quarter makes every fourth
// request a click.
func TestClicksAreSpreadEvenly(t *testing.T) {
	l := Load{ClickShare: 0.25}
	var got []bool
	for i := range 8 {
		got = append(got, l.isClick(i))
	}
	want := []bool{false, false, false, true, false, false, false, true}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("clicks = %v, want %v", got, want)
		}
	}
}

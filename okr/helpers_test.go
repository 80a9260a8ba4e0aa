package okr_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/okr"
)

// wantInvalid fails unless err is a *okr.ValidationError for field whose
// message contains every one of parts.
func wantInvalid(t *testing.T, err error, field string, parts ...string) {
	t.Helper()
	var ve *okr.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v (%T), want *okr.ValidationError", err, err)
	}
	if ve.Field != field {
		t.Errorf("Field = %q, want %q", ve.Field, field)
	}
	if ve.Error() != ve.Msg {
		t.Errorf("Error() = %q, want Msg %q", ve.Error(), ve.Msg)
	}
	for _, p := range parts {
		if !strings.Contains(ve.Msg, p) {
			t.Errorf("Msg = %q, want it to contain %q", ve.Msg, p)
		}
	}
}

package okr

import (
	"errors"
	"fmt"
)

// ValidationError is a problem with something a person typed. Field names the
// input it concerns (a command flag or a form field) so an adapter can show the
// message next to it; Msg is written for that person and quotes their input.
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string { return e.Msg }

// Invalid returns a ValidationError for field with a formatted message.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ErrNotFound reports that something does not exist in the caller's
// workspace. Ids from another workspace are reported the same way on purpose.
var ErrNotFound = errors.New("not found")

// ErrForbidden reports that the caller may not change something.
var ErrForbidden = errors.New("forbidden")

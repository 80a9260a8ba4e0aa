package okr

import (
	"reflect"
	"testing"
)

func TestAlignmentLoop(t *testing.T) {
	for _, tc := range []struct {
		name   string
		parent map[string]string
		order  []string
		want   []string
	}{
		{"a tree", map[string]string{"b": "a", "c": "b", "d": "a"}, []string{"a", "b", "c", "d"}, nil},
		{"itself", map[string]string{"a": "a"}, []string{"a"}, []string{"a", "a"}},
		{"two", map[string]string{"#3": "#5", "#5": "#3"}, []string{"#3", "#5"}, []string{"#3", "#5", "#3"}},
		{"a loop below a tail", map[string]string{"x": "a", "a": "b", "b": "c", "c": "a"}, []string{"x"}, []string{"a", "b", "c", "a"}},
		{"a path into what was checked", map[string]string{"b": "a", "c": "b"}, []string{"b", "c"}, nil},
	} {
		if got := AlignmentLoop(tc.parent, tc.order); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: loop = %v, want %v", tc.name, got, tc.want)
		}
	}
}

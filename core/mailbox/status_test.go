package mailbox

import (
	"io"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

func TestMboxFlags(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want core.Flags
	}{
		{"none", "Subject: a\n\nStatus: RO\n", core.Flags{}},
		{"read", "Subject: a\nStatus: RO\n\nbody\n", core.Flags{Seen: true}},
		{"old, unread", "Status: O\n\n", core.Flags{}},
		{"flagged answered deleted", "X-Status: AFD\r\nStatus: R\r\n\r\n", core.Flags{Seen: true, Flagged: true, Answered: true, Deleted: true}},
		{"header only", "status: R", core.Flags{Seen: true}},
		{"empty", "", core.Flags{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, r, err := MboxFlags(strings.NewReader(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(r)
			if f != tc.want || string(raw) != tc.msg {
				t.Errorf("MboxFlags(%q) = %+v, %q; want %+v and the message unchanged", tc.msg, f, raw, tc.want)
			}
		})
	}
}

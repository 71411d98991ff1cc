package thread

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func msg(key int64, id, subject string, refs ...string) Message {
	return Message{Key: key, MessageID: id, Subject: subject, Refs: refs, Date: t0.Add(time.Duration(key) * time.Hour)}
}

// shape writes a thread's tree: messages by Key, empty nodes as "_",
// children in brackets.
func shape(n *Node) string {
	s := "_"
	if n.Message != nil {
		s = string(rune('0' + n.Message.Key))
	}
	if len(n.Children) > 0 {
		var kids []string
		for _, c := range n.Children {
			kids = append(kids, shape(c))
		}
		s += "[" + strings.Join(kids, " ") + "]"
	}
	return s
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name string
		msgs []Message
		want []string // each thread's shape, newest activity first
	}{
		{"one conversation", []Message{
			msg(1, "a", "Plan"), msg(2, "b", "Re: Plan", "a"), msg(3, "c", "Re: Plan", "a", "b"),
		}, []string{"1[2[3]]"}},
		{"arrival order does not matter", []Message{
			msg(3, "c", "Re: Plan", "a", "b"), msg(1, "a", "Plan"), msg(2, "b", "Re: Plan", "a"),
		}, []string{"1[2[3]]"}},
		{"two conversations", []Message{
			msg(1, "a", "Plan"), msg(2, "x", "Lunch"), msg(3, "b", "Re: Plan", "a"),
		}, []string{"1[3]", "2"}},
		{"missing parent keeps siblings together", []Message{
			msg(1, "b", "Re: Plan", "a"), msg(2, "c", "Re: Plan", "a"),
		}, []string{"_[1 2]"}},
		{"missing grandparent", []Message{
			msg(1, "c", "Re: Plan", "a", "b"), msg(2, "d", "Re: Plan", "a", "x"),
		}, []string{"_[1 2]"}},
		{"missing middle joins the chain", []Message{
			msg(1, "a", "Plan"), msg(2, "c", "Re: Plan", "a", "b"),
		}, []string{"1[2]"}},
		{"only In-Reply-To", []Message{
			msg(1, "a", "Plan"), msg(2, "b", "Re: Plan", "a"), msg(3, "c", "Re: Plan", "b"),
		}, []string{"1[2[3]]"}},
		{"loop in References", []Message{
			// a says b is its parent; b's claim that a is its own would
			// make a loop, so it is ignored.
			msg(1, "a", "x", "b"), msg(2, "b", "x", "a"),
		}, []string{"2[1]"}},
		{"message references itself", []Message{
			msg(1, "a", "x", "a"), msg(2, "b", "x", "a", "b"),
		}, []string{"1[2]"}},
		{"three-way loop", []Message{
			msg(1, "a", "x", "c", "b"), msg(2, "b", "x", "a", "c"), msg(3, "c", "x", "b", "a"),
		}, []string{"3[2[1]]"}},
		{"References that disagree still join", []Message{
			// m names p2 as c's parent, but c has p1: the tree keeps p1,
			// and the conversation holds p2 too, as the store's would.
			msg(1, "p1", "x"), msg(2, "c", "x", "p1"), msg(3, "p2", "y"), msg(4, "m", "x", "p2", "c"),
		}, []string{"_[1[2[4]] 3]"}},
		{"subject-only fallback", []Message{
			msg(1, "a", "Hello"), msg(2, "b", "Re: hello"), msg(3, "c", "AW: RE[2]: Hello"),
		}, []string{"_[1 2 3]"}},
		{"same subject without a reply is two conversations", []Message{
			msg(1, "a", "Invoice"), msg(2, "b", "Invoice"),
		}, []string{"2", "1"}},
		{"fallback only without references", []Message{
			msg(1, "a", "Hello"), msg(2, "b", "Re: Hello", "zzz"),
		}, []string{"2", "1"}},
		{"empty subject never threads", []Message{
			msg(1, "a", "Re:"), msg(2, "b", "Re: "),
		}, []string{"2", "1"}},
		{"replies across accounts and folders", []Message{
			// The same sent reply filed in Sent of one account and
			// received by another: one conversation, the copy a sibling.
			msg(1, "q", "Question"), msg(2, "r", "Re: Question", "q"), msg(3, "r", "Re: Question", "q"), msg(4, "s", "Re: Question", "q", "r"),
		}, []string{"1[2[4] 3]"}},
		{"no Message-ID", []Message{
			msg(1, "", "Note"), msg(2, "", "Other"),
		}, []string{"2", "1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			threads := Build(tc.msgs)
			var got []string
			for _, th := range threads {
				got = append(got, shape(th.Root))
				for i := 1; i < len(th.Messages); i++ {
					if th.Messages[i].Date.Before(th.Messages[i-1].Date) {
						t.Errorf("thread %d messages not oldest first", th.ID)
					}
				}
				if th.ID != th.Messages[0].Key {
					t.Errorf("thread ID = %d, want its oldest message %d here", th.ID, th.Messages[0].Key)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Build = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRefs(t *testing.T) {
	tests := []struct {
		name      string
		inReplyTo string
		refs      []string
		want      []string
	}{
		{"none", "", nil, []string{}},
		{"in-reply-to only", "a", nil, []string{"a"}},
		{"references end with the parent", "b", []string{"a", "b"}, []string{"a", "b"}},
		{"in-reply-to goes last", "c", []string{"a", "b"}, []string{"a", "b", "c"}},
		{"in-reply-to moves last", "a", []string{"a", "b"}, []string{"b", "a"}},
		{"repeats dropped", "", []string{"a", "b", "a"}, []string{"a", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Refs(tc.inReplyTo, tc.refs); !slices.Equal(got, tc.want) {
				t.Errorf("Refs(%q, %q) = %q, want %q", tc.inReplyTo, tc.refs, got, tc.want)
			}
		})
	}
	many := make([]string, 500)
	for i := range many {
		many[i] = strings.Repeat("x", i+1)
	}
	if got := Refs("", many); len(got) != MaxRefs || got[MaxRefs-1] != many[499] {
		t.Errorf("Refs of 500 = %d ids ending %q, want the nearest %d", len(got), got[len(got)-1], MaxRefs)
	}
}

func TestSubjectKey(t *testing.T) {
	tests := []struct {
		in    string
		key   string
		reply bool
	}{
		{"Hello", "hello", false},
		{"Re: Hello", "hello", true},
		{"RE: Fwd: re:  Hello   world", "hello world", true},
		{"Re[3]: Hello", "hello", true},
		{"AW: Hallo", "hallo", true},
		{"Regarding: x", "regarding: x", false},
		{"Re[x]: Hello", "re[x]: hello", false},
		{"Re:", "", true},
		{"", "", false},
	}
	for _, tc := range tests {
		if key, reply := SubjectKey(tc.in); key != tc.key || reply != tc.reply {
			t.Errorf("SubjectKey(%q) = %q, %v, want %q, %v", tc.in, key, reply, tc.key, tc.reply)
		}
	}
}

package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// terms drops positions, which the cases do not spell out.
func terms(q Query) []Term {
	out := make([]Term, len(q.Terms))
	for i, t := range q.Terms {
		t.Pos = 0
		out[i] = t
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Term
	}{
		{"empty", "", []Term{}},
		{"only spaces", "  \t ", []Term{}},
		{"one word", "invoice", []Term{{Kind: Text, Value: "invoice"}}},
		{"two words", "proj 42", []Term{{Kind: Text, Value: "proj"}, {Kind: Text, Value: "42"}}},
		{"phrase", `"weekly report"`, []Term{{Kind: Text, Value: "weekly report", Phrase: true}}},
		{"escaped quote in phrase", `"say \"hi\""`, []Term{{Kind: Text, Value: `say "hi"`, Phrase: true}}},
		{"negated word", "-spam", []Term{{Kind: Text, Value: "spam", Not: true}}},
		{"negated phrase", `-"out of office"`, []Term{{Kind: Text, Value: "out of office", Phrase: true, Not: true}}},
		{"word with hyphen", "e-mail", []Term{{Kind: Text, Value: "e-mail"}}},
		{"time is a word", "10:30", []Term{{Kind: Text, Value: "10:30"}}},
		{"from", "from:ann@example.com", []Term{{Kind: From, Value: "ann@example.com"}}},
		{"from quoted name", `from:"Ann Smith"`, []Term{{Kind: From, Value: "Ann Smith", Phrase: true}}},
		{"operator case", "FROM:ann", []Term{{Kind: From, Value: "ann"}}},
		{"to", "to:bob", []Term{{Kind: To, Value: "bob"}}},
		{"cc", "cc:carol", []Term{{Kind: Cc, Value: "carol"}}},
		{"subject", "subject:invoice", []Term{{Kind: Subject, Value: "invoice"}}},
		{"negated operator", "-from:newsletter", []Term{{Kind: From, Value: "newsletter", Not: true}}},
		{"has attachment", "has:attachment", []Term{{Kind: HasAttachment}}},
		{"is unread", "is:unread", []Term{{Kind: Unread}}},
		{"is read", "is:read", []Term{{Kind: Read}}},
		{"is flagged", "is:Flagged", []Term{{Kind: Flagged}}},
		{"not flagged", "-is:flagged", []Term{{Kind: Flagged, Not: true}}},
		{"in folder", "in:Sent", []Term{{Kind: In, Value: "Sent"}}},
		{"in quoted folder", `in:"Old mail"`, []Term{{Kind: In, Value: "Old mail"}}},
		{"account", "account:Work", []Term{{Kind: Account, Value: "Work"}}},
		{"before", "before:2026-12-01", []Term{{Kind: Before, Date: day("2026-12-01")}}},
		{"after", "after:2020-02-29", []Term{{Kind: After, Date: day("2020-02-29")}}},
		{"header", "header:List-Id:announce.example.org", []Term{{Kind: Header, Header: "List-Id", Value: "announce.example.org"}}},
		{"header with colon in value", "header:X-Note:a:b", []Term{{Kind: Header, Header: "X-Note", Value: "a:b"}}},
		{"header quoted", `header:"Subject:hello world"`, []Term{{Kind: Header, Header: "Subject", Value: "hello world"}}},
		{"header empty value", "header:X-Spam:", []Term{{Kind: Header, Header: "X-Spam"}}},
		{"larger bytes", "larger:2000", []Term{{Kind: Larger, Size: 2000}}},
		{"larger K", "larger:10K", []Term{{Kind: Larger, Size: 10 << 10}}},
		{"larger M", "larger:2m", []Term{{Kind: Larger, Size: 2 << 20}}},
		{"smaller", "smaller:1G", []Term{{Kind: Smaller, Size: 1 << 30}}},
		{"mixed", `from:ann "quarterly numbers" -is:read after:2026-01-01 budget`, []Term{
			{Kind: From, Value: "ann"},
			{Kind: Text, Value: "quarterly numbers", Phrase: true},
			{Kind: Read, Not: true},
			{Kind: After, Date: day("2026-01-01")},
			{Kind: Text, Value: "budget"},
		}},
		{"unicode", "größe café", []Term{{Kind: Text, Value: "größe"}, {Kind: Text, Value: "café"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q) = %v, want no error", tc.in, err)
			}
			if got := terms(q); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		col  string // "at character N"
		want string // part of the message
	}{
		{"unknown operator", "foo:bar", "at character 1", `unknown operator "foo:"`},
		{"unclosed quote", `hello "world`, "at character 7", "quote opened here is not closed"},
		{"lone minus", "a - b", "at character 3", `after "-"`},
		{"minus at end", "a -", "at character 3", `after "-"`},
		{"empty value", "from: ann", "at character 6", `expected a value after "from:"`},
		{"empty quoted value", `from:""`, "at character 6", "inside the quotes"},
		{"bad date", "before:yesterday", "at character 8", "expected a date such as 2026-12-01"},
		{"impossible date", "after:2026-02-30", "at character 7", "expected a date"},
		{"bad is", "is:important", "at character 4", "expected is:unread, is:read or is:flagged"},
		{"bad has", "has:pdf", "at character 5", "expected has:attachment"},
		{"bad size", "larger:big", "at character 8", "expected a size such as 500K or 2M"},
		{"negative size", "larger:-5", "at character 8", "expected a size"},
		{"huge size", "larger:99999999999999G", "at character 8", "expected a size"},
		{"header without value part", "header:List-Id", "at character 8", "expected header:NAME:VALUE"},
		{"punctuation only", "!!!", "at character 1", "expected a letter or digit"},
		{"phrase of punctuation", `"..."`, "at character 1", "expected a letter or digit"},
		{"from punctuation", "from:@", "at character 6", "expected a letter or digit"},
		{"text after closing quote", `"a"b`, "at character 4", "space after the closing quote"},
		{"position counts characters", `größe foo:x`, "at character 7", "unknown operator"},
		{"invalid UTF-8", "a\xffb", "at character 1", "not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.in)
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q) = %+v, %v, want a *SyntaxError", tc.in, q, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tc.col+": ") || !strings.Contains(msg, tc.want) {
				t.Errorf("Parse(%q) error = %q, want %q… containing %q", tc.in, msg, tc.col, tc.want)
			}
		})
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, in := range []string{
		`from:"Ann Smith" -"out of office" is:unread in:"Old mail" header:"X-A:b c" larger:10K before:2026-12-01 word`,
		`--x ab"c "a\\b" subject:"say \"hi\""`,
	} {
		q, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		back, err := Parse(q.String())
		if err != nil {
			t.Fatalf("Parse(%q) (from %q): %v", q.String(), in, err)
		}
		if !reflect.DeepEqual(terms(back), terms(q)) {
			t.Errorf("Parse(%q) = %+v, want %+v", q.String(), terms(back), terms(q))
		}
	}
}

// FuzzParse checks that no input panics, that an error is always a
// *SyntaxError inside the query, and that a parsed query reads back the
// same from its String.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "hello", `"a b"`, "-from:ann", "header:X:y", "larger:2M", "before:2026-01-01", `"unclosed`, "is:x", "-", "größe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T %v, want *SyntaxError", s, err, err)
			}
			if se.Pos < 0 || se.Pos > len(se.Query) {
				t.Fatalf("Parse(%q) error position %d outside the query", s, se.Pos)
			}
			_ = se.Error()
			return
		}
		back, err := Parse(q.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %v; it came from Parse(%q)", q.String(), err, s)
		}
		if !reflect.DeepEqual(terms(back), terms(q)) {
			t.Fatalf("Parse(%q) = %+v, want %+v (from %q)", q.String(), terms(back), terms(q), s)
		}
	})
}

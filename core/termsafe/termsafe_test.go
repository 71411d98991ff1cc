package termsafe

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, text, line string
	}{
		{"plain", "Hello, wörld", "Hello, wörld", "Hello, wörld"},
		{"newline and tab", "a\tb\nc", "a\tb\nc", "a b c"},
		{"CRLF", "a\r\nb", "a\nb", "a  b"},
		{"lone CR overwrites the line", "ok\rfake", `ok\u000dfake`, "ok fake"},
		{"clear screen", "\x1b[2J\x1b[Hlogin:", `\u001b[2J\u001b[Hlogin:`, `\u001b[2J\u001b[Hlogin:`},
		{"OSC 52 clipboard", "\x1b]52;c;cm0gLXJmIH4=\x07", `\u001b]52;c;cm0gLXJmIH4=\u0007`, `\u001b]52;c;cm0gLXJmIH4=\u0007`},
		{"DEL", "a\x7fb", `a\u007fb`, `a\u007fb`},
		{"C1 CSI", "a\u009b2Jb", `a\u009b2Jb`, `a\u009b2Jb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`, `a\u0085b`},
		{"bidi override", "gpj\u202eexe.pdf", `gpj\u202eexe.pdf`, `gpj\u202eexe.pdf`},
		{"bidi isolates and marks", "\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u202a", `\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u202a`, `\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u202a`},
		{"raw C1 byte", "a\x9bb", "a\ufffdb", "a\ufffdb"},
		{"real U+FFFD", "a\ufffdb", "a\ufffdb", "a\ufffdb"},
		{"NUL", "a\x00b", `a\u0000b`, `a\u0000b`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in); got != tc.text {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.text)
			}
			if got := Line(tc.in); got != tc.line {
				t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.line)
			}
		})
	}
}

func TestServerText(t *testing.T) {
	long := strings.Repeat("é", 600)
	got := ServerText("535 \x1b[31mno\r\n" + long)
	if !strings.HasPrefix(got, `535 \u001b[31mno  é`) || len(got) > MaxServerText+len("…") || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("ServerText(long hostile reply) = %q (%d bytes), want it escaped, valid and cut to %d bytes", got, len(got), MaxServerText)
	}
	if again := ServerText(got); again != got {
		t.Errorf("ServerText(ServerText(x)) = %q, want %q", again, got)
	}
}

// TestJSONStaysValid: the CLI passes its JSON output through Text, which
// must leave it valid and meaning the same.
func TestJSONStaysValid(t *testing.T) {
	in := map[string]string{"subject": "a\u009b\u202e\x7f\x1b\\u001b b"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(Text(string(b))), &out); err != nil || out["subject"] != in["subject"] {
		t.Errorf("json.Unmarshal(Text(%s)) = %q, %v; want %q", b, out["subject"], err, in["subject"])
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", "a\r\nb", "\x1b]52;c;x\x07", "\u009b\u202e", "\xff\xfe", "ok\rfake\n\t", strings.Repeat("\x1b", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, fn := range map[string]func(string) string{"Text": Text, "Line": Line, "ServerText": ServerText} {
			out := fn(s)
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q, not valid UTF-8", name, s, out)
			}
			for _, r := range out {
				if Unsafe(r) && (name == "Text" && r != '\n' && r != '\t' || name != "Text") {
					t.Fatalf("%s(%q) = %q, which keeps %U", name, s, out, r)
				}
			}
			if again := fn(out); again != out {
				t.Fatalf("%s is not idempotent: %q -> %q -> %q", name, s, out, again)
			}
		}
	})
}

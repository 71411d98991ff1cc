package mailbox

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// fixtures are the .eml files of the repository's testdata: CPython-style
// MIME cases and the demo's real-world messages.
func fixtures(t *testing.T) map[string][]byte {
	t.Helper()
	var files []string
	for _, pattern := range []string{"../mime/testdata/*.eml", "../../ui/gui/testdata/demo/*.eml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found %d .eml fixtures, want at least 20", len(files))
	}
	out := map[string][]byte{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = raw
	}
	return out
}

// readAll reads every message of an mbox.
func readAll(t *testing.T, mbox []byte, format MboxFormat) ([]Envelope, []string) {
	t.Helper()
	r := NewMboxReader(bytes.NewReader(mbox), format)
	var envs []Envelope
	var msgs []string
	for {
		env, body, err := r.Next()
		if errors.Is(err, io.EOF) {
			return envs, msgs
		}
		if err != nil {
			t.Fatalf("Next() after %d messages: %v", len(msgs), err)
		}
		raw, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
		msgs = append(msgs, string(raw))
	}
}

func writeAll(t *testing.T, msgs ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewMboxWriter(&buf)
	for _, m := range msgs {
		if err := w.Write(Envelope{Sender: "ann@example.test", Date: time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC)}, strings.NewReader(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMboxRoundTrip(t *testing.T) {
	long := "X-Long: " + strings.Repeat("a", 3*lineBuffer) + "\n"
	tests := []struct {
		name string
		msgs []string
		file string // what the writer must produce, when given
	}{
		{"one message", []string{"Subject: a\n\nbody\n"}, "From ann@example.test Tue Dec  1 09:05:00 2026\nSubject: a\n\nbody\n\n"},
		{"From lines quoted", []string{"Subject: a\n\nFrom here\n>From there\n>>From far\nFromage\n"},
			"From ann@example.test Tue Dec  1 09:05:00 2026\nSubject: a\n\n>From here\n>>From there\n>>>From far\nFromage\n\n"},
		{"no final line break", []string{"Subject: a\n\nno newline", "Subject: b\n\nnext\n"}, ""},
		{"empty message", []string{"", "Subject: b\n\n"}, ""},
		{"blank lines at the end", []string{"Subject: a\n\nbody\n\n\n", "Subject: b\n\n"}, ""},
		{"CRLF", []string{"Subject: a\r\n\r\nFrom x\r\nbody\r\n", "Subject: b\r\n\r\n"}, ""},
		{"first line is From", []string{"From nobody\nSubject: a\n\n"}, ""},
		{"long lines", []string{long + "\n" + long, "Subject: b\n\n" + strings.Repeat("From ", lineBuffer) + "\n"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeAll(t, tc.msgs...)
			if tc.file != "" && string(file) != tc.file {
				t.Errorf("Write() = %q, want %q", file, tc.file)
			}
			envs, got := readAll(t, file, MboxRD)
			if len(got) != len(tc.msgs) {
				t.Fatalf("read %d messages, want %d", len(got), len(tc.msgs))
			}
			for i := range got {
				if got[i] != tc.msgs[i] {
					t.Errorf("message %d = %q, want %q", i, clip(got[i]), clip(tc.msgs[i]))
				}
				if envs[i].Sender != "ann@example.test" || !envs[i].Date.Equal(time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC)) {
					t.Errorf("envelope %d = %+v", i, envs[i])
				}
			}
		})
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func TestMboxRead(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		format MboxFormat
		want   []string
		sender string
		date   time.Time
	}{
		{"mboxo leaves quoting", "From a@b Thu Jan  1 00:00:00 1970\n\n>From x\n>>From y\n\n", MboxO, []string{"\n>From x\n>>From y\n"}, "a@b", time.Unix(0, 0).UTC()},
		{"mboxrd unquotes one level", "From a@b Thu Jan  1 00:00:00 1970\n\n>From x\n>>From y\n\n", MboxRD, []string{"\nFrom x\n>From y\n"}, "a@b", time.Unix(0, 0).UTC()},
		{"two messages without separator line", "From a Sat Jan  3 01:02:03 2004\nA: 1\nFrom b Sat Jan  3 01:02:03 2004\nB: 2\n", MboxRD, []string{"A: 1", "B: 2"}, "a", time.Date(2004, 1, 3, 1, 2, 3, 0, time.UTC)},
		{"date with zone", "From a Sat Jan  3 01:02:03 +0100 2004\nA: 1\n\n", MboxRD, []string{"A: 1\n"}, "a", time.Date(2004, 1, 3, 0, 2, 3, 0, time.UTC)},
		{"unreadable date", "From a yesterday\nA: 1\n\n", MboxRD, []string{"A: 1\n"}, "a", time.Time{}},
		{"empty file", "", MboxRD, nil, "", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			envs, got := readAll(t, []byte(tc.file), tc.format)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Fatalf("messages = %q, want %q", got, tc.want)
			}
			if len(envs) > 0 && (envs[0].Sender != tc.sender || !envs[0].Date.Equal(tc.date)) {
				t.Errorf("envelope = %+v, want %s %v", envs[0], tc.sender, tc.date)
			}
		})
	}
}

func TestMboxNotMbox(t *testing.T) {
	_, _, err := NewMboxReader(strings.NewReader("Subject: hi\n\n"), MboxRD).Next()
	if !errors.Is(err, ErrNotMbox) {
		t.Errorf("Next() of an .eml = %v, want ErrNotMbox", err)
	}
}

// A message the caller does not read is skipped whole.
func TestMboxSkipUnread(t *testing.T) {
	file := writeAll(t, "A: 1\n\nFrom x\n", "B: 2\n")
	r := NewMboxReader(bytes.NewReader(file), MboxRD)
	if _, _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, body, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := io.ReadAll(body); string(raw) != "B: 2\n" {
		t.Errorf("second message = %q, want %q", raw, "B: 2\n")
	}
}

func TestMboxFixturesRoundTrip(t *testing.T) {
	fx := fixtures(t)
	var names, msgs []string
	for name, raw := range fx {
		names = append(names, name)
		msgs = append(msgs, string(raw))
	}
	_, got := readAll(t, writeAll(t, msgs...), MboxRD)
	if len(got) != len(msgs) {
		t.Fatalf("read %d messages, want %d", len(got), len(msgs))
	}
	for i := range msgs {
		if got[i] != msgs[i] {
			t.Errorf("%s differs after an mbox round trip", names[i])
		}
	}
}

func TestMaildirFixturesRoundTrip(t *testing.T) {
	root := t.TempDir()
	fx := fixtures(t)
	flags := []core.Flags{{}, {Seen: true}, {Seen: true, Flagged: true, Answered: true}, {Deleted: true}}
	want := map[string]struct {
		raw   []byte
		flags core.Flags
	}{}
	i := 0
	for _, raw := range fx {
		folder := []string{"", "Sent", "Lists/go"}[i%3]
		md, err := CreateMaildir(MaildirFolderDir(root, folder))
		if err != nil {
			t.Fatal(err)
		}
		path, err := md.Add(bytes.NewReader(raw), flags[i%len(flags)], time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		want[path] = struct {
			raw   []byte
			flags core.Flags
		}{raw, flags[i%len(flags)]}
		i++
	}
	folders, err := MaildirFolders(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range folders {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != ",Lists.go,Sent" {
		t.Errorf("MaildirFolders() names = %q, want \"\", Lists.go, Sent", names)
	}
	n := 0
	for _, f := range folders {
		msgs, err := MaildirMessages(f.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			n++
			w, ok := want[m.Path]
			if !ok {
				t.Errorf("unexpected message %s", m.Path)
				continue
			}
			raw, _ := os.ReadFile(m.Path)
			if !bytes.Equal(raw, w.raw) {
				t.Errorf("%s differs after a Maildir round trip", m.Path)
			}
			if m.Flags != w.flags || m.New {
				t.Errorf("%s: flags %+v new %v, want %+v in cur/", m.Path, m.Flags, m.New, w.flags)
			}
			if fi, _ := os.Stat(m.Path); !fi.ModTime().Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Errorf("%s: mtime %v, want the message's date", m.Path, fi.ModTime())
			}
		}
	}
	if n != len(fx) {
		t.Errorf("read %d messages back, want %d", n, len(fx))
	}
}

func TestParseMaildirFlags(t *testing.T) {
	tests := []struct {
		name string
		file string
		want core.Flags
	}{
		{"none", "1700000000.M1P2.host", core.Flags{}},
		{"empty info", "1700000000.M1P2.host:2,", core.Flags{}},
		{"all", "1700000000.M1P2.host:2,DFPRST", core.Flags{Seen: true, Flagged: true, Answered: true, Deleted: true}},
		{"Windows separator", "1700000000.M1P2.host;2,S", core.Flags{Seen: true}},
		{"bang separator", "1700000000.M1P2.host!2,F", core.Flags{Flagged: true}},
		{"experimental info", "1700000000.M1P2.host:1,S", core.Flags{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseMaildirFlags(tc.file); got != tc.want {
				t.Errorf("ParseMaildirFlags(%q) = %+v, want %+v", tc.file, got, tc.want)
			}
		})
	}
}

func TestMaildirFolders(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"new", ".Sent/cur", ".Drafts/new", ".notes", "plain/cur"} {
		os.MkdirAll(filepath.Join(root, d), 0o700)
	}
	os.WriteFile(filepath.Join(root, "new", "1.M1.h"), []byte("A: 1\n"), 0o600)
	os.WriteFile(filepath.Join(root, "new", ".hidden"), []byte("x"), 0o600)
	folders, err := MaildirFolders(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range folders {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != ",Drafts,Sent" {
		t.Errorf("MaildirFolders() = %q, want the root, Drafts and Sent", names)
	}
	msgs, _ := MaildirMessages(root)
	if len(msgs) != 1 || !msgs[0].New {
		t.Errorf("MaildirMessages(root) = %+v, want the one new message", msgs)
	}
	if _, err := MaildirFolders(filepath.Join(root, "plain", "cur")); !errors.Is(err, ErrNotMaildir) {
		t.Errorf("MaildirFolders(a plain directory) = %v, want ErrNotMaildir", err)
	}
}

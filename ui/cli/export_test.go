package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailbox"
	"github.com/tributary-mail/tributary/storage"
)

// emlFixtures are the .eml files of the repository's testdata.
func emlFixtures(t *testing.T) [][]byte {
	t.Helper()
	var files []string
	for _, p := range []string{"../../core/mime/testdata/*.eml", "../gui/testdata/demo/*.eml"} {
		m, _ := filepath.Glob(p)
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found %d .eml fixtures, want at least 20", len(files))
	}
	var out [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}

// sorted returns the messages as sorted strings, to compare sets.
func sorted(msgs [][]byte) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m)
	}
	sort.Strings(out)
	return out
}

func sameMessages(t *testing.T, what string, got, want [][]byte) {
	t.Helper()
	g, w := sorted(got), sorted(want)
	if len(g) != len(w) {
		t.Fatalf("%s: %d messages, want %d", what, len(g), len(w))
	}
	for i := range g {
		if g[i] != w[i] {
			t.Errorf("%s: a message differs from the fixture it came from (%.60q)", what, w[i])
		}
	}
}

func readMbox(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := mailbox.NewMboxReader(f, mailbox.MboxRD)
	var out [][]byte
	for {
		_, body, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(body)
		out = append(out, raw)
	}
}

func readMaildir(t *testing.T, dir string) ([][]byte, []core.Flags) {
	t.Helper()
	msgs, err := mailbox.MaildirMessages(dir)
	if err != nil {
		t.Fatal(err)
	}
	var raws [][]byte
	var flags []core.Flags
	for _, m := range msgs {
		raw, _ := os.ReadFile(m.Path)
		raws = append(raws, raw)
		flags = append(flags, m.Flags)
	}
	return raws, flags
}

// An mbox of the fixtures imports into a folder and exports back as mbox,
// Maildir and .eml, every message byte for byte.
func TestImportExportMbox(t *testing.T) {
	dir, work := t.TempDir(), t.TempDir()
	run(t, dir, passwords, addArgs...)
	fx := emlFixtures(t)
	var buf bytes.Buffer
	w := mailbox.NewMboxWriter(&buf)
	for _, raw := range fx {
		w.Write(mailbox.Envelope{Sender: "x@example.test", Date: time.Unix(1e9, 0)}, bytes.NewReader(raw))
	}
	w.Flush()
	in := filepath.Join(work, "in.mbox")
	os.WriteFile(in, buf.Bytes(), 0o600)

	code, out, errOut := run(t, dir, nil, "import", "--account", "Work", "--folder", "Old", in)
	if want := fmt.Sprintf("imported %d of %d messages into Work/Old", len(fx), len(fx)); code != 0 || !strings.Contains(out, want) {
		t.Fatalf("import mbox = %d, %q %q; want %q", code, out, errOut, want)
	}

	mbox := filepath.Join(work, "out.mbox")
	if code, out, errOut := run(t, dir, nil, "export", "--account", "Work", "--folder", "Old", "--format", "mbox", mbox); code != 0 || !strings.Contains(out, fmt.Sprintf("exported %d messages", len(fx))) {
		t.Fatalf("export mbox = %d, %q %q", code, out, errOut)
	}
	sameMessages(t, "export --format mbox", readMbox(t, mbox), fx)

	md := filepath.Join(work, "out-maildir")
	if code, out, errOut := run(t, dir, nil, "export", "--folder", "Old", "--format", "maildir", md); code != 0 {
		t.Fatalf("export maildir = %d, %q %q", code, out, errOut)
	}
	got, _ := readMaildir(t, md)
	sameMessages(t, "export --format maildir", got, fx)

	// Exporting over what exists is refused.
	if code, _, errOut := run(t, dir, nil, "export", "--folder", "Old", "--format", "mbox", mbox); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("export onto an existing file = %d, %q; want 1 and exists", code, errOut)
	}

	_, list, _ := run(t, dir, nil, "inbox", "--folder", "Old", "--limit", "1", "--json")
	var id int64
	fmt.Sscanf(list[strings.Index(list, `"id":`)+5:], "%d", &id)
	eml := filepath.Join(work, "one.eml")
	if code, out, errOut := run(t, dir, nil, "export", "--format", "eml", fmt.Sprint(id), eml); code != 0 || !strings.Contains(out, "exported message") {
		t.Fatalf("export eml = %d, %q %q", code, out, errOut)
	}
	_, shown, _ := run(t, dir, nil, "show", "--raw", fmt.Sprint(id))
	if raw, _ := os.ReadFile(eml); string(raw) != shown || len(raw) == 0 {
		t.Error("export --format eml differs from show --raw")
	}
}

// A Maildir++ tree imports into folders of its names with its flags, and
// an account exports back into the same tree.
func TestImportExportMaildir(t *testing.T) {
	dir, work := t.TempDir(), t.TempDir()
	run(t, dir, passwords, addArgs...)
	fx := emlFixtures(t)
	root := filepath.Join(work, "Maildir")
	want := map[string][][]byte{}
	flagsOf := map[string]core.Flags{}
	for i, raw := range fx {
		folder := []string{"", "Sent", "Archive"}[i%3]
		md, err := mailbox.CreateMaildir(mailbox.MaildirFolderDir(root, folder))
		if err != nil {
			t.Fatal(err)
		}
		f := core.Flags{Seen: i%2 == 0, Flagged: i%4 == 1}
		md.Add(bytes.NewReader(raw), f, time.Unix(1e9, 0))
		want[folder] = append(want[folder], raw)
		flagsOf[string(raw)] = f
	}
	code, out, errOut := run(t, dir, nil, "import", "--account", "Work", root)
	if wantOut := fmt.Sprintf("imported %d of %d messages into Work/Archive, Inbox, Sent", len(fx), len(fx)); code != 0 || !strings.Contains(out, wantOut) {
		t.Fatalf("import Maildir = %d, %q %q; want %q", code, out, errOut, wantOut)
	}
	dest := filepath.Join(work, "export")
	if code, out, errOut := run(t, dir, nil, "export", "--account", "Work", "--format", "maildir", dest); code != 0 || !strings.Contains(out, fmt.Sprintf("exported %d messages", len(fx))) {
		t.Fatalf("export account = %d, %q %q", code, out, errOut)
	}
	for folder, msgs := range want {
		got, flags := readMaildir(t, mailbox.MaildirFolderDir(filepath.Join(dest, "Work"), folder))
		sameMessages(t, "folder "+folder, got, msgs)
		for i := range got {
			if flags[i] != flagsOf[string(got[i])] {
				t.Errorf("folder %q: flags %+v, want %+v", folder, flags[i], flagsOf[string(got[i])])
			}
		}
	}
	// Everything as mbox: a file per folder.
	all := filepath.Join(work, "all")
	if code, out, errOut := run(t, dir, nil, "export", "--format", "mbox", all); code != 0 {
		t.Fatalf("export everything = %d, %q %q", code, out, errOut)
	}
	sameMessages(t, "Sent.mbox", readMbox(t, filepath.Join(all, "Work", "Sent.mbox")), want["Sent"])
	sameMessages(t, "Inbox.mbox", readMbox(t, filepath.Join(all, "Work", "Inbox.mbox")), want[""])
}

func TestExportUsage(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, passwords, addArgs...)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no format", []string{"export", "x"}, "usage: tributary export"},
		{"unknown format", []string{"export", "--format", "pst", "x"}, "usage: tributary export"},
		{"eml without ID", []string{"export", "--format", "eml", "x"}, "usage: tributary export"},
		{"no such folder", []string{"export", "--folder", "Nope", "--format", "mbox", filepath.Join(dir, "x")}, `no folder named "Nope"`},
		{"no such message", []string{"export", "--format", "eml", "999", filepath.Join(dir, "x")}, "no message 999"},
		{"bad mbox flavour", []string{"import", "--account", "Work", "--mbox", "cl", "x"}, "use rd or o"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, dir, nil, tc.args...)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("%v = %d, %q; want 1 and %q", tc.args, code, errOut, tc.want)
			}
		})
	}
}

// An mboxo file from another client: flags from Status and X-Status,
// >From lines kept with --mbox o and unquoted by default.
func TestImportMboxFlavours(t *testing.T) {
	file := "From a@example.test Thu Jan  1 00:00:00 1970\nSubject: one\nStatus: RO\nX-Status: F\n\n>From the start\n\n" +
		"From b@example.test Thu Jan  1 00:00:00 1970\nSubject: two\nStatus: O\nX-Status: D\n\nbody\n\n"
	tests := []struct {
		flavour []string
		body    string
	}{
		{nil, "From the start"},
		{[]string{"--mbox", "o"}, ">From the start"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.flavour), func(t *testing.T) {
			dir := t.TempDir()
			run(t, dir, passwords, addArgs...)
			in := filepath.Join(t.TempDir(), "mail")
			os.WriteFile(in, []byte(file), 0o600)
			if code, out, errOut := run(t, dir, nil, append(append([]string{"import", "--account", "Work"}, tc.flavour...), in)...); code != 0 || !strings.Contains(out, "imported 2 of 2") {
				t.Fatalf("import = %d, %q %q", code, out, errOut)
			}
			_, out, _ := run(t, dir, nil, "inbox", "--json")
			var list []messageJSON
			if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 2 {
				t.Fatalf("inbox = %q, want both messages (one marked deleted elsewhere is still shown)", out)
			}
			for _, m := range list {
				if m.Subject == "one" {
					_, raw, _ := run(t, dir, nil, "show", "--raw", fmt.Sprint(m.ID))
					if !strings.Contains(raw, "\n\n"+tc.body+"\n") || strings.Contains(raw, "\n\n>"+tc.body+"\n") {
						t.Errorf("body = %q, want %q", raw, tc.body)
					}
				}
			}
			db, err := storage.Open(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, m := range list {
				sum, _, err := db.Message(context.Background(), m.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := core.Flags{}
				if m.Subject == "one" {
					want = core.Flags{Seen: true, Flagged: true}
				}
				if sum.Flags != want {
					t.Errorf("message %q flags = %+v, want %+v", m.Subject, sum.Flags, want)
				}
			}
		})
	}
}

package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
)

const googleCards = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Doe\r\nN:Doe;Ann;;;\r\nEMAIL;TYPE=INTERNET;TYPE=HOME:ann@example.com\r\nTEL;TYPE=CELL:+1 555-0100\r\nNOTE:Likes tea\\, not coffee\r\nEND:VCARD\r\n" +
	"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\r\nEMAIL:bob@example.com\r\nEMAIL:broken\r\nEND:VCARD\r\n"

func TestContactsImportListExport(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(t.TempDir(), "google.vcf")
	if err := os.WriteFile(in, []byte(googleCards), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, dir, nil, "contacts", "import", in)
	if code != 0 || !strings.Contains(out, "imported 2 contacts") || !strings.Contains(errOut, `address "broken" left out`) {
		t.Fatalf("contacts import = %d, %q, %q; want 2 imported and the broken address reported", code, out, errOut)
	}
	// Importing again merges: nothing new.
	if code, out, _ := run(t, dir, nil, "contacts", "import", in); code != 0 || !strings.Contains(out, "0 new, 2 merged") {
		t.Errorf("second contacts import = %d, %q; want 0 new, 2 merged", code, out)
	}
	code, out, errOut = run(t, dir, nil, "contacts", "list", "--json")
	var list []contactJSON
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil {
		t.Fatalf("contacts list --json = %d, %q, %q", code, out, errOut)
	}
	if len(list) != 2 || list[0].Name != "Ann Doe" || list[0].Notes != "Likes tea, not coffee" || list[0].Phones[0] != "+1 555-0100" || list[0].Collected || list[1].Emails[0] != "bob@example.com" {
		t.Errorf("contacts list --json = %+v", list)
	}
	if code, out, _ := run(t, dir, nil, "contacts", "list"); code != 0 || !strings.Contains(out, "Ann Doe") || !strings.Contains(out, "ADDRESSES") {
		t.Errorf("contacts list = %d, %q", code, out)
	}
	exported := filepath.Join(t.TempDir(), "out.vcf")
	if code, out, errOut := run(t, dir, nil, "contacts", "export", exported); code != 0 || !strings.Contains(out, "exported 2 contacts") {
		t.Fatalf("contacts export = %d, %q, %q", code, out, errOut)
	}
	data, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(data); !strings.Contains(s, "VERSION:4.0\r\n") || !strings.Contains(s, "FN:Ann Doe\r\n") || !strings.Contains(s, `NOTE:Likes tea\, not coffee`) {
		t.Errorf("exported file =\n%s", s)
	}
	// The export imports into another data directory as the same book.
	other := t.TempDir()
	if code, out, _ := run(t, other, nil, "contacts", "import", exported); code != 0 || !strings.Contains(out, "2 new") {
		t.Errorf("import of the export = %d, %q", code, out)
	}
	for _, args := range [][]string{{"contacts"}, {"contacts", "import"}, {"contacts", "list", "extra"}, {"contacts", "remove", "x"}} {
		if code, _, errOut := run(t, dir, nil, args...); code != 1 || !strings.Contains(errOut, "usage: tributary contacts") {
			t.Errorf("%v = %d, %q; want the usage", args, code, errOut)
		}
	}
	if code, _, errOut := run(t, dir, nil, "contacts", "import", filepath.Join(dir, "missing.vcf")); code != 1 || !strings.Contains(errOut, "import contacts") {
		t.Errorf("import of a missing file = %d, %q", code, errOut)
	}
}

// While the app runs, an import goes through its engine.
func TestContactsImportThroughTheRunningEngine(t *testing.T) {
	dir := t.TempDir()
	unlock, err := storage.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	db, err := storage.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := engine.New(db, engine.Options{DataDir: dir})
	sub := e.Subscribe()
	defer sub.Close()
	srv, err := control.Listen(dir, &control.Local{Engine: e, Store: db, Running: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	in := filepath.Join(t.TempDir(), "google.vcf")
	if err := os.WriteFile(in, []byte(googleCards), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, dir, nil, "contacts", "import", in); code != 0 || !strings.Contains(out, "2 new") {
		t.Fatalf("contacts import while the app runs = %d, %q, %q", code, out, errOut)
	}
	if ev := <-sub.C(); ev.Kind != engine.EventContacts {
		t.Errorf("the running engine published %v, want EventContacts", ev.Kind)
	}
}

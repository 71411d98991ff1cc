package control

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core/engine"
)

// An import stores its messages a batch at a time and announces every
// new one, once; the same file again finds nothing new.
func TestImportAnnouncesEveryNewMessageOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	l := &Local{Engine: f.e, Store: f.db, Running: true}
	const n = importBatch + 10 // more than one batch
	var mbox strings.Builder
	for i := range n {
		fmt.Fprintf(&mbox, "From a@example.test Mon Nov 30 10:00:00 2026\nFrom: a@example.test\nSubject: imported %d\nMessage-ID: <imp%d@example.test>\n\nbody %d\n\n", i, i, i)
	}
	path := filepath.Join(t.TempDir(), "mail.mbox")
	if err := os.WriteFile(path, []byte(mbox.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := f.e.Subscribe()
	defer sub.Close()
	rep, err := l.Import(ctx, ImportRequest{Account: f.a.Name, Folder: "Imported", Paths: []string{path}})
	if err != nil || rep.Seen != n || rep.Imported != n {
		t.Fatalf("Import = %+v, %v; want %d read and new", rep, err, n)
	}
	var announced []int64
	for len(announced) < n {
		select {
		case ev := <-sub.C():
			if ev.Kind == engine.EventNewMail {
				announced = append(announced, ev.MessageIDs...)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("heard of %d new messages, want %d", len(announced), n)
		}
	}
	slices.Sort(announced)
	if distinct := len(slices.Compact(announced)); distinct != n {
		t.Errorf("announced %d distinct messages, want %d", distinct, n)
	}
	again, err := l.Import(ctx, ImportRequest{Account: f.a.Name, Folder: "Imported", Paths: []string{path}})
	if err != nil || again.Seen != n || again.Imported != 0 {
		t.Errorf("the same mbox again = %+v, %v; want %d read, none new", again, err, n)
	}
}

package storage

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

// stageAll stages each raw message from memory.
func stageAll(t *testing.T, db *DB, raws ...string) []core.Staged {
	t.Helper()
	out := make([]core.Staged, len(raws))
	for i, r := range raws {
		s, err := db.StageBytes(context.Background(), []byte(r))
		if err != nil {
			t.Fatalf("StageBytes(%d) = %v", i, err)
		}
		out[i] = s
	}
	return out
}

func TestStoreBatch(t *testing.T) {
	const date = "Mon, 02 Jan 2006 15:04:05 +0000"
	one := rawMessage("one@x", "One", date, "first body")
	two := rawMessage("two@x", "Two", date, "second body")
	tests := []struct {
		name    string
		raws    []string
		badLast bool // the last message goes to a folder that does not exist
		wantNew []bool
		wantErr bool
	}{
		{name: "all new", raws: []string{one, two}, wantNew: []bool{true, true}},
		{name: "same message twice in one batch", raws: []string{one, one}, wantNew: []bool{true, false}},
		{name: "a failure stores nothing", raws: []string{one, two}, badLast: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			ctx := context.Background()
			a := addAccount(t, db, "Work")
			folder := inbox(t, db, a)
			staged := stageAll(t, db, tt.raws...)
			batch := make([]core.Pending, len(staged))
			for i, s := range staged {
				d := core.Delivery{AccountID: a.ID, FolderID: folder, POP3: &core.POP3Ref{SourceID: a.Sources[0].ID, UIDL: string(rune('a' + i))}}
				if tt.badLast && i == len(staged)-1 {
					d.FolderID = 9999
				}
				batch[i] = core.Pending{Delivery: d, Staged: s}
			}
			res, err := db.StoreBatch(ctx, batch)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("StoreBatch = %v, nil; want an error", res)
				}
				if n, _ := db.Count(ctx, ListQuery{}); n != 0 {
					t.Errorf("after a failed batch the inbox holds %d messages, want 0", n)
				}
				if uidls, _ := db.POP3Retrieved(ctx, a.Sources[0].ID); len(uidls) != 0 {
					t.Errorf("after a failed batch POP3Retrieved = %v, want none", uidls)
				}
			} else {
				if err != nil {
					t.Fatalf("StoreBatch = %v", err)
				}
				for i, r := range res {
					if r.IsNew != tt.wantNew[i] {
						t.Errorf("StoreBatch result %d new = %v, want %v", i, r.IsNew, tt.wantNew[i])
					}
					_, blob, err := db.Message(ctx, r.ID)
					if err != nil {
						t.Fatalf("Message(%d) = %v", r.ID, err)
					}
					f, err := db.OpenBlob(blob)
					if err != nil {
						t.Fatalf("OpenBlob = %v", err)
					}
					got, _ := io.ReadAll(f)
					f.Close()
					if string(got) != tt.raws[i] {
						t.Errorf("stored bytes of message %d = %q, want %q", i, got, tt.raws[i])
					}
				}
			}
			left, _ := filepath.Glob(filepath.Join(db.blobs, "incoming-*.tmp"))
			if len(left) != 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
		})
	}
}

func TestStageBytesMatchesStage(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	raw := rawMessage("m@x", "Subject here", "Mon, 02 Jan 2006 15:04:05 +0000", "the body")
	a, err := db.StageBytes(ctx, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Discard()
	f, err := os.CreateTemp(t.TempDir(), "raw")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(raw)
	f.Seek(0, 0)
	b, err := db.Stage(ctx, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Discard()
	sa, sb := a.(*Staged), b.(*Staged)
	if sa.blob.Blob != sb.blob.Blob {
		t.Errorf("StageBytes blob = %+v, Stage blob = %+v; want the same", sa.blob.Blob, sb.blob.Blob)
	}
	if sa.parsed.Subject != sb.parsed.Subject || sa.parsed.Text != sb.parsed.Text || sa.parsed.MessageID != sb.parsed.MessageID {
		t.Errorf("StageBytes parsed %+v, Stage parsed %+v; want the same", sa.parsed, sb.parsed)
	}
}

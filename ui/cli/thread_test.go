package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// conversationFiles writes a conversation of three messages and an
// unrelated one as .eml files, the reply first.
func conversationFiles(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	msgs := []struct{ id, from, subject, date, refs string }{
		{"c@x", "Ann <ann@example.test>", "Re: Plan", "Mon, 06 Apr 2026 12:00:00 +0000", "<a@x> <b@x>"},
		{"a@x", "Ann <ann@example.test>", "Plan", "Mon, 06 Apr 2026 10:00:00 +0000", ""},
		{"b@x", "Bob <bob@example.test>", "Re: Plan", "Mon, 06 Apr 2026 11:00:00 +0000", "<a@x>"},
		{"o@x", "Carol <carol@example.test>", "Lunch", "Mon, 06 Apr 2026 09:00:00 +0000", ""},
	}
	var files []string
	for i, m := range msgs {
		raw := fmt.Sprintf("From: %s\r\nTo: me@example.test\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n", m.from, m.subject, m.date, m.id)
		if m.refs != "" {
			raw += "References: " + m.refs + "\r\n"
		}
		path := filepath.Join(dir, fmt.Sprintf("%d.eml", i))
		if err := os.WriteFile(path, []byte(raw+"\r\nhello\r\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	return files
}

func TestThreadAndInboxThreads(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, passwords, addArgs...)
	if code, out, errOut := run(t, dir, nil, append([]string{"import", "--account", "Work"}, conversationFiles(t)...)...); code != 0 {
		t.Fatalf("import = %d, %q %q", code, out, errOut)
	}
	_, out, _ := run(t, dir, nil, "search", `subject:plan`, "--json")
	var found []messageJSON
	if err := json.Unmarshal([]byte(out), &found); err != nil || len(found) != 3 {
		t.Fatalf("search = %q, %v; want the three messages of the plan", out, err)
	}
	code, out, errOut := run(t, dir, nil, "thread", fmt.Sprint(found[0].ID), "--json")
	var thread []threadedJSON
	if err := json.Unmarshal([]byte(out), &thread); code != 0 || err != nil {
		t.Fatalf("thread --json = %d, %q, %q (%v)", code, out, errOut, err)
	}
	var subjects []string
	for _, m := range thread {
		subjects = append(subjects, m.From)
		if m.ThreadID != thread[0].ThreadID || m.ThreadID == 0 {
			t.Errorf("thread --json: message %d has thread %d, want %d", m.ID, m.ThreadID, thread[0].ThreadID)
		}
	}
	if want := []string{"Ann <ann@example.test>", "Bob <bob@example.test>", "Ann <ann@example.test>"}; !slices.Equal(subjects, want) {
		t.Errorf("thread --json senders = %v, want %v (oldest first)", subjects, want)
	}
	// The same fields as inbox --json, plus thread_id.
	var raw []map[string]any
	json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"id", "account", "folder", "from", "subject", "date", "seen", "attachments", "thread_id"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("thread --json lacks %q: %v", k, raw[0])
		}
	}
	if _, out, _ := run(t, dir, nil, "thread", fmt.Sprint(found[0].ID)); strings.Count(out, "Plan") != 3 {
		t.Errorf("thread = %q, want a table of the three messages", out)
	}

	code, out, errOut = run(t, dir, nil, "inbox", "--threads", "--json")
	var threads []threadJSON
	if err := json.Unmarshal([]byte(out), &threads); code != 0 || err != nil || len(threads) != 2 {
		t.Fatalf("inbox --threads --json = %d, %q, %q (%v); want two conversations", code, out, errOut, err)
	}
	plan := threads[0]
	if plan.ThreadID != thread[0].ThreadID || plan.Count != 3 || plan.Unread != 3 || plan.Subject != "Plan" ||
		!slices.Equal(plan.Participants, []string{"Ann", "Bob"}) || plan.Date != "2026-04-06T12:00:00Z" || plan.Account != "Work" {
		t.Errorf("inbox --threads --json first = %+v, want the plan: 3 messages, 3 unread, Ann and Bob, newest 12:00", plan)
	}
	if threads[1].Subject != "Lunch" || threads[1].Count != 1 {
		t.Errorf("inbox --threads --json second = %+v, want Lunch alone", threads[1])
	}
	if _, out, _ := run(t, dir, nil, "inbox", "--threads"); !strings.Contains(out, "3 (3 new)") || !strings.Contains(out, "Ann, Bob") {
		t.Errorf("inbox --threads = %q, want the plan's row with its count and participants", out)
	}
	for _, args := range [][]string{{"thread"}, {"thread", "x"}, {"thread", "999"}} {
		if code, _, errOut := run(t, dir, nil, args...); code != 1 || errOut == "" {
			t.Errorf("%v = %d, %q; want 1 and a message", args, code, errOut)
		}
	}
}

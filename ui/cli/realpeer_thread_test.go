package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRealConversationAcrossInboxAndSent: five messages of one
// conversation, three received in Dovecot's INBOX and two replies filed in
// its Sent, come in through an IMAP sync as one thread, oldest first.
func TestRealConversationAcrossInboxAndSent(t *testing.T) {
	needServers(t)
	user, pass := envUser(t, 12, "judy@example.test")
	token := strconv.FormatInt(time.Now().UnixNano(), 10)
	c := dovecot(t, user, pass)
	defer c.Close()
	// Sent may be there already from another run; a second CREATE fails.
	c.Create("Sent", nil).Wait()
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	var ids []string
	for i := range 5 {
		id := fmt.Sprintf("conv%d.%s@example.test", i, token)
		from, to, mailbox := "Ann <ann@example.test>", user, "INBOX"
		if i%2 == 1 {
			from, to, mailbox = user, "ann@example.test", "Sent"
		}
		subject := "Conversation " + token
		raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n", from, to, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), id)
		if i > 0 {
			subject = "Re: " + subject
			raw += "In-Reply-To: <" + ids[i-1] + ">\r\nReferences: <" + strings.Join(ids, "> <") + ">\r\n"
		}
		raw += "Subject: " + subject + "\r\n\r\nmessage " + strconv.Itoa(i) + "\r\n"
		ids = append(ids, id)
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("APPEND to %s: %v", mailbox, err)
		}
	}

	dir := t.TempDir()
	addAccount(t, dir, "frank", user, pass, servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl")
	mustRun(t, dir, nil, "sync", "--once")
	var found []messageJSON
	if err := json.Unmarshal([]byte(mustRun(t, dir, nil, "search", token, "--json")), &found); err != nil || len(found) != 5 {
		t.Fatalf("search %s = %+v, %v; want the 5 messages", token, found, err)
	}
	out := mustRun(t, dir, nil, "thread", strconv.FormatInt(found[0].ID, 10), "--json")
	var thread []threadedJSON
	if err := json.Unmarshal([]byte(out), &thread); err != nil {
		t.Fatalf("thread --json = %q: %v", out, err)
	}
	var folders, subjects []string
	for _, m := range thread {
		folders = append(folders, m.Folder)
		subjects = append(subjects, m.Subject)
		if m.ThreadID != thread[0].ThreadID {
			t.Errorf("message %d is in thread %d, want %d", m.ID, m.ThreadID, thread[0].ThreadID)
		}
	}
	if len(thread) != 5 || subjects[0] != "Conversation "+token || !slices.Equal(folders, []string{"Inbox", "Sent", "Inbox", "Sent", "Inbox"}) {
		t.Errorf("thread --json = folders %v, subjects %v; want 5 messages, oldest first, Inbox and Sent alternating", folders, subjects)
	}
	var threads []threadJSON
	if err := json.Unmarshal([]byte(mustRun(t, dir, nil, "inbox", "--threads", "--json")), &threads); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(threads, func(th threadJSON) bool { return th.ThreadID == thread[0].ThreadID })
	if i < 0 || threads[i].Count != 5 || threads[i].Subject != "Conversation "+token {
		t.Errorf("inbox --threads --json = %+v, want the conversation of 5", threads)
	}
}

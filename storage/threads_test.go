package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// threadMsg is a raw message of a conversation.
func threadMsg(id, subject string, at time.Duration, inReplyTo string, refs ...string) string {
	h := fmt.Sprintf("From: Ann <ann@example.test>\r\nTo: bob@example.test\r\nCc: Carol <carol@example.test>\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n",
		subject, time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC).Add(at).Format(time.RFC1123Z), id)
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + ">\r\n"
	}
	if len(refs) > 0 {
		h += "References: <" + strings.Join(refs, "> <") + ">\r\n"
	}
	return h + "\r\nbody of " + id + "\r\n"
}

type threadCase struct {
	name    string
	account int // 0 Work, 1 Home
	sent    bool
	raw     string
}

// deliverAll stores the messages and returns their IDs by name.
func deliverAll(t *testing.T, db *DB, msgs []threadCase) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	accounts := []*core.Account{addAccount(t, db, "Work"), addAccount(t, db, "Home")}
	ids := map[string]int64{}
	for _, m := range msgs {
		a := accounts[m.account]
		folder := inbox(t, db, a)
		if m.sent {
			var err error
			if folder, err = db.EnsureFolder(ctx, a.ID, "Sent", core.RoleSent); err != nil {
				t.Fatal(err)
			}
		}
		id, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: folder}, strings.NewReader(m.raw))
		if err != nil {
			t.Fatal(err)
		}
		ids[m.name] = id
	}
	return ids
}

// partition is the store's threads as sets of message names.
func partition(t *testing.T, db *DB, ids map[string]int64) []string {
	t.Helper()
	byThread := map[int64][]string{}
	for name, id := range ids {
		m, _, err := db.Message(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if m.ThreadID <= 0 {
			t.Errorf("message %s has thread %d", name, m.ThreadID)
		}
		byThread[m.ThreadID] = append(byThread[m.ThreadID], name)
	}
	var out []string
	for _, names := range byThread {
		slices.Sort(names)
		out = append(out, strings.Join(names, "+"))
	}
	slices.Sort(out)
	return out
}

// conversations: each case's messages in arrival order, and the threads
// the store must make of them.
var conversations = []struct {
	name string
	msgs []threadCase
	want []string
}{
	{"a conversation across Inbox and Sent", []threadCase{
		{"a", 0, false, threadMsg("a@x", "Plan", 0, "")},
		{"b", 0, true, threadMsg("b@x", "Re: Plan", time.Hour, "a@x", "a@x")},
		{"c", 0, false, threadMsg("c@x", "Re: Plan", 2*time.Hour, "b@x", "a@x", "b@x")},
		{"other", 0, false, threadMsg("o@x", "Lunch", 3*time.Hour, "")},
	}, []string{"a+b+c", "other"}},
	{"the reply arrives before the original", []threadCase{
		{"c", 0, false, threadMsg("c@x", "Re: Plan", 2*time.Hour, "b@x", "a@x", "b@x")},
		{"a", 0, false, threadMsg("a@x", "Plan", 0, "")},
	}, []string{"a+c"}},
	{"a missing parent arriving joins two threads", []threadCase{
		{"b", 0, false, threadMsg("b@x", "Re: Plan", time.Hour, "a@x")},
		{"x", 0, false, threadMsg("x@x", "Re: Plan", 2*time.Hour, "p@x")},
		{"p", 0, false, threadMsg("p@x", "Re: Plan", 90*time.Minute, "a@x", "a@x")},
	}, []string{"b+p+x"}},
	{"siblings of a missing parent", []threadCase{
		{"b", 0, false, threadMsg("b@x", "Re: Plan", time.Hour, "a@x")},
		{"c", 1, false, threadMsg("c@x", "Re: Plan", 2*time.Hour, "a@x")},
	}, []string{"b+c"}},
	{"replies across accounts", []threadCase{
		{"q", 0, false, threadMsg("q@x", "Question", 0, "")},
		{"r-sent", 1, true, threadMsg("r@x", "Re: Question", time.Hour, "q@x")},
		{"r-copy", 0, false, threadMsg("r@x", "Re: Question", time.Hour, "q@x")},
		{"s", 1, false, threadMsg("s@x", "Re: Question", 2*time.Hour, "r@x", "q@x", "r@x")},
	}, []string{"q+r-copy+r-sent+s"}},
	{"loop in References", []threadCase{
		{"a", 0, false, threadMsg("a@x", "x", 0, "b@x")},
		{"b", 0, false, threadMsg("b@x", "x", time.Hour, "a@x")},
		{"c", 0, false, threadMsg("c@x", "x", 2*time.Hour, "c@x", "c@x")},
	}, []string{"a+b", "c"}},
	{"subject-only fallback", []threadCase{
		{"hello", 0, false, threadMsg("h@x", "Hello", 0, "")},
		{"re", 1, false, threadMsg("r@x", "RE:  hello", time.Hour, "")},
		{"invoice1", 0, false, threadMsg("i1@x", "Invoice", 0, "")},
		{"invoice2", 0, false, threadMsg("i2@x", "Invoice", time.Hour, "")},
		{"re-with-refs", 0, false, threadMsg("z@x", "Re: Hello", time.Hour, "elsewhere@x")},
	}, []string{"hello+re", "invoice1", "invoice2", "re-with-refs"}},
	{"a reply without headers joins both same-subject originals", []threadCase{
		{"a", 0, false, threadMsg("a@x", "Hello", 0, "")},
		{"b", 0, false, threadMsg("b@x", "Hello", time.Hour, "")},
		{"re", 0, false, threadMsg("r@x", "Re: Hello", 2*time.Hour, "")},
	}, []string{"a+b+re"}},
}

func TestThreadsOnInsert(t *testing.T) {
	for _, tc := range conversations {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			ids := deliverAll(t, db, tc.msgs)
			if got := partition(t, db, ids); !slices.Equal(got, tc.want) {
				t.Errorf("threads after delivery = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestBackfillThreadsAnOldStore: a store whose messages were stored before
// threading (thread 0, no thread headers) is threaded from the raw files
// when it opens, the same as delivery threads them.
func TestBackfillThreadsAnOldStore(t *testing.T) {
	ctx := context.Background()
	for _, tc := range conversations {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := Open(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			ids := deliverAll(t, db, tc.msgs)
			for _, q := range []string{
				`UPDATE messages SET thread_id = 0, in_reply_to = '', refs = '', cc_addrs = '', subject_key = '', subject_reply = 0`,
				`DELETE FROM message_refs`,
			} {
				if _, err := db.w.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()
			if db, err = Open(ctx, dir); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := partition(t, db, ids); !slices.Equal(got, tc.want) {
				t.Errorf("threads after the backfill = %v, want %v", got, tc.want)
			}
			if n, err := db.Count(ctx, ListQuery{Search: "cc:carol@example.test"}); err != nil || n != len(ids) {
				t.Errorf("cc: search after the backfill = %d, %v, want %d", n, err, len(ids))
			}
		})
	}
}

func TestThreadAndThreads(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ids := deliverAll(t, db, conversations[0].msgs)
	list, err := db.Thread(ctx, ids["c"])
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, m := range list {
		got = append(got, m.ID)
	}
	if want := []int64{ids["a"], ids["b"], ids["c"]}; !slices.Equal(got, want) {
		t.Errorf("Thread(c) = %v, want %v (oldest first, Sent included)", got, want)
	}
	if _, err := db.Thread(ctx, 9999); err == nil {
		t.Error("Thread(9999) = nil error, want not found")
	}
	if err := db.SetFlags(ctx, core.FlagChange{ID: ids["a"], Flags: core.Flags{Seen: true}}); err != nil {
		t.Fatal(err)
	}
	threads, err := db.Threads(ctx, ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(threads) != 2 {
		t.Fatalf("Threads = %+v, want 2", threads)
	}
	other, plan := threads[0], threads[1]
	if other.Count != 1 || other.Subject != "Lunch" {
		t.Errorf("newest thread = %+v, want Lunch alone", other)
	}
	if plan.ID != ids["a"] || plan.Count != 3 || plan.Unread != 2 || plan.Subject != "Plan" || plan.Latest != ids["c"] ||
		plan.Account != "Work" || !slices.Equal(plan.Participants, []string{"Ann"}) {
		t.Errorf("Plan thread = %+v, want 3 messages, 2 unread, subject Plan, latest c", plan)
	}
	if n, err := db.Count(ctx, ListQuery{Search: "header:References:a@x"}); err != nil || n != 2 {
		t.Errorf("header:References:a@x = %d, %v, want 2", n, err)
	}
	if n, err := db.Count(ctx, ListQuery{Search: "header:In-Reply-To:<b@x>"}); err != nil || n != 1 {
		t.Errorf("header:In-Reply-To:<b@x> = %d, %v, want 1", n, err)
	}
}

func TestThreadPages(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ids := deliverAll(t, db, conversations[0].msgs)
	if n, err := db.CountThreads(ctx, ListQuery{}); err != nil || n != 2 {
		t.Fatalf("CountThreads(inbox) = %d, %v, want 2", n, err)
	}
	plan := ids["a"]
	var lunch int64
	if err := db.sql.QueryRowContext(ctx, `SELECT thread_id FROM messages WHERE subject = 'Lunch'`).Scan(&lunch); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		limit, offset int
		want          []int64 // thread IDs, newest activity first
	}{
		{"whole list", 10, 0, []int64{lunch, plan}},
		{"first page of one", 1, 0, []int64{lunch}},
		{"second page of one", 1, 1, []int64{plan}},
		{"past the end", 1, 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := db.ThreadRows(ctx, ListQuery{Limit: tc.limit, Offset: tc.offset})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, r := range rows {
				got = append(got, r.ID)
				if r.Newest.ID != r.Latest || r.Newest.ThreadID != r.ID {
					t.Errorf("thread %d: Newest = message %d of thread %d, want the latest, %d", r.ID, r.Newest.ID, r.Newest.ThreadID, r.Latest)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ThreadRows(limit %d, offset %d) = %v, want %v", tc.limit, tc.offset, got, tc.want)
			}
		})
	}
}

// Threading by subject reads the covering index, one thread at a time,
// not every message.
func TestSubjectThreadsUsesTheIndex(t *testing.T) {
	db := openTest(t)
	plan := queryPlan(t, db, subjectQuery, "plans", true, 0)
	if !slices.ContainsFunc(plan, func(d string) bool { return strings.Contains(d, "USING COVERING INDEX messages_subject_thread") }) {
		t.Errorf("plan of the subject lookup = %q, want it to use messages_subject_thread alone", plan)
	}
}

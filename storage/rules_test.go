package storage

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/query"
	"github.com/tributary-mail/tributary/core/rules"
)

func mustRule(t *testing.T, name, match string, actions ...string) rules.Rule {
	t.Helper()
	r := rules.Rule{Name: name, Match: match}
	for _, s := range actions {
		a, err := rules.ParseAction(s)
		if err != nil {
			t.Fatal(err)
		}
		r.Actions = append(r.Actions, a)
	}
	return r
}

func saveRules(t *testing.T, db *DB, rs ...rules.Rule) {
	t.Helper()
	for _, r := range rs {
		if _, err := db.SaveRule(context.Background(), r); err != nil {
			t.Fatalf("SaveRule(%s) = %v", r.Name, err)
		}
	}
}

func ruleNames(t *testing.T, db *DB) []string {
	t.Helper()
	rs, err := db.Rules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func TestRulesCRUD(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	saveRules(t, db, mustRule(t, "a", "from:ann", "read"), mustRule(t, "b", "subject:x", "flag"), mustRule(t, "c", "larger:1M", "move=Big"))
	if got, want := ruleNames(t, db), []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Rules() = %v, want %v", got, want)
	}
	if _, err := db.SaveRule(ctx, mustRule(t, "A", "x", "read")); !errors.Is(err, ErrDuplicateRule) {
		t.Errorf("SaveRule(duplicate name) = %v, want ErrDuplicateRule", err)
	}
	if err := db.MoveRule(ctx, "c", -1); err != nil {
		t.Fatal(err)
	}
	if got, want := ruleNames(t, db), []string{"a", "c", "b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after MoveRule(c, -1) Rules() = %v, want %v", got, want)
	}
	if err := db.MoveRule(ctx, "a", -5); err != nil { // already first
		t.Fatal(err)
	}
	if err := db.MoveRule(ctx, "a", 5); err != nil {
		t.Fatal(err)
	}
	if got, want := ruleNames(t, db), []string{"c", "b", "a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after MoveRule(a, 5) Rules() = %v, want %v", got, want)
	}
	b, err := db.Rule(ctx, "B")
	if err != nil {
		t.Fatal(err)
	}
	b.Match = "subject:y"
	if b, err = db.SaveRule(ctx, b); err != nil || b.Position != 1 {
		t.Fatalf("SaveRule(edited b) = %+v, %v, want position 1 kept", b, err)
	}
	if got, _ := db.Rule(ctx, "b"); got.Match != "subject:y" {
		t.Errorf("edited rule's match = %q, want subject:y", got.Match)
	}
	if err := db.RemoveRule(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveRule(ctx, "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RemoveRule(gone) = %v, want ErrNotFound", err)
	}
	added, replaced, err := db.ImportRules(ctx, []rules.Rule{mustRule(t, "a", "from:zed", "delete"), mustRule(t, "d", "to:me", "stop")})
	if err != nil || added != 1 || replaced != 1 {
		t.Fatalf("ImportRules() = %d, %d, %v, want 1 added, 1 replaced", added, replaced, err)
	}
	if got, want := ruleNames(t, db), []string{"c", "a", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after ImportRules Rules() = %v, want %v", got, want)
	}
	if a, _ := db.Rule(ctx, "a"); a.Match != "from:zed" || a.Actions[0].Kind != rules.Delete {
		t.Errorf("imported a = %+v, want from:zed, delete", a)
	}
}

func TestSaveRuleRefuses(t *testing.T) {
	db := openTest(t)
	tests := []struct {
		name    string
		rule    rules.Rule
		want    string
		wantErr error
	}{
		{"malformed query", mustRule(t, "r", "frm:ann", "read"), `unknown operator "frm:"`, query.ErrSyntax},
		{"header the store answers otherwise", mustRule(t, "r", "header:From:ann", "read"), "use from:ann", query.ErrUnsupported},
		{"no actions", rules.Rule{Name: "r", Match: "x"}, "at least one action", rules.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.SaveRule(context.Background(), tc.rule)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.wantErr) {
				t.Fatalf("SaveRule() = %v, want %q wrapping %v", err, tc.want, tc.wantErr)
			}
		})
	}
	if n := ruleNames(t, db); len(n) != 0 {
		t.Errorf("Rules() = %v after refusals, want none", n)
	}
}

func listMsg(id, listID, subject, body string) string {
	h := fmt.Sprintf("From: News <news@lists.example>\r\nTo: you@example.test\r\nSubject: %s\r\nDate: Mon, 05 Jan 2026 10:00:00 +0000\r\nMessage-ID: <%s>\r\n", subject, id)
	if listID != "" {
		h += "List-Id: " + listID + "\r\n"
	}
	return h + "\r\n" + body + "\r\n"
}

func TestSearchHeader(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	in := inbox(t, db, a)
	ids := map[string]int64{}
	for name, raw := range map[string]string{
		"announce": listMsg("1@x", "Announcements <announce.example.org>", "Release", "new version"),
		"encoded":  listMsg("2@x", "=?UTF-8?Q?Caf=C3=A9_list?= <cafe.example.org>", "Menu", "new dishes"),
		"plain":    listMsg("3@x", "", "Hello", "new friend"),
	} {
		id, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: in}, strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = id
	}
	tests := []struct {
		name, search string
		want         []string
	}{
		{"value", "header:List-Id:announce.example.org", []string{"announce"}},
		{"case and brackets", "header:list-id:<ANNOUNCE.example.org>", []string{"announce"}},
		{"decoded value", "header:List-Id:café", []string{"encoded"}},
		{"present", "header:List-Id:", []string{"announce", "encoded"}},
		{"negated", "-header:List-Id:", []string{"plain"}},
		{"with words", "new header:List-Id:cafe.example.org", []string{"encoded"}},
		{"none", "header:X-Spam:yes", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for name, id := range ids {
				want := false
				for _, w := range tc.want {
					want = want || w == name
				}
				ok, err := db.Matches(ctx, tc.search, id)
				if err != nil || ok != want {
					t.Errorf("Matches(%q, %s) = %v, %v, want %v", tc.search, name, ok, err, want)
				}
			}
			n, err := db.Count(ctx, ListQuery{Search: tc.search})
			if err != nil || n != len(tc.want) {
				t.Errorf("Count(%q) = %d, %v, want %d", tc.search, n, err, len(tc.want))
			}
		})
	}
}

// arrival stores raw as retrieved by the account's POP3 source and
// returns what StoreBatch said and the stored row.
func arrival(t *testing.T, db *DB, a *core.Account, d core.Delivery, raw string) (core.Stored, core.MessageSummary) {
	t.Helper()
	ctx := context.Background()
	s, err := db.StageBytes(ctx, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.StoreBatch(ctx, []core.Pending{{Delivery: d, Staged: s}})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := db.Message(ctx, res[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return res[0], m
}

func TestRulesOnArrivalPOP3(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	in := inbox(t, db, a)
	saveRules(t, db,
		mustRule(t, "lists", "header:List-Id:announce", "move=Lists", "read", "stop"),
		mustRule(t, "never", "header:List-Id:announce", "flag"), // after stop
		mustRule(t, "big", "larger:2k", "flag", "copy=Big"),
		mustRule(t, "spam", "subject:casino", "delete"),
	)
	pop := func(uidl string) core.Delivery {
		return core.Delivery{AccountID: a.ID, FolderID: in, POP3: &core.POP3Ref{SourceID: a.Sources[0].ID, UIDL: uidl}}
	}
	tests := []struct {
		name       string
		d          core.Delivery
		raw        string
		wantFolder string
		wantSeen   bool
		wantFlag   bool
		wantQuiet  bool
		wantRuled  bool
	}{
		{"move and read, then stop", pop("u1"), listMsg("l@x", "<announce.example.org>", "Release", "v2"), "Lists", true, false, true, true},
		{"flag and copy", pop("u2"), listMsg("b@x", "", "Photos", strings.Repeat("big ", 1000)), "Inbox", false, true, false, true},
		{"delete", pop("u3"), listMsg("s@x", "", "Casino night", "win"), "Trash", false, false, true, true},
		{"no rule matches", pop("u4"), listMsg("n@x", "", "Hello", "hi"), "Inbox", false, false, false, false},
		{"not an arrival", core.Delivery{AccountID: a.ID, FolderID: in}, listMsg("i@x", "<announce.example.org>", "Imported", "old"), "Inbox", false, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, m := arrival(t, db, a, tc.d, tc.raw)
			if m.Folder != tc.wantFolder || m.Seen != tc.wantSeen || m.Flagged != tc.wantFlag || st.Quiet != tc.wantQuiet || st.Ruled != tc.wantRuled {
				t.Errorf("stored in %s seen=%v flagged=%v quiet=%v ruled=%v, want %s %v %v %v %v",
					m.Folder, m.Seen, m.Flagged, st.Quiet, st.Ruled, tc.wantFolder, tc.wantSeen, tc.wantFlag, tc.wantQuiet, tc.wantRuled)
			}
		})
	}
	n, err := db.Count(ctx, ListQuery{Search: "in:Big subject:Photos"})
	if err != nil || n != 1 {
		t.Errorf("copies in Big = %d, %v, want 1", n, err)
	}
	if n, _ := db.Count(ctx, ListQuery{Search: "subject:Photos"}); n != 2 {
		t.Errorf("Photos stored %d times, want 2 (the message and its copy)", n)
	}
}

func TestRulesOnArrivalIMAP(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	src := a.Sources[0].ID
	in := inbox(t, db, a)
	st, err := db.IMAPMailbox(ctx, a.ID, src, "INBOX", core.DefaultFolder, core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := db.IMAPMailbox(ctx, a.ID, src, "Sent", "Sent", core.RoleSent)
	if err != nil {
		t.Fatal(err)
	}
	saveRules(t, db,
		mustRule(t, "lists", "header:List-Id:announce", "move=Lists", "read"),
		mustRule(t, "keep", "subject:keep", "copy=Archive", "flag"),
	)
	imapAt := func(mb core.MailboxState, uid uint32) core.Delivery {
		return core.Delivery{AccountID: a.ID, FolderID: mb.FolderID, IMAP: &core.IMAPRef{MailboxID: mb.ID, UID: uid}}
	}
	if st.FolderID != in {
		t.Fatalf("INBOX folder = %d, want the Inbox %d", st.FolderID, in)
	}
	res, m := arrival(t, db, a, imapAt(st, 7), listMsg("l@x", "<announce.example.org>", "Release", "v2"))
	if m.Folder != "Lists" || !m.Seen || !res.Quiet {
		t.Errorf("list mail in %s seen=%v quiet=%v, want Lists, seen, quiet", m.Folder, m.Seen, res.Quiet)
	}
	_, m2 := arrival(t, db, a, imapAt(st, 8), listMsg("k@x", "", "Please keep", "this"))
	_, m3 := arrival(t, db, a, imapAt(sent, 9), listMsg("s@x", "<announce.example.org>", "Sent to a list", "mine"))
	if m3.Folder != "Sent" || m3.Seen {
		t.Errorf("Sent mail in %s seen=%v, want left alone in Sent", m3.Folder, m3.Seen)
	}
	j, err := db.Journal(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range j {
		got = append(got, fmt.Sprintf("%s %s/%d dest=%q role=%q seen=%v flagged=%v msg=%v", e.Op, e.Mailbox, e.UID, e.Dest, e.DestRole, e.Flags.Seen, e.Flags.Flagged, e.MessageID == m.ID || e.MessageID == m2.ID))
	}
	want := []string{
		`flags INBOX/7 dest="" role="" seen=true flagged=false msg=true`,
		`move INBOX/7 dest="Lists" role="" seen=false flagged=false msg=true`,
		`flags INBOX/8 dest="" role="" seen=false flagged=true msg=true`,
		`append /0 dest="Archive" role="" seen=false flagged=true msg=false`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("journal =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRunRule(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	in := inbox(t, db, a)
	for i, subj := range []string{"Invoice 1", "Invoice 2", "Hello"} {
		if _, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: in}, strings.NewReader(listMsg(fmt.Sprintf("%d@x", i), "", subj, "body"))); err != nil {
			t.Fatal(err)
		}
	}
	saveRules(t, db, mustRule(t, "bills", "subject:invoice", "move=Bills", "read"))
	run, err := db.RunRule(ctx, "bills", []int64{in})
	if err != nil || run.Matched != 2 {
		t.Fatalf("RunRule() = %+v, %v, want 2 matched", run, err)
	}
	if n, _ := db.Count(ctx, ListQuery{Search: "in:Bills is:read"}); n != 2 {
		t.Errorf("read messages in Bills = %d, want 2", n)
	}
	if n, _ := db.Count(ctx, ListQuery{FolderID: in}); n != 1 {
		t.Errorf("left in the Inbox = %d, want 1", n)
	}
	if _, err := db.RunRule(ctx, "nope", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("RunRule(unknown) = %v, want ErrNotFound", err)
	}
}

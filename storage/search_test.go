package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/query"
)

// searchFixture stores a few messages that differ in one field each, and
// returns their IDs by a short name.
func searchFixture(t *testing.T) (*DB, map[string]int64) {
	t.Helper()
	db := openTest(t)
	ctx := context.Background()
	work, home := addAccount(t, db, "Work"), addAccount(t, db, "Home")
	sent, err := db.EnsureFolder(ctx, work.ID, "Sent Items", core.RoleSent)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	add := func(name string, a *core.Account, folder int64, flags core.Flags, raw string) {
		t.Helper()
		if folder == 0 {
			folder = inbox(t, db, a)
		}
		id, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: folder, Flags: flags}, strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = id
	}
	msg := func(from, to, cc, subject, date, body string) string {
		h := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@x>\r\n", from, to, subject, date, strings.ReplaceAll(subject, " ", "."))
		if cc != "" {
			h += "Cc: " + cc + "\r\n"
		}
		return h + "\r\n" + body + "\r\n"
	}
	add("ann", work, 0, core.Flags{Seen: true}, msg("Ann Smith <ann@example.com>", "me@work.test", "", "Quarterly numbers", "Mon, 05 Jan 2026 10:00:00 +0000", "the weekly report is attached"))
	add("bob", work, 0, core.Flags{Flagged: true}, msg("Bob <bob@example.org>", "ann@example.com", "carol@example.net", "Lunch", "Tue, 10 Feb 2026 10:00:00 +0000", "report back about lunch"))
	add("home", home, 0, core.Flags{}, msg("Newsletter <news@shop.test>", "me@home.test", "", "Weekly offers", "Sun, 01 Mar 2026 10:00:00 +0000", "fifty percent off, report_card 100%"))
	add("sent", work, sent, core.Flags{Seen: true}, msg("Me <me@work.test>", "bob@example.org", "", "Re: Lunch", "Wed, 11 Feb 2026 10:00:00 +0000", "yes, the weekly lunch"))
	add("attach", home, 0, core.Flags{Seen: true}, "From: Dana <dana@example.com>\r\nTo: me@home.test\r\nSubject: Photos\r\nDate: Thu, 01 Jan 2026 10:00:00 +0000\r\nMessage-ID: <photos@x>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee the photos\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=a.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"+
		strings.Repeat("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n", 200)+"--b--\r\n")
	return db, ids
}

func TestSearchOperators(t *testing.T) {
	db, ids := searchFixture(t)
	ctx := context.Background()
	tests := []struct {
		name, search string
		want         []string
	}{
		{"word", "report", []string{"ann", "bob", "home"}},
		{"prefix", "repo", []string{"ann", "bob", "home"}},
		{"phrase", `"weekly report"`, []string{"ann"}},
		{"phrase is not a prefix", `"weekly repo"`, nil},
		{"phrase words in order", `"report weekly"`, nil},
		{"negated word", "report -lunch", []string{"ann", "home"}},
		{"only a negation", "-report", []string{"sent", "attach"}},
		{"negated phrase", `weekly -"weekly lunch"`, []string{"ann", "home"}},
		{"from name", "from:ann", []string{"ann"}},
		{"from address", "from:bob@example.org", []string{"bob"}},
		{"from is not to", "from:ann@example.com", []string{"ann"}},
		{"to", "to:ann@example.com", []string{"bob"}},
		{"to by domain", "to:home.test", []string{"home", "attach"}},
		{"not from", "-from:example", []string{"home", "sent"}},
		{"cc", "cc:carol", []string{"bob"}},
		{"subject", "subject:lunch", []string{"bob", "sent"}},
		{"subject is not body", "subject:report", nil},
		{"not subject", "lunch -subject:lunch", nil},
		{"has attachment", "has:attachment", []string{"attach"}},
		{"no attachment", "-has:attachment is:read", []string{"ann", "sent"}},
		{"unread", "is:unread", []string{"bob", "home"}},
		{"read", "is:read", []string{"ann", "sent", "attach"}},
		{"flagged", "is:flagged", []string{"bob"}},
		{"not flagged", "-is:flagged from:example", []string{"ann", "attach"}},
		{"in folder by name", `in:"sent items"`, []string{"sent"}},
		{"in folder by role", "in:sent", []string{"sent"}},
		{"in inbox", "in:inbox is:read", []string{"ann", "attach"}},
		{"not in inbox", "-in:inbox", []string{"sent"}},
		{"account", "account:home", []string{"home", "attach"}},
		{"not account", "-account:home -in:sent", []string{"ann", "bob"}},
		{"before", "before:2026-02-10", []string{"ann", "attach"}},
		{"after is inclusive", "after:2026-02-10", []string{"bob", "home", "sent"}},
		{"date range", "after:2026-02-01 before:2026-02-28", []string{"bob", "sent"}},
		{"larger", "larger:10K", []string{"attach"}},
		{"not larger", "-larger:10K account:home", []string{"home"}},
		{"smaller", "smaller:10K account:home", []string{"home"}},
		{"message-id header", "header:Message-ID:<Lunch@x>", []string{"bob"}},
		{"wildcards are literal", "from:a%", nil},
		{"underscore is literal", "to:me_home", nil},
		{"fts syntax is literal", `"NEAR(a b)" OR`, nil},
		{"phrase and two operators", `"weekly report" from:ann is:read`, []string{"ann"}},
		{"every operator at once", `report from:example to:work -is:flagged in:inbox account:work after:2026-01-01 before:2026-02-01 smaller:1M`, []string{"ann"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := db.List(ctx, ListQuery{Search: tc.search, Limit: 100})
			if err != nil {
				t.Fatalf("List(%q) = %v", tc.search, err)
			}
			var got []int64
			for _, m := range list {
				got = append(got, m.ID)
			}
			var want []int64
			for _, n := range tc.want {
				want = append(want, ids[n])
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("List(%q) = %v, want %v (%v)", tc.search, got, want, tc.want)
			}
			n, err := db.Count(ctx, ListQuery{Search: tc.search})
			if err != nil || n != len(want) {
				t.Errorf("Count(%q) = %d, %v, want %d", tc.search, n, err, len(want))
			}
			for name, id := range ids {
				ok, err := db.Matches(ctx, tc.search, id)
				if err != nil || ok != slices.Contains(tc.want, name) {
					t.Errorf("Matches(%q, %s) = %v, %v, want %v", tc.search, name, ok, err, !ok)
				}
			}
		})
	}
}

func TestSearchErrorsInWords(t *testing.T) {
	db, _ := searchFixture(t)
	ctx := context.Background()
	tests := []struct {
		name, search string
		is           error
		want         string
	}{
		{"unknown operator", "label:work", query.ErrSyntax, `at character 1: unknown operator "label:"`},
		{"bad date", "after:last-week", query.ErrSyntax, "at character 7: expected a date such as 2026-12-01"},
		{"unclosed phrase", `from:ann "weekly`, query.ErrSyntax, "at character 10: the quote opened here is not closed"},
		{"header with an operator", "header:From:ann", query.ErrUnsupported, "use from:ann"},
		{"empty", " ", ErrEmptySearch, "type at least one word"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.List(ctx, ListQuery{Search: tc.search})
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Query != tc.search {
				t.Errorf("List(%q) = %v, want a *QueryError", tc.search, err)
			}
			if !errors.Is(err, tc.is) || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("List(%q) = %v, want an error (%v) containing %q", tc.search, err, tc.is, tc.want)
			}
		})
	}
}

// TestSearchWordsAsTheirTerms: a word searched as you type is written as
// itself or one of the longer terms it starts, read from the index's
// vocabulary, and finds what the FTS5 prefix finds; a word too short,
// not plain ASCII, or starting too many terms stays a prefix.
func TestSearchWordsAsTheirTerms(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	many := make([]string, maxWordTerms+1)
	for i := range many {
		many[i] = fmt.Sprintf("zeta%d", i)
	}
	for i, body := range []string{
		"the weekly report", "two reports", "a Reporter called", "Reporting live", "reportage", "repo and repos",
		"reportless café", "cafés", strings.Join(many, " "), "zeta", "nothing here",
	} {
		raw := fmt.Sprintf("From: a@example.com\r\nSubject: m%d\r\nDate: Mon, 05 Jan 2026 10:%02d:00 +0000\r\nMessage-ID: <m%d@x>\r\n\r\n%s\r\n", i, i, i, body)
		if _, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: inbox(t, db, a)}, strings.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		search string
		terms  map[string][]string // the words written as terms
		found  int
	}{
		{"report", map[string][]string{"report": {"reportage", "reporter", "reporting", "reportless", "reports"}}, 6},
		{"REPORTS", map[string][]string{"reports": {}}, 1},
		{"subject:m1 report", map[string][]string{"report": {"reportage", "reporter", "reporting", "reportless", "reports"}, "m1": nil}, 1},
		{"re", map[string][]string{}, 7},
		{"zeta", map[string][]string{}, 2},
		{"café", map[string][]string{}, 2},
		{`"report"`, map[string][]string{}, 1},
		{"report -repo", map[string][]string{"report": {"reportage", "reporter", "reporting", "reportless", "reports"}, "repo": {"report", "reportage", "reporter", "reporting", "reportless", "reports", "repos"}}, 0},
	} {
		t.Run(tc.search, func(t *testing.T) {
			q := db.withLonger(ctx, ListQuery{Search: tc.search})
			for w := range q.longer {
				if _, ok := tc.terms[w]; !ok {
					t.Errorf("%q is written as the terms %q, want it searched as a prefix", w, q.longer[w])
				}
			}
			for w, want := range tc.terms {
				if got, ok := q.longer[w]; want != nil && (!ok || !slices.Equal(got, want)) {
					t.Errorf("%q is written as %q (%v), want %q", w, got, ok, want)
				}
			}
			got, err := db.Count(ctx, ListQuery{Search: tc.search})
			if err != nil {
				t.Fatal(err)
			}
			plain, err := db.CountPlain(ctx, ListQuery{Search: tc.search})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.found || plain != tc.found {
				t.Errorf("Count(%q) = %d, and %d as FTS5 prefixes; want %d", tc.search, got, plain, tc.found)
			}
			list, err := db.List(ctx, ListQuery{Search: tc.search, Limit: 100})
			if err != nil || len(list) != tc.found {
				t.Errorf("List(%q) = %d messages, %v; want %d", tc.search, len(list), err, tc.found)
			}
		})
	}
}

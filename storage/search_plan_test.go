package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/storage/storagetest"
)

// planStore is a SeedListing store of n messages made untidy the ways a
// real one is, so that a plan that only works on tidy data fails: dates
// out of step with the IDs (so a window's rowid range spans foreign rows)
// and shared by three messages at a time (ties broken by ID), every fifth
// message filed in its account's Archive, every eleventh deleted, every
// thirteenth an inbox twin (in_inbox = 2), every seventeenth flagged.
func planStore(t *testing.T, n int) (*storage.DB, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storagetest.SeedListing(t, db, n)
	accounts, err := db.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, a := range accounts {
		ids[a.Name] = a.ID
		f, err := db.EnsureFolder(ctx, a.ID, "Archive", core.RoleArchive)
		if err != nil {
			t.Fatal(err)
		}
		ids[a.Name+"/Archive"] = f
	}
	storagetest.Exec(t, db.Dir(),
		fmt.Sprintf(`UPDATE messages SET date = 1577836800 + ((id * 7919) %% %d) / 3 * 60`, n),
		`UPDATE messages SET in_inbox = 0, folder_id = (SELECT a.id FROM folders a JOIN folders i ON i.account_id = a.account_id WHERE i.id = messages.folder_id AND a.name = 'Archive') WHERE id % 5 = 0`,
		`UPDATE messages SET deleted = 1 WHERE id % 11 = 0`,
		`UPDATE messages SET in_inbox = 2 WHERE id % 13 = 0 AND in_inbox = 1`,
		`UPDATE messages SET flagged = 1 WHERE id % 17 = 0`)
	return db, ids
}

// TestSearchPlansAgree holds List, Count and CountUpTo to the
// straightforward plan (every match, sorted; every match counted) for
// words, phrases, operators and negations, over every folder, an account
// and a folder, on pages near the top and deeper down; and checks that
// the window plan (listWindow) was taken where it should be, so the
// comparison covers it. It runs twice: with the store's thresholds, and
// with the thresholds of candidates lowered (SetCandidates) so that this
// small store reads the rows its operators leave for the searches whose
// operators leave few rows or none, and the index's matches for those
// whose full-text terms match few, which it checks too.
func TestSearchPlansAgree(t *testing.T) {
	db, ids := planStore(t, 1500)
	ctx := context.Background()
	searches := []string{
		"report", "42", "12345", `"about project"`, `"project 42"`, `"about project" -is:read account:home`,
		"-42", "report -42", "is:flagged report", "in:inbox report", "subject:project -1", "is:unread",
		"after:2020-01-02 -is:read report",
		// Operators that leave none (every Work message is read), or few.
		`"about project" -is:read account:work`, `"about project" is:flagged account:home`,
		"report -12 is:flagged -has:attachment", `"about project" in:archive is:unread`,
		`report larger:1000 smaller:1000`,
		// Few, and the full-text terms drop some of them.
		"1 is:flagged", "report -1 is:flagged", "subject:project 2 account:home -has:attachment",
		// Full-text terms that match few, or none.
		"42 is:unread", `"project 42" -has:attachment`, "12345 -is:flagged",
	}
	scopes := []struct {
		name string
		q    storage.ListQuery
	}{
		{"everywhere", storage.ListQuery{}},
		{"account", storage.ListQuery{AccountID: ids["Home"]}},
		{"archive", storage.ListQuery{FolderID: ids["Old ISP/Archive"]}},
	}
	// A page of 12 finds some of its rows for "project 42" (1 in 97) in
	// the first window of 1,000 rows and all of them in the wider one.
	pages := []struct{ limit, offset int }{{100, 0}, {20, 130}, {5, 10}, {12, 0}}
	for _, run := range []struct {
		name              string
		dense, most, rare int // the thresholds of candidates; 0 keeps the store's
	}{
		{"store's thresholds", 0, 0, 0},
		{"lowered thresholds", 100, 300, 10},
	} {
		t.Run(run.name, func(t *testing.T) {
			if run.dense > 0 {
				storage.SetCandidates(t, run.dense, run.most, run.rare)
			}
			windowed, sets := map[string]bool{}, map[string]string{}
			for _, search := range searches {
				for _, sc := range scopes {
					q := sc.q
					q.Search = search
					name := sc.name + "/" + search
					_, matched, ok, err := db.Candidates(ctx, q)
					if err != nil {
						t.Fatalf("%s: Candidates: %v", name, err)
					}
					switch {
					case matched:
						sets[name] = "matches"
					case ok:
						sets[name] = "operators"
					}
					want, err := db.CountPlain(ctx, q)
					if err != nil {
						t.Fatalf("%s: CountPlain: %v", name, err)
					}
					if got, err := db.Count(ctx, q); err != nil || got != want {
						t.Errorf("%s: Count = %d, %v; want %d", name, got, err, want)
					}
					for _, most := range []int{1, 1000} {
						n, more, err := db.CountUpTo(ctx, q, most)
						if err != nil || n != min(want, most) || more != (want > most) {
							t.Errorf("%s: CountUpTo %d = %d, %v, %v; want %d, %v", name, most, n, more, err, min(want, most), want > most)
						}
					}
					for _, p := range pages {
						q.Limit, q.Offset = p.limit, p.offset
						plain, err := db.ListPlain(ctx, q)
						if err != nil {
							t.Fatalf("%s: ListPlain: %v", name, err)
						}
						list, err := db.List(ctx, q)
						if err != nil || !slices.Equal(list, plain) {
							t.Errorf("%s, limit %d offset %d: List gave %v, %v; want %v", name, p.limit, p.offset, idsOf(list), err, idsOf(plain))
						}
						win, ok, err := db.ListWindow(ctx, q)
						if err != nil {
							t.Fatalf("%s: ListWindow: %v", name, err)
						}
						// The window's matches are the newest of all, so its page
						// starts the plain page, and is all of it when it is full.
						windowed[name] = windowed[name] || ok
						if len(win) > len(plain) || !slices.Equal(win, plain[:len(win)]) || ok && len(win) != len(plain) {
							t.Errorf("%s, limit %d offset %d: the window gave %v (full: %v); want the start of %v", name, p.limit, p.offset, idsOf(win), ok, idsOf(plain))
						}
					}
				}
			}
			// A search that matches most rows fills its page from the window; one
			// that matches a few cannot, except a small page from the wider
			// window ("project 42", the page of 12).
			for name, want := range map[string]bool{
				"everywhere/report": true, "everywhere/-42": true, "account/report": true,
				"everywhere/12345": false, `everywhere/"project 42"`: true,
			} {
				if windowed[name] != want {
					t.Errorf("%s: the window plan taken = %v; want %v", name, windowed[name], want)
				}
			}
			if run.dense == 0 {
				return
			}
			// The rows the operators allow for a search whose operators
			// leave few rows and whose full-text terms match many; the
			// index's matches when they are few; neither for a search whose
			// operators leave many, nor one without full-text terms or
			// without operators.
			for name, want := range map[string]string{
				`everywhere/"about project" -is:read account:work`:   "operators",
				`everywhere/"about project" is:flagged account:home`: "operators",
				`archive/"about project" in:archive is:unread`:       "operators",
				"account/report -12 is:flagged -has:attachment":      "operators",
				"everywhere/report larger:1000 smaller:1000":         "operators",
				"everywhere/1 is:flagged":                            "operators",
				"everywhere/report -1 is:flagged":                    "operators",
				"everywhere/42 is:unread":                            "matches",
				`account/"project 42" -has:attachment`:               "matches",
				"everywhere/12345 -is:flagged":                       "matches",
				`everywhere/"about project" -is:read account:home`:   "",
				`everywhere/"project 42"`:                            "",
				"everywhere/is:unread":                               "",
				"everywhere/report":                                  "",
				"everywhere/subject:project -1":                      "",
			} {
				if sets[name] != want {
					t.Errorf("%s: candidates took %q; want %q", name, sets[name], want)
				}
			}
		})
	}
}

// TestSearchWindowEdge holds the window plan to the plain one where the
// window's oldest date is shared by rows on both sides of its edge, as in
// a real store where messages arrive out of date order: the window
// (listWindow) reads the rows at or above (that date, the window's least
// ID), which holds rows past the window's 1,000 with that date, and must
// leave out those of that date whose IDs are below the window's least,
// whose full-text test the span of IDs does not cover. A row's date is
// that of its block of 50 (rows 50k to 50k+49); three of the oldest rows
// are moved to the newest date (so the window's least ID is low) and
// three more, with every tenth row above 1,100, to the date of block 5,
// where the window's edge falls.
func TestSearchWindowEdge(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 1300
	window := storage.WindowRows(1, 0)
	storagetest.SeedListing(t, db, n)
	// Row i of the seed has ID i+1.
	storagetest.Exec(t, db.Dir(),
		`UPDATE messages SET date = 1577836800 + ((id - 1) / 50) * 3000`,
		`UPDATE messages SET date = 1577836800 + 27 * 3000 WHERE id - 1 IN (10, 20, 30)`,
		`UPDATE messages SET date = 1577836800 + 5 * 3000 WHERE (id - 1 > 1100 AND (id - 1) % 10 = 3) OR id - 1 IN (1, 2, 3)`)
	conn, err := storagetest.Conn(db.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The edge as described: the window's oldest date has rows in the
	// window, rows past it with IDs above the window's least, and rows
	// with IDs below it.
	var inside, past, below int
	if err := conn.QueryRowContext(ctx, `WITH win AS (SELECT id, date FROM messages WHERE deleted = 0 ORDER BY date DESC, id DESC LIMIT ?),
		edge AS (SELECT min(id) AS lo, min(date) AS oldest FROM win)
		SELECT count(*) FILTER (WHERE m.id IN (SELECT id FROM win)),
			count(*) FILTER (WHERE m.id NOT IN (SELECT id FROM win) AND m.id >= edge.lo),
			count(*) FILTER (WHERE m.id < edge.lo)
		FROM messages m, edge WHERE m.date = edge.oldest`, window).Scan(&inside, &past, &below); err != nil {
		t.Fatal(err)
	}
	if inside == 0 || past == 0 || below == 0 {
		t.Fatalf("the window's oldest date has %d rows in the window, %d past it, %d below its least ID; want some of each", inside, past, below)
	}
	// Each row's place in the list, to tell the pages that lie in the
	// first window, which it must serve in full.
	place := map[int64]int{}
	rows, err := conn.QueryContext(ctx, `SELECT id FROM messages WHERE deleted = 0 ORDER BY date DESC, id DESC`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		place[id] = len(place)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	// Negations that leave a few rows, spread over the store, so that a
	// page ends near the window's edge; words that match a few; words of
	// rows of the oldest date inside the window (1293, 1133) and past it
	// (1103).
	searches := []string{"1293", "1133", "1103", "-1 -2 -3 -4 -5 -6 -7 -8", "-1 -2 -3 -4 -5 -6 -7", "-1 -2 -3 -4 -5 -6", "-1 -2 -3 -4", "-1 -2",
		"9", "2", "0", "12", "project 5", `"project 4"`, "-report 1", "is:unread -1 -3 -5 -7"}
	windowed := 0
	for _, search := range searches {
		for _, limit := range []int{1, 3, 10, 20, 50, 100} {
			for _, offset := range []int{0, 5, 40} {
				q := storage.ListQuery{Search: search, Limit: limit, Offset: offset}
				plain, err := db.ListPlain(ctx, q)
				if err != nil {
					t.Fatalf("%s: ListPlain: %v", search, err)
				}
				if list, err := db.List(ctx, q); err != nil || !slices.Equal(list, plain) {
					t.Errorf("%s, limit %d offset %d: List gave %v, %v; want %v", search, limit, offset, idsOf(list), err, idsOf(plain))
				}
				win, ok, err := db.ListWindow(ctx, q)
				if err != nil {
					t.Fatalf("%s: ListWindow: %v", search, err)
				}
				if ok {
					windowed++
				}
				if len(plain) == limit && place[plain[limit-1].ID] < storage.WindowRows(limit, offset) && !ok {
					t.Errorf("%s, limit %d offset %d: the page lies in the first window, which gave %v, not in full", search, limit, offset, idsOf(win))
				}
				if len(win) > len(plain) || !slices.Equal(win, plain[:len(win)]) || ok && len(win) != len(plain) {
					t.Errorf("%s, limit %d offset %d: the window gave %v (full: %v); want the start of %v", search, limit, offset, idsOf(win), ok, idsOf(plain))
				}
			}
		}
	}
	if windowed == 0 {
		t.Error("no page came from the window plan; the test compares nothing")
	}
}

// idsOf is the IDs of a list, for messages.
func idsOf(list []core.MessageSummary) []int64 {
	out := make([]int64, len(list))
	for i, m := range list {
		out[i] = m.ID
	}
	return out
}

func TestCountUpToRefuses(t *testing.T) {
	db, _ := planStore(t, 10)
	for _, tc := range []struct {
		name, search string
		most         int
		queryError   bool
	}{
		{"nothing to count", "report", 0, false},
		{"a negative most", "report", -1, false},
		{"a malformed search", `"report`, 10, true},
		{"an empty search", " ", 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := db.CountUpTo(context.Background(), storage.ListQuery{Search: tc.search}, tc.most)
			var qe *storage.QueryError
			if err == nil || errors.As(err, &qe) != tc.queryError {
				t.Errorf("CountUpTo(%q, %d) = %v; want an error, a *QueryError: %v", tc.search, tc.most, err, tc.queryError)
			}
		})
	}
}

package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core/query"
)

// ErrEmptySearch is returned for a search with no terms at all.
var ErrEmptySearch = errors.New("type at least one word or operator")

// QueryError is a search the store refused: malformed (wrapping a
// *query.SyntaxError), with a term the store cannot test (wrapping
// query.ErrUnsupported), or empty (ErrEmptySearch). Its text names no
// package, so front ends show it as it is after the query.
type QueryError struct {
	Query string
	Err   error
}

func (e *QueryError) Error() string { return e.Err.Error() }

// Unwrap gives the reason, for errors.Is and errors.As.
func (e *QueryError) Unwrap() error { return e.Err }

// parseSearch parses a search and maps it onto SQL conditions; blobs is
// the directory of the stored messages, for header:.
func parseSearch(search, blobs string) ([]string, []any, error) {
	s, err := parseSearchFor(search, blobs, ftsSubquery)
	return s.conds, s.args, err
}

// ftsPlan is how a search's full-text condition is written, for the plan
// of the query that holds it (see List and CountUpTo).
type ftsPlan int

const (
	// ftsSubquery tests m.id against every match of the index.
	ftsSubquery ftsPlan = iota
	// ftsWindow tests win.id, the row of the window win (the newest rows
	// of the listing, see listWindow), against the matches between the
	// window's least and greatest rowid: matches outside that range
	// cannot change a test, positive or negated, and the index seeks to
	// the range instead of reading its lists whole.
	ftsWindow
	// ftsJoined writes the positive terms as messages_fts MATCH ?, for a
	// query that reads messages_fts first and joins messages on its
	// rowid, so that the matches stream instead of being collected.
	ftsJoined
	// ftsMatched writes no full-text condition, for rows already known
	// to match it (the index's matches, see candidates).
	ftsMatched
)

// searchSQL is a search mapped onto SQL conditions.
type searchSQL struct {
	conds []string
	args  []any
	fts   ftsUse
	// ops and opsArgs count the leading conditions, and their
	// arguments, that test only the listing columns: neither the
	// full-text index nor the stored message (see filtersFirst).
	ops, opsArgs int
	// match is the full-text expression of a search with positive
	// full-text terms, "" for a search without.
	match string
}

// ftsUse says whether and how a search's conditions use the full-text
// index.
type ftsUse int

const (
	noFTS ftsUse = iota
	// ftsTested: the conditions test each row against the index's
	// matches.
	ftsTested
	// ftsRead: the conditions name messages_fts itself (ftsJoined with
	// positive terms), which the query must read first.
	ftsRead
)

// parseSearchFor is parseSearch with the full-text condition written for
// plan.
func parseSearchFor(search, blobs string, plan ftsPlan) (searchSQL, error) {
	q, err := query.Parse(search)
	if err == nil && len(q.Terms) == 0 {
		err = ErrEmptySearch
	}
	if err != nil {
		return searchSQL{}, &QueryError{Query: search, Err: err}
	}
	s, err := searchConds(q, blobs, plan)
	if err != nil {
		return searchSQL{}, &QueryError{Query: search, Err: err}
	}
	return s, nil
}

// searchConds maps a query onto SQL conditions over the listing columns
// (m.*) and the full-text index. Words, phrases and subject: go to FTS5;
// the positive ones are joined into one MATCH, which the index answers in
// one pass. from:, to: and cc: are checked on the listing columns, which
// tell the three apart (the index has one column for all addresses), with
// a full-text prefilter on the addresses when the term is positive, so the
// check runs on the few rows the index found rather than on every row.
// header: on a header the listing columns lack reads the stored message
// (blobs is the directory of the stored messages), so its conditions go
// last, to be tested on the rows the other terms leave. plan says how
// the full-text condition is written.
func searchConds(q query.Query, blobs string, plan ftsPlan) (searchSQL, error) {
	var conds []string
	var args []any
	var late []string // conditions that read the stored message
	var lateArgs []any
	var pos, neg []string // FTS5 expressions
	for _, t := range q.Terms {
		var cond string
		var cargs []any
		switch t.Kind {
		case query.Text, query.Subject:
			col := ""
			if t.Kind == query.Subject {
				col = "subject"
			}
			if t.Not {
				neg = append(neg, ftsPhrase(col, t))
			} else {
				pos = append(pos, ftsPhrase(col, t))
			}
			continue
		case query.From:
			cond, cargs = `(m.from_name LIKE ? ESCAPE '\' OR m.from_addr LIKE ? ESCAPE '\')`, []any{likeArg(t.Value), likeArg(t.Value)}
		case query.To:
			cond, cargs = `m.to_addrs LIKE ? ESCAPE '\'`, []any{likeArg(t.Value)}
		case query.Cc:
			cond, cargs = `m.cc_addrs LIKE ? ESCAPE '\'`, []any{likeArg(t.Value)}
		case query.Header:
			c, a, err := headerCond(t, blobs)
			if err != nil {
				return searchSQL{}, err
			}
			if strings.HasPrefix(c, "tributary_header(") {
				if t.Not {
					c = "NOT " + c
				}
				late, lateArgs = append(late, c), append(lateArgs, a...)
				continue
			}
			cond, cargs = c, a
		case query.HasAttachment:
			cond = "m.attachments > 0"
		case query.Unread:
			cond = "m.seen = 0"
		case query.Read:
			cond = "m.seen = 1"
		case query.Flagged:
			cond = "m.flagged = 1"
		case query.In:
			// A folder by its name, or by its role, so in:sent finds every
			// account's Sent whatever the server calls it.
			cond, cargs = "m.folder_id IN (SELECT id FROM folders WHERE name = ? COLLATE NOCASE OR role = lower(?))", []any{t.Value, t.Value}
		case query.Account:
			cond, cargs = "m.account_id IN (SELECT id FROM accounts WHERE name = ?)", []any{t.Value}
		case query.Before:
			cond, cargs = "m.date < ?", []any{localDay(t.Date)}
		case query.After:
			cond, cargs = "m.date >= ?", []any{localDay(t.Date)}
		case query.Larger:
			cond, cargs = "m.size > ?", []any{t.Size}
		case query.Smaller:
			cond, cargs = "m.size < ?", []any{t.Size}
		default:
			return searchSQL{}, fmt.Errorf("%s cannot be searched in the store: %w", t, query.ErrUnsupported)
		}
		if t.Not {
			cond = "NOT " + cond
		} else if t.Kind == query.From || t.Kind == query.To || t.Kind == query.Cc {
			pos = append(pos, ftsPhrase("addresses", t))
		}
		conds = append(conds, cond)
		args = append(args, cargs...)
	}
	ops, opsArgs := len(conds), len(args)
	// In the window, the test names the window's row, so that it is made
	// before the row's message is looked up.
	id, sub := "m.id", "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)"
	if plan == ftsWindow {
		id, sub = "win.id", "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? AND rowid BETWEEN (SELECT min(id) FROM win) AND (SELECT max(id) FROM win))"
	}
	fts := ftsTested
	switch {
	case plan == ftsMatched && len(pos) > 0:
		fts = noFTS
	case len(pos) > 0 && plan == ftsJoined:
		conds, fts = append(conds, "messages_fts MATCH ?"), ftsRead
	case len(pos) > 0:
		conds = append(conds, id+" IN "+sub)
	case len(neg) > 0:
		conds = append(conds, id+" NOT IN "+sub)
	default:
		fts = noFTS
	}
	match := ""
	switch {
	case len(pos) > 0 && len(neg) > 0:
		match = "(" + strings.Join(pos, " ") + ") NOT (" + strings.Join(neg, " OR ") + ")"
	case len(pos) > 0:
		match = strings.Join(pos, " ")
	case len(neg) > 0:
		args = append(args, strings.Join(neg, " OR "))
	}
	if match != "" && fts != noFTS {
		args = append(args, match)
	}
	return searchSQL{conds: append(conds, late...), args: append(args, lateArgs...), fts: fts, ops: ops, opsArgs: opsArgs, match: match}, nil
}

// ftsPhrase is one term as an FTS5 phrase, in column col when col is not
// empty. Only the index's own tokens (letters and digits) go in, quoted,
// so no FTS5 syntax in what was typed is ever interpreted. A word that is
// not a quoted phrase matches as a prefix.
func ftsPhrase(col string, t query.Term) string {
	s := `"` + strings.Join(query.Words(t.Value), " ") + `"`
	if !t.Phrase {
		s += "*"
	}
	if col != "" {
		s = col + " : " + s
	}
	return s
}

// likeArg is a LIKE pattern that finds v anywhere, case-insensitively
// (for ASCII, as SQLite's LIKE), with LIKE's own wildcards escaped.
func likeArg(v string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(v) + "%"
}

// localDay is the start of a day as the user's clock reads it.
func localDay(d time.Time) int64 {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.Local).Unix()
}

// headerCond maps header:NAME:VALUE. Message-ID, In-Reply-To and
// References are listing columns; From, To, Cc and Subject have their own
// operators, which say it. Any other header is read from the stored
// message (tributary_header, see rules.go), only for the rows the other
// terms leave: the store keeps no copy of every header, so a search on
// header: alone reads every message's header.
func headerCond(t query.Term, blobs string) (string, []any, error) {
	switch strings.ToLower(t.Header) {
	case "from", "to", "cc", "subject":
		return "", nil, fmt.Errorf("use %s:%s instead of header:%s: %w", strings.ToLower(t.Header), t.Value, t.Header, query.ErrUnsupported)
	case "message-id":
		return "m.message_id = ?", []any{strings.Trim(t.Value, "<>")}, nil
	case "in-reply-to":
		return "m.in_reply_to = ?", []any{strings.Trim(t.Value, "<>")}, nil
	case "references":
		// message_refs holds References and In-Reply-To together.
		return "m.id IN (SELECT message FROM message_refs WHERE ref = ?)", []any{strings.Trim(t.Value, "<>")}, nil
	}
	return "tributary_header(?, m.blob, ?, ?)", []any{blobs, t.Header, t.Value}, nil
}

// Matches reports whether message id matches the query search, with the
// same meaning as a search: so that rules and the search box speak one
// language.
func (db *DB) Matches(ctx context.Context, search string, id int64) (bool, error) {
	conds, args, err := parseSearch(search, db.blobs)
	if err != nil {
		return false, err
	}
	return matches(ctx, db.sql, conds, args, id)
}

// rowQuerier is a pool or a transaction.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// matches reports whether message id meets the search conditions conds,
// read through q (inside the transaction that stored it, for rules).
func matches(ctx context.Context, q rowQuerier, conds []string, args []any, id int64) (bool, error) {
	conds = append([]string{"m.id = ?"}, conds...)
	args = append([]any{id}, args...)
	var ok bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM messages m WHERE `+strings.Join(conds, " AND ")+`)`, args...).Scan(&ok)
	if err != nil {
		return false, fail("match message", err)
	}
	return ok, nil
}

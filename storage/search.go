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
	s, err := parseSearchFor(search, blobs, ftsSubquery, nil)
	return s.conds, s.args, err
}

// ftsPlan is how a search's full-text condition is written, for the plan
// of the query that holds it (see List and CountUpTo).
type ftsPlan int

const (
	// ftsSubquery tests m.id against every match of the index.
	ftsSubquery ftsPlan = iota
	// ftsSpan tests m.id against the matches whose rowid lies in
	// span(lo, hi), a WITH table of the query that holds the least and
	// the greatest ID of the rows it reads (listWindow, candidates):
	// matches outside that range cannot change a test, positive or
	// negated, and the index seeks to the range instead of reading its
	// lists whole.
	ftsSpan
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
// plan, and the words in longer (see wordTerms) written as the terms
// they stand for.
func parseSearchFor(search, blobs string, plan ftsPlan, longer map[string][]string) (searchSQL, error) {
	q, err := query.Parse(search)
	if err == nil && len(q.Terms) == 0 {
		err = ErrEmptySearch
	}
	if err != nil {
		return searchSQL{}, &QueryError{Query: search, Err: err}
	}
	s, err := searchConds(q, blobs, plan, longer)
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
func searchConds(q query.Query, blobs string, plan ftsPlan, longer map[string][]string) (searchSQL, error) {
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
				neg = append(neg, ftsPhrase(col, t, longer))
			} else {
				pos = append(pos, ftsPhrase(col, t, longer))
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
			pos = append(pos, ftsPhrase("addresses", t, nil))
		}
		conds = append(conds, cond)
		args = append(args, cargs...)
	}
	ops, opsArgs := len(conds), len(args)
	id, sub := "m.id", "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)"
	if plan == ftsSpan {
		// The unary + keeps the test from choosing the rows: they come
		// in the list's order off the date index, and reading stops at
		// the end of the page, where reading the matches first looks up
		// and sorts every one of them (listWindow).
		id, sub = "+m.id", "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? AND rowid BETWEEN (SELECT lo FROM span) AND (SELECT hi FROM span))"
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
		match = "(" + strings.Join(pos, " AND ") + ") NOT (" + strings.Join(neg, " OR ") + ")"
	case len(pos) > 0:
		match = strings.Join(pos, " AND ")
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
// not a quoted phrase matches as a prefix: where longer names the terms
// it starts (see wordTerms), as the word or one of those.
func ftsPhrase(col string, t query.Term, longer map[string][]string) string {
	words := query.Words(t.Value)
	s := `"` + strings.Join(words, " ") + `"`
	if !t.Phrase {
		s += "*"
		if len(words) == 1 {
			if terms, ok := longer[strings.ToLower(words[0])]; ok {
				s = `("` + strings.ToLower(words[0]) + `"`
				for _, term := range terms {
					s += ` OR "` + strings.ReplaceAll(term, `"`, `""`) + `"`
				}
				s += ")"
			}
		}
	}
	if col != "" {
		s = col + " : " + s
	}
	return s
}

// Words searched as you type are prefixes, and FTS5 answers a prefix by
// merging the lists of every term it starts before yielding the first
// match: for `report` in each of 1,000,000 messages a third of a second
// whatever the page or the count needs. Named as the word itself or one of
// the longer terms it starts, read from the index's vocabulary, the same
// matches come lazily, newest first, the page and the count reading only
// what they show (1,000,000 messages: 150 ms against under 1 ms for the
// page in SQLite's own shell). The vocabulary is read from just after the
// word, so the word's own list, the long one, is not counted.
const (
	// minWordTerms is the shortest word looked up so: a shorter one starts
	// too many terms, and reading their counts would cost what it saves.
	minWordTerms = 3
	// maxWordTerms is the most longer terms a word is written as; a word
	// that starts more stays a prefix.
	maxWordTerms = 64
)

// withLonger returns q with the words of its search that wordTerms can
// name looked up.
func (db *DB) withLonger(ctx context.Context, q ListQuery) ListQuery {
	if q.Search == "" || q.longer != nil {
		return q
	}
	parsed, err := query.Parse(q.Search)
	if err != nil {
		return q // the search reports it
	}
	q.longer = map[string][]string{}
	for _, t := range parsed.Terms {
		if (t.Kind != query.Text && t.Kind != query.Subject) || t.Phrase {
			continue
		}
		words := query.Words(t.Value)
		if len(words) != 1 {
			continue
		}
		w := strings.ToLower(words[0])
		if _, done := q.longer[w]; done {
			continue
		}
		if terms, ok := db.wordTerms(ctx, w); ok {
			q.longer[w] = terms
		}
	}
	return q
}

// wordTerms returns the index's terms longer than w that start with it;
// ok is false when there are more than maxWordTerms, when w is shorter
// than minWordTerms or not plain ASCII letters and digits (whose tokens
// are the word in lower case; the tokenizer folds others), or when the
// vocabulary cannot be read: then w is searched as a prefix.
func (db *DB) wordTerms(ctx context.Context, w string) (terms []string, ok bool) {
	if len(w) < minWordTerms || strings.IndexFunc(w, func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }) >= 0 {
		return nil, false
	}
	// From the first term after w itself to the last that starts with
	// it (U+10FFFF is the greatest character).
	rows, err := db.sql.QueryContext(ctx, `SELECT term FROM messages_fts_terms WHERE term >= ? AND term <= ? LIMIT ?`,
		w+"\x01", w+"\U0010FFFF", maxWordTerms+1)
	if err != nil {
		return nil, false
	}
	defer rows.Close()
	terms = []string{}
	for rows.Next() {
		var term string
		if rows.Scan(&term) != nil {
			return nil, false
		}
		terms = append(terms, term)
	}
	if rows.Err() != nil || len(terms) > maxWordTerms {
		return nil, false
	}
	return terms, true
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

package storage

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
	"modernc.org/sqlite"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/core/rules"
)

// ErrDuplicateRule is returned when a rule is saved under the name of
// another.
var ErrDuplicateRule = errors.New("a rule with this name already exists")

// maxRuleHeader caps how much of a stored message header: reads, as
// core/mime caps a header it parses.
const maxRuleHeader = 1 << 20

func init() {
	// tributary_header(blobs, hash, name, value) answers header:NAME:VALUE
	// from the stored message: the header is read only for the rows the
	// other terms of a query leave, so the store need not keep a copy of
	// every header. A stored message never changes, so the answer is
	// deterministic.
	sqlite.MustRegisterDeterministicScalarFunction("tributary_header", 4, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		var s [4]string
		for i, a := range args {
			switch v := a.(type) {
			case string:
				s[i] = v
			case []byte:
				s[i] = string(v)
			}
		}
		if len(s[1]) < 2 {
			return int64(0), nil
		}
		if headerHas(filepath.Join(s[0], s[1][:2], s[1]+".eml"), s[2], s[3]) {
			return int64(1), nil
		}
		return int64(0), nil
	})
}

// headerHas reports whether the message file at path has a header field
// name whose value, decoded (RFC 2047) or as written, contains value,
// ignoring case and runs of white space; an empty value asks only that
// the field be there. An unreadable file has no headers: a search never
// fails for one broken file.
func headerHas(path, name, value string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	th, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(f, maxRuleHeader)))
	if err != nil && th.Len() == 0 {
		return false
	}
	h := message.Header{Header: th}
	want := strings.ToLower(strings.Join(strings.Fields(value), " "))
	fields := h.FieldsByKey(name)
	for fields.Next() {
		if want == "" {
			return true
		}
		text, err := fields.Text()
		if err != nil {
			text = ""
		}
		for _, v := range []string{text, fields.Value()} {
			if strings.Contains(strings.ToLower(strings.Join(strings.Fields(v), " ")), want) {
				return true
			}
		}
	}
	return false
}

// Rules lists the rules in the user's order.
func (db *DB) Rules(ctx context.Context) ([]rules.Rule, error) {
	return loadRules(ctx, db.sql)
}

func loadRules(ctx context.Context, q querier) ([]rules.Rule, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, match, actions, position FROM rules ORDER BY position, id`)
	if err != nil {
		return nil, fail("read rules", err)
	}
	defer rows.Close()
	var out []rules.Rule
	for rows.Next() {
		var r rules.Rule
		var acts string
		if err := rows.Scan(&r.ID, &r.Name, &r.Match, &acts, &r.Position); err != nil {
			return nil, fail("read rules", err)
		}
		var list []string
		if err := json.Unmarshal([]byte(acts), &list); err != nil {
			return nil, fail(fmt.Sprintf("read rule %q", r.Name), err)
		}
		for _, s := range list {
			a, err := rules.ParseAction(s)
			if err != nil {
				return nil, fail(fmt.Sprintf("read rule %q", r.Name), err)
			}
			r.Actions = append(r.Actions, a)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rule returns the rule called name (ignoring case).
func (db *DB) Rule(ctx context.Context, name string) (rules.Rule, error) {
	rs, err := db.Rules(ctx)
	if err != nil {
		return rules.Rule{}, err
	}
	for _, r := range rs {
		if strings.EqualFold(r.Name, name) {
			return r, nil
		}
	}
	return rules.Rule{}, fmt.Errorf("no rule named %q: %w", name, ErrNotFound)
}

// checkRule refuses a rule that is malformed, or whose query the store
// could not answer at arrival (header:From:x, say): a rule is refused
// when saved, never when mail arrives.
func (db *DB) checkRule(r rules.Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if _, _, err := parseSearch(r.Match, db.blobs); err != nil {
		return &rules.Error{Rule: r.Name, Field: "match", Err: err}
	}
	return nil
}

// SaveRule stores a rule: a new one (ID 0) goes last, an existing one
// keeps its place. It returns the rule as stored.
func (db *DB) SaveRule(ctx context.Context, r rules.Rule) (rules.Rule, error) {
	if err := db.checkRule(r); err != nil {
		return r, err
	}
	err := db.withTx(ctx, func(tx *sql.Tx) error { return saveRule(ctx, tx, &r) })
	return r, err
}

func saveRule(ctx context.Context, tx *sql.Tx, r *rules.Rule) error {
	list := make([]string, len(r.Actions))
	for i, a := range r.Actions {
		list[i] = a.String()
	}
	acts, _ := json.Marshal(list)
	if r.ID == 0 {
		if err := tx.QueryRowContext(ctx, `SELECT IFNULL(MAX(position) + 1, 0) FROM rules`).Scan(&r.Position); err != nil {
			return fail("save rule", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO rules (name, match, actions, position) VALUES (?,?,?,?)`, r.Name, r.Match, string(acts), r.Position)
		if isUniqueViolation(err) {
			return fmt.Errorf("rule %q: %w", r.Name, ErrDuplicateRule)
		}
		if err != nil {
			return fail("save rule", err)
		}
		r.ID, err = res.LastInsertId()
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE rules SET name = ?, match = ?, actions = ? WHERE id = ?`, r.Name, r.Match, string(acts), r.ID)
	if isUniqueViolation(err) {
		return fmt.Errorf("rule %q: %w", r.Name, ErrDuplicateRule)
	}
	if err := checkAffected(res, err, "save rule"); err != nil {
		return err
	}
	return tx.QueryRowContext(ctx, `SELECT position FROM rules WHERE id = ?`, r.ID).Scan(&r.Position)
}

// RemoveRule deletes the rule called name.
func (db *DB) RemoveRule(ctx context.Context, name string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM rules WHERE name = ?`, name)
	if err := checkAffected(res, err, "remove rule "+name); err != nil {
		return err
	}
	return nil
}

// MoveRule moves the rule called name by places in the order: up
// (earlier) when by is negative, down when positive, stopping at either
// end.
func (db *DB) MoveRule(ctx context.Context, name string, by int) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		rs, err := loadRules(ctx, tx)
		if err != nil {
			return err
		}
		at := -1
		for i, r := range rs {
			if strings.EqualFold(r.Name, name) {
				at = i
			}
		}
		if at < 0 {
			return fmt.Errorf("no rule named %q: %w", name, ErrNotFound)
		}
		to := min(max(at+by, 0), len(rs)-1)
		r := rs[at]
		rs = append(rs[:at], rs[at+1:]...)
		rs = append(rs[:to], append([]rules.Rule{r}, rs[to:]...)...)
		for i, r := range rs {
			if _, err := tx.ExecContext(ctx, `UPDATE rules SET position = ? WHERE id = ?`, i, r.ID); err != nil {
				return fail("reorder rules", err)
			}
		}
		return nil
	})
}

// ImportRules saves rules read from a file, in one transaction: a rule
// named like a stored one replaces its query and actions and keeps its
// place; the others are added at the end, in the file's order. Every rule
// is checked first, so a file with one bad rule changes nothing.
func (db *DB) ImportRules(ctx context.Context, rs []rules.Rule) (added, replaced int, err error) {
	for _, r := range rs {
		if err := db.checkRule(r); err != nil {
			return 0, 0, err
		}
	}
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		have, err := loadRules(ctx, tx)
		if err != nil {
			return err
		}
		for _, r := range rs {
			r.ID = 0
			for _, h := range have {
				if strings.EqualFold(h.Name, r.Name) {
					r.ID = h.ID
				}
			}
			if r.ID == 0 {
				added++
			} else {
				replaced++
			}
			if err := saveRule(ctx, tx, &r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return added, replaced, nil
}

// arrivalRules are the rules of one StoreBatch, read once inside its
// transaction when the first message that they apply to is stored.
type arrivalRules struct {
	loaded bool
	list   []rules.Rule
	conds  map[int64]compiledRule
}

type compiledRule struct {
	conds []string
	args  []any
}

// arrives reports whether the rules apply to a message stored with d:
// mail retrieved by POP3 (into whatever folder the source fills), and
// mail that appeared in an IMAP server's INBOX. Sent copies, drafts,
// imports and the other IMAP folders are left as they are.
func arrives(ctx context.Context, tx *batchTx, d core.Delivery) (bool, error) {
	if d.POP3 != nil {
		return true, nil
	}
	if d.IMAP == nil {
		return false, nil
	}
	var inbox bool
	if err := tx.QueryRowContext(ctx, `SELECT role = 'inbox' FROM folders WHERE id = ?`, d.FolderID).Scan(&inbox); err != nil {
		return false, fail("find folder", err)
	}
	return inbox, nil
}

func (ar *arrivalRules) load(ctx context.Context, tx *batchTx, blobs string) error {
	if ar.loaded {
		return nil
	}
	list, err := loadRules(ctx, tx.Tx)
	if err != nil {
		return err
	}
	ar.loaded, ar.list, ar.conds = true, list, map[int64]compiledRule{}
	for _, r := range list {
		conds, args, err := parseSearch(r.Match, blobs)
		if err != nil {
			// Refused when saved, so only a store that answers less than
			// it did could get here: the rule is skipped, the mail kept.
			slog.Warn("rule skipped: its query cannot be answered", "rule", r.Name, "err", err)
			continue
		}
		ar.conds[r.ID] = compiledRule{conds, args}
	}
	return nil
}

// apply runs the rules over a message just stored in tx and makes their
// changes there, journalled for its IMAP servers, so that the message and
// what the rules did to it commit together.
func (ar *arrivalRules) apply(ctx context.Context, tx *batchTx, blobs string, d core.Delivery, id int64, s *Staged) (rules.Outcome, error) {
	if ok, err := arrives(ctx, tx, d); err != nil || !ok {
		return rules.Outcome{}, err
	}
	if err := ar.load(ctx, tx, blobs); err != nil {
		return rules.Outcome{}, err
	}
	if len(ar.list) == 0 {
		return rules.Outcome{}, nil
	}
	o, err := rules.Evaluate(ar.list, func(r rules.Rule) (bool, error) {
		c, ok := ar.conds[r.ID]
		if !ok {
			return false, nil
		}
		return matches(ctx, tx, c.conds, c.args, id)
	})
	if err != nil || !o.Changed() {
		return o, err
	}
	m := ruled{id: id, accountID: d.AccountID, folderID: d.FolderID, flags: d.Flags, blob: s.blob.Blob,
		parsed: func() (*mime.Message, error) { return s.parsed, nil }}
	_, err = applyOutcome(ctx, tx, m, o)
	return o, err
}

// ruled is a stored message that rules act on.
type ruled struct {
	id, accountID, folderID int64
	flags                   core.Flags
	blob                    Blob
	parsed                  func() (*mime.Message, error) // for a copy's listing columns
}

// applyOutcome makes a rules outcome's changes to one message inside tx,
// and journals them for the message's IMAP servers. It returns the
// sources that have journal entries to replay.
func applyOutcome(ctx context.Context, tx *batchTx, m ruled, o rules.Outcome) ([]int64, error) {
	var sources []int64
	add := func(ids []int64) {
		for _, id := range ids {
			sources = appendOnce(sources, id)
		}
	}
	f := m.flags
	f.Seen = f.Seen || o.Read
	f.Flagged = f.Flagged || o.Flag
	if f != m.flags {
		s, err := changeFlags(ctx, tx.Tx, m.id, f)
		if err != nil {
			return nil, err
		}
		add(s)
	}
	locs, err := locations(ctx, tx.Tx, m.id)
	if err != nil {
		return nil, err
	}
	for _, name := range o.Copies {
		fid, role, err := ruleFolder(ctx, tx.Tx, m.accountID, name)
		if err != nil {
			return nil, err
		}
		if fid == m.folderID {
			continue
		}
		parsed, err := m.parsed()
		if err != nil {
			return nil, err
		}
		cid, isNew, err := insertMessage(ctx, tx, core.Delivery{AccountID: m.accountID, FolderID: fid, Flags: f}, m.blob, parsed)
		if err != nil {
			return nil, err
		}
		if !isNew {
			continue // already there
		}
		dest, err := ruleMailbox(ctx, tx.Tx, fid, role, name)
		if err != nil {
			return nil, err
		}
		// The server gets the same bytes (APPEND), so a copy works on
		// every server; the next sync of that mailbox links it by content.
		var done []int64
		for _, l := range locs {
			if (dest.SourceID != 0 && l.SourceID != dest.SourceID) || containsID(done, l.SourceID) {
				continue
			}
			done = append(done, l.SourceID)
			e := core.JournalEntry{SourceID: l.SourceID, MessageID: cid, Op: core.JournalAppend, Dest: dest.Mailbox, DestRole: role, Flags: f, Blob: m.blob.Hash}
			if err := insertJournal(ctx, tx.Tx, e); err != nil {
				return nil, err
			}
		}
		add(done)
	}
	switch {
	case o.Delete:
		trash, err := trashFolder(ctx, tx.Tx, m.accountID)
		if err != nil || trash == m.folderID {
			return sources, err // already in the Trash: deleting for good is the user's
		}
		s, err := moveJournaled(ctx, tx.Tx, m.id, trash, core.IMAPLocation{}, core.RoleTrash)
		if err != nil {
			return nil, err
		}
		add(s)
	case o.Move != "":
		fid, role, err := ruleFolder(ctx, tx.Tx, m.accountID, o.Move)
		if err != nil || fid == m.folderID {
			return sources, err
		}
		dest, err := ruleMailbox(ctx, tx.Tx, fid, role, o.Move)
		if err != nil {
			return nil, err
		}
		s, err := moveJournaled(ctx, tx.Tx, m.id, fid, dest, role)
		if err != nil {
			return nil, err
		}
		add(s)
	}
	return sources, nil
}

func containsID(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// ruleFolder finds an account's folder by name, ignoring case, and creates
// it when there is none: a rule names folders as the user sees them.
func ruleFolder(ctx context.Context, tx *sql.Tx, accountID int64, name string) (int64, string, error) {
	if strings.EqualFold(name, core.DefaultFolder) {
		name = core.DefaultFolder
	}
	var id int64
	var role string
	err := tx.QueryRowContext(ctx, `SELECT id, role FROM folders WHERE account_id = ? AND name = ? COLLATE NOCASE ORDER BY id LIMIT 1`, accountID, name).Scan(&id, &role)
	if err == nil {
		return id, role, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, "", fail(fmt.Sprintf("find folder %q", name), err)
	}
	if name == core.DefaultFolder {
		role = core.RoleInbox
	}
	id, err = ensureFolder(ctx, tx, accountID, name, role)
	return id, role, err
}

// trashFolder is the account's Trash, made when it has none, as
// Engine.Delete finds it.
func trashFolder(ctx context.Context, tx *sql.Tx, accountID int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM folders WHERE account_id = ? AND role = ? ORDER BY id LIMIT 1`, accountID, core.RoleTrash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ensureFolder(ctx, tx, accountID, "Trash", core.RoleTrash)
	}
	if err != nil {
		return 0, fail("find Trash", err)
	}
	return id, nil
}

// ruleMailbox is where on the servers a rule files into folder fid: a
// folder with a role stands for each server's mailbox of that role (the
// role is journalled instead), a folder that mirrors a mailbox is that
// mailbox, and any other folder is the mailbox of the same name on each
// server that has the message, which the worker creates when missing.
// Unlike a move by hand, which leaves a local-only folder local, a rule
// keeps the server sorted the same way as this copy.
func ruleMailbox(ctx context.Context, tx *sql.Tx, fid int64, role, name string) (core.IMAPLocation, error) {
	if role != "" {
		return core.IMAPLocation{}, nil
	}
	var loc core.IMAPLocation
	err := tx.QueryRowContext(ctx, `SELECT source_id, name FROM imap_mailboxes WHERE folder_id = ? ORDER BY id LIMIT 1`, fid).Scan(&loc.SourceID, &loc.Mailbox)
	if errors.Is(err, sql.ErrNoRows) {
		return core.IMAPLocation{Mailbox: name}, nil
	}
	if err != nil {
		return loc, fail("find mailbox", err)
	}
	return loc, nil
}

// RunRule runs the rule called name over the messages stored in folders
// (every account's Inbox when folders is empty), as if they had just
// arrived, in one transaction.
func (db *DB) RunRule(ctx context.Context, name string, folders []int64) (rules.Run, error) {
	var run rules.Run
	r, err := db.Rule(ctx, name)
	if err != nil {
		return run, err
	}
	conds, args, err := parseSearch(r.Match, db.blobs)
	if err != nil {
		return run, &rules.Error{Rule: r.Name, Field: "match", Err: err}
	}
	if len(folders) == 0 {
		conds = append(conds, "m.in_inbox = 1")
	} else {
		conds = append(conds, "m.folder_id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(folders)), ",")+")")
		for _, f := range folders {
			args = append(args, f)
		}
	}
	conds = append(conds, "m.deleted = 0")
	o, err := rules.Evaluate([]rules.Rule{r}, func(rules.Rule) (bool, error) { return true, nil })
	if err != nil {
		return run, err
	}
	err = db.withTx(ctx, func(sqltx *sql.Tx) error {
		rows, err := sqltx.QueryContext(ctx, `SELECT m.id, m.account_id, m.folder_id, m.blob, m.size, m.seen, m.flagged, m.answered, m.deleted, m.forwarded FROM messages m WHERE `+strings.Join(conds, " AND ")+` ORDER BY m.id`, args...)
		if err != nil {
			return fail("run rule", err)
		}
		var list []ruled
		for rows.Next() {
			var m ruled
			if err := rows.Scan(&m.id, &m.accountID, &m.folderID, &m.blob.Hash, &m.blob.Size, &m.flags.Seen, &m.flags.Flagged, &m.flags.Answered, &m.flags.Deleted, &m.flags.Forwarded); err != nil {
				rows.Close()
				return fail("run rule", err)
			}
			hash := m.blob.Hash
			m.parsed = func() (*mime.Message, error) { return parseFile(db.blobPath(hash)) }
			list = append(list, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fail("run rule", err)
		}
		tx := newBatchTx(sqltx)
		defer tx.close()
		for _, m := range list {
			s, err := applyOutcome(ctx, tx, m, o)
			if err != nil {
				return err
			}
			for _, id := range s {
				run.Sources = appendOnce(run.Sources, id)
			}
		}
		run.Matched = len(list)
		return nil
	})
	if err != nil {
		return rules.Run{}, err
	}
	return run, nil
}

package storage

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
)

// ensureFolder returns the ID of the account's folder called name, creating
// it with role if it does not exist.
func ensureFolder(ctx context.Context, tx *sql.Tx, accountID int64, name, role string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM folders WHERE account_id=? AND name=?`, accountID, name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fail(fmt.Sprintf("find folder %q", name), err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO folders (account_id, name, role) VALUES (?,?,?)`, accountID, name, role)
	if err != nil {
		return 0, fail(fmt.Sprintf("create folder %q", name), err)
	}
	return res.LastInsertId()
}

// EnsureFolder returns the ID of an account's folder, creating it if needed.
// A folder named like the Inbox is the Inbox, whatever the caller's role.
func (db *DB) EnsureFolder(ctx context.Context, accountID int64, name, role string) (int64, error) {
	if strings.EqualFold(name, core.DefaultFolder) {
		name, role = core.DefaultFolder, core.RoleInbox
	}
	var id int64
	err := db.withTx(ctx, func(tx *sql.Tx) (err error) {
		id, err = ensureFolder(ctx, tx, accountID, name, role)
		return err
	})
	return id, err
}

// Folder returns one folder, without counts.
func (db *DB) Folder(ctx context.Context, id int64) (core.Folder, error) {
	var f core.Folder
	err := db.sql.QueryRowContext(ctx, `SELECT f.id, f.account_id, a.name, f.name, f.role FROM folders f JOIN accounts a ON a.id = f.account_id WHERE f.id = ?`, id).
		Scan(&f.ID, &f.AccountID, &f.Account, &f.Name, &f.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("no folder %d: %w", id, ErrNotFound)
	}
	return f, err
}

// FolderByRole finds an account's folder with the given role.
func (db *DB) FolderByRole(ctx context.Context, accountID int64, role string) (int64, error) {
	var id int64
	err := db.sql.QueryRowContext(ctx, `SELECT id FROM folders WHERE account_id=? AND role=? ORDER BY id LIMIT 1`, accountID, role).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("no %s folder for account %d: %w", role, accountID, ErrNotFound)
	}
	return id, err
}

// Folders lists every folder of every account with its counts, the Inbox
// first within each account.
func (db *DB) Folders(ctx context.Context) ([]core.Folder, error) {
	rows, err := db.sql.QueryContext(ctx, `
SELECT f.id, f.account_id, a.name, f.name, f.role, f.total, f.unread
FROM folders f JOIN accounts a ON a.id = f.account_id
ORDER BY a.name, f.role != 'inbox', f.role = '', f.name`)
	if err != nil {
		return nil, fail("list folders", err)
	}
	defer rows.Close()
	var out []core.Folder
	for rows.Next() {
		var f core.Folder
		if err := rows.Scan(&f.ID, &f.AccountID, &f.Account, &f.Name, &f.Role, &f.Total, &f.Unread); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RecountFolders sets every folder's kept counts (core.Folder's Total and
// Unread, and the unified inbox's) from its messages. The store keeps
// them itself as messages change; this is for rows written around it,
// such as storagetest's seeds. It reads every message.
func (db *DB) RecountFolders(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, countFolders); err != nil {
		return fail("count folders", err)
	}
	return nil
}

// Staged is a message written to disk and parsed, not yet committed.
// Retrieval stages a message as its bytes arrive, because some servers send
// a message's UID or flags only after its body.
type Staged struct {
	blob   stagedBlob
	parsed *mime.Message
	// placedBy is the store that placed the file (place, from PlaceBatch
	// or StoreBatch), which keeps it from removal until the message is
	// stored or discarded; nil before.
	placedBy *DB
}

var _ core.Staged = (*Staged)(nil)
var _ core.MessageStore = (*DB)(nil)

// Discard removes a staged message that will not be stored, or ends the
// hold on the file of one that was (StoreBatch discards every message it
// took). A file placed for a row that never committed stays, as after a
// crash: a file too many, never a row without its file.
func (s *Staged) Discard() {
	if db := s.placedBy; db != nil {
		db.blobMu.Lock()
		db.unpin(s)
		db.blobMu.Unlock()
	}
	s.blob.discard()
}

// TextBytes is the size of the parsed text the staged message holds.
func (s *Staged) TextBytes() int { return len(s.parsed.Text) + len(s.parsed.HTML) }

// Stage streams raw to a file and parses it for listing. A malformed
// message is still staged: whatever could be read is listed, and its raw
// bytes stay available. The file is synced when it is stored.
func (db *DB) Stage(ctx context.Context, raw io.Reader) (core.Staged, error) {
	blob, err := db.stageBlob(ctx, raw)
	if err != nil {
		return nil, err
	}
	parsed, err := parseFile(blob.tmp)
	if err != nil {
		blob.discard()
		return nil, err
	}
	return &Staged{blob: blob, parsed: parsed}, nil
}

// StageBytes is Stage for a message in memory: one pass over raw hashes
// and writes it, and one parses it, without reading the file back.
func (db *DB) StageBytes(ctx context.Context, raw []byte) (core.Staged, error) {
	blob, err := db.stageBytes(ctx, raw)
	if err != nil {
		return nil, err
	}
	parsed, _ := mime.Parse(bytes.NewReader(raw), &listingLimits)
	if parsed == nil {
		parsed = &mime.Message{Subject: "(unreadable message)"}
	}
	return &Staged{blob: blob, parsed: parsed}, nil
}

// Deliver stages raw and stores it; see Store.
func (db *DB) Deliver(ctx context.Context, d core.Delivery, raw io.Reader) (int64, bool, error) {
	s, err := db.Stage(ctx, raw)
	if err != nil {
		return 0, false, err
	}
	return db.Store(ctx, d, s)
}

// Store commits a staged message with its sync state. The file gets its
// final name before the row that refers to it is committed, and the sync
// state (a POP3 UIDL or an IMAP UID) commits in the same transaction as the
// row, so a crash at any point leaves either both or neither. A message
// already in the folder (same Message-ID and same bytes) is not stored
// twice; its sync state is still recorded. It returns the message's ID and
// whether it is new.
func (db *DB) Store(ctx context.Context, d core.Delivery, staged core.Staged) (int64, bool, error) {
	res, err := db.StoreBatch(ctx, []core.Pending{{Delivery: d, Staged: staged}})
	if err != nil {
		return 0, false, err
	}
	return res[0].ID, res[0].IsNew, nil
}

// stagedOf is the store's own staged messages of a batch.
func stagedOf(batch []core.Pending) ([]*Staged, error) {
	staged := make([]*Staged, len(batch))
	for i, p := range batch {
		s, ok := p.Staged.(*Staged)
		if !ok {
			return nil, fmt.Errorf("storage: a batch needs messages from Stage, got %T", p.Staged)
		}
		staged[i] = s
	}
	return staged, nil
}

// PlaceBatch gives the files of a batch their final names and makes them
// durable ahead of StoreBatch, which then finds them placed: a sync places
// one batch's files while the rows of the batch before it commit, instead
// of one after the other. Until each message is stored or discarded, its
// file is kept from removal (removeUnreferencedBlobs), as if its row were
// there. On an error nothing is pinned and the batch stays staged, for
// the caller to store or discard (a file renamed before the error is one
// file too many, as after a crash).
func (db *DB) PlaceBatch(ctx context.Context, batch []core.Pending) error {
	staged, err := stagedOf(batch)
	if err != nil {
		return err
	}
	return db.place(staged)
}

// place makes the files of staged durable under their final names, those
// not placed yet, and pins every one of them against removal until its
// message is stored or discarded. The pins, not db.blobMu, guard the files
// while their rows commit, so that placing the next batch never waits for
// a commit.
func (db *DB) place(staged []*Staged) error {
	db.blobMu.Lock()
	defer db.blobMu.Unlock()
	if err := db.placeBlobs(unplaced(staged)); err != nil {
		return err
	}
	for _, s := range staged {
		if s.placedBy == nil {
			s.placedBy = db
			db.pinned[s.blob.Hash]++
		}
	}
	return nil
}

// unplaced is the files of staged that place has not placed yet.
func unplaced(staged []*Staged) []stagedBlob {
	var blobs []stagedBlob
	for _, s := range staged {
		if s.placedBy == nil {
			blobs = append(blobs, s.blob)
		}
	}
	return blobs
}

// unpin ends place's hold on a staged message's file. The caller holds
// db.blobMu.
func (db *DB) unpin(s *Staged) {
	if s.placedBy != db {
		return
	}
	s.placedBy = nil
	if db.pinned[s.blob.Hash]--; db.pinned[s.blob.Hash] <= 0 {
		delete(db.pinned, s.blob.Hash)
	}
}

// StoreBatch is Store for several messages in one transaction: their
// files are synced and placed together (unless PlaceBatch placed them),
// then their rows commit at once. Retrieval from a server that keeps the
// mail (IMAP) uses it to pay one WAL sync per batch instead of one per
// message.
func (db *DB) StoreBatch(ctx context.Context, batch []core.Pending) ([]core.Stored, error) {
	staged, err := stagedOf(batch)
	if err != nil {
		for _, p := range batch {
			if p.Staged != nil {
				p.Staged.Discard()
			}
		}
		return nil, err
	}
	for _, s := range staged {
		// Stored or not, the rows decide then what keeps a file.
		defer s.Discard()
	}
	if err := db.place(staged); err != nil {
		return nil, err
	}
	out := make([]core.Stored, len(batch))
	err = db.withTx(ctx, func(sqltx *sql.Tx) error {
		tx := newBatchTx(sqltx)
		defer tx.close()
		var ar arrivalRules
		for i, p := range batch {
			id, isNew, err := storeOne(ctx, tx, p.Delivery, staged[i])
			if err != nil {
				return err
			}
			out[i] = core.Stored{ID: id, IsNew: isNew}
			if !isNew {
				continue
			}
			// Rules act in this transaction: a crash keeps both the
			// message and what they did to it, or neither.
			o, err := ar.apply(ctx, tx, db.blobs, p.Delivery, id, staged[i])
			if err != nil {
				return err
			}
			out[i].Ruled, out[i].Quiet = o.Changed(), o.Quiet()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// storeOne writes one message's row and sync state inside tx.
func storeOne(ctx context.Context, tx *batchTx, d core.Delivery, s *Staged) (int64, bool, error) {
	id, isNew, err := insertMessage(ctx, tx, d, s.blob.Blob, s.parsed)
	if err != nil {
		return 0, false, err
	}
	if d.POP3 != nil {
		at := d.POP3.RetrievedAt
		if at.IsZero() {
			at = time.Now()
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO pop3_uidls (source_id, uidl, retrieved_at) VALUES (?,?,?)`, d.POP3.SourceID, d.POP3.UIDL, at.Unix()); err != nil {
			return 0, false, fail("record UIDL", err)
		}
	}
	for _, src := range d.AppendTo {
		if !isNew {
			break // already filed, and already journalled then
		}
		e := core.JournalEntry{SourceID: src, MessageID: id, Op: core.JournalAppend, DestRole: core.RoleSent, Blob: s.blob.Hash}
		if err := insertJournal(ctx, tx.Tx, e); err != nil {
			return 0, false, err
		}
	}
	if d.IMAP != nil {
		if err := linkUID(ctx, tx, d.IMAP.MailboxID, d.IMAP.UID, id); err != nil {
			return 0, false, fail("record UID", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imap_mailboxes SET last_uid = MAX(last_uid, ?) WHERE id = ?`, d.IMAP.UID, d.IMAP.MailboxID); err != nil {
			return 0, false, fail("record UID", err)
		}
	}
	return id, isNew, nil
}

// listingLimits are the limits the store parses with: it keeps what a
// list shows and the index reads, and of attachments only how many.
var listingLimits = func() mime.Limits {
	l := mime.DefaultLimits
	l.SkipAttachmentSizes = true
	return l
}()

// parseFile reads the listing fields of a message.
func parseFile(path string) (*mime.Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fail("read message file", err)
	}
	defer f.Close()
	m, err := mime.Parse(f, &listingLimits)
	if m == nil {
		m = &mime.Message{Subject: "(unreadable message)"}
	}
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		return nil, fail("read message file", err)
	}
	return m, nil
}

func insertMessage(ctx context.Context, tx *batchTx, d core.Delivery, b Blob, m *mime.Message) (int64, bool, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE folder_id=? AND message_id=? AND blob=?`, d.FolderID, m.MessageID, b.Hash).Scan(&id)
	if err == nil && d.IMAP != nil {
		// A copy found again on the server (after a UIDVALIDITY reset, or
		// moved back after it was expunged) takes the server's flags, which
		// also shows it again if it had been hidden.
		_, err = tx.ExecContext(ctx, `UPDATE messages SET seen=?, flagged=?, answered=?, deleted=?, forwarded=?, gm_msgid = CASE WHEN ? != 0 THEN ? ELSE gm_msgid END WHERE id=?`,
			d.Flags.Seen, d.Flags.Flagged, d.Flags.Answered, d.Flags.Deleted, d.Flags.Forwarded, gmailID(d), gmailID(d), id)
		if err != nil {
			return 0, false, fail("relink message", err)
		}
		return id, false, nil
	}
	if err == nil {
		return id, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fail("find message", err)
	}
	date := m.Date
	if date.IsZero() {
		date = d.InternalDate
	}
	if date.IsZero() {
		date = time.Now()
	}
	var fromName, fromAddr string
	if len(m.From) > 0 {
		fromName, fromAddr = m.From[0].Name, m.From[0].Address
	}
	to := core.DisplayAddresses(m.To)
	res, err := tx.ExecContext(ctx, `
INSERT INTO messages (account_id, folder_id, in_inbox, blob, size, message_id, date, from_name, from_addr, to_addrs, subject, snippet, attachments, seen, flagged, answered, deleted, forwarded, gm_msgid)
VALUES (?, ?, (SELECT CASE WHEN role != 'inbox' THEN 0 WHEN EXISTS (SELECT 1 FROM messages WHERE blob = ? AND in_inbox > 0) THEN 2 ELSE 1 END FROM folders WHERE id = ?), ?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		d.AccountID, d.FolderID, b.Hash, d.FolderID, b.Hash, b.Size, m.MessageID, date.Unix(), fromName, fromAddr, to, m.Subject,
		mime.Snippet(m.Text), len(m.Attachments), d.Flags.Seen, d.Flags.Flagged, d.Flags.Answered, d.Flags.Deleted, d.Flags.Forwarded, gmailID(d))
	if err != nil {
		return 0, false, fail("insert message", err)
	}
	if id, err = res.LastInsertId(); err != nil {
		return 0, false, err
	}
	if err := countInserted(ctx, tx, id, d); err != nil {
		return 0, false, err
	}
	addresses := strings.Join([]string{core.DisplayAddresses(m.From), to, core.DisplayAddresses(m.Cc)}, " ")
	if _, err := tx.ExecContext(ctx, `INSERT INTO messages_fts (rowid, subject, addresses, body) VALUES (?,?,?,?)`, id, m.Subject, addresses, m.Text); err != nil {
		return 0, false, fail("index message", err)
	}
	if err := assignThread(ctx, tx, id, m); err != nil {
		return 0, false, err
	}
	return id, true, nil
}

// gmailID is the X-GM-MSGID a delivery records, as the column holds it:
// the same 64 bits, signed (the driver refuses uint64 values with the
// high bit set).
func gmailID(d core.Delivery) int64 {
	if d.IMAP == nil {
		return 0
	}
	return int64(d.IMAP.GmailID)
}

// countInserted adds a new message, id, to its folder's kept counts
// (see the migration that adds folders.total). Two statements, each
// reading or writing one row by its key, because a statement that may
// write several rows (a trigger's, or an UPDATE ... FROM doing both in
// one) opens a statement journal, whose savepoint makes FTS5 write out
// the terms it holds: for every message stored.
func countInserted(ctx context.Context, tx *batchTx, id int64, d core.Delivery) error {
	if d.Flags.Deleted {
		return nil
	}
	var inInbox int
	if err := tx.QueryRowContext(ctx, `SELECT in_inbox FROM messages WHERE id = ?`, id).Scan(&inInbox); err != nil {
		return fail("count message", err)
	}
	unified, unread := inInbox == 1, !d.Flags.Seen
	_, err := tx.ExecContext(ctx, `UPDATE folders SET total = total + 1, unread = unread + ?, unified_total = unified_total + ?, unified_unread = unified_unread + ? WHERE id = ?`,
		unread, unified, unified && unread, d.FolderID)
	if err != nil {
		return fail("count message", err)
	}
	return nil
}

// settleTwins shows one copy of a blob in the unified inbox, the oldest
// row of those in an inbox (in_inbox 1), and marks the others twins
// (in_inbox 2): after a copy
// moved in or out of an inbox or was removed. A new row needs no call:
// it is the newest, and the insert marks it a twin when an older copy
// is in an inbox.
func settleTwins(ctx context.Context, tx *sql.Tx, blob string) error {
	_, err := tx.ExecContext(ctx, `UPDATE messages SET in_inbox = CASE WHEN id = (SELECT MIN(id) FROM messages WHERE blob = ?1 AND in_inbox > 0) THEN 1 ELSE 2 END
WHERE blob = ?1 AND in_inbox > 0`, blob)
	if err != nil {
		return fail("settle copies in the unified inbox", err)
	}
	return nil
}

package storage

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/core/thread"
)

// threadFields are what threading keeps of a parsed message.
type threadFields struct {
	inReplyTo  string
	refs       []string
	cc         string
	subjectKey string // only when refs is empty: the subject fallback
	reply      bool
}

func threadFieldsOf(m *mime.Message) threadFields {
	f := threadFields{inReplyTo: m.InReplyTo, refs: thread.Refs(m.InReplyTo, m.References), cc: core.DisplayAddresses(m.Cc)}
	if len(f.refs) == 0 {
		f.subjectKey, f.reply = thread.SubjectKey(m.Subject)
	}
	return f
}

// writeThreadFields stores a message's threading headers and its rows
// in message_refs, through tx's prepared statements (the backfill runs
// them for every stored message, a sync for every message it stores).
// thread is the thread_id the message gets meanwhile (-1 in the
// backfill: read, not yet threaded; 0 in assignThread, which threads it
// next).
func writeThreadFields(ctx context.Context, tx *batchTx, thread, id int64, f threadFields) error {
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET in_reply_to=?, refs=?, cc_addrs=?, subject_key=?, subject_reply=?, thread_id=? WHERE id=?`,
		f.inReplyTo, strings.Join(f.refs, " "), f.cc, f.subjectKey, f.reply, thread, id); err != nil {
		return fail("record thread headers", err)
	}
	for _, r := range f.refs {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO message_refs (ref, message) VALUES (?,?)`, r, id); err != nil {
			return fail("record references", err)
		}
	}
	return nil
}

// assignThread gives a message just inserted its thread: it joins the
// thread of every message it shares a Message-ID with (its own, one it
// names, or one named by both), or, naming none, of the messages of its
// subject as core/thread's fallback says; threads it joins become one.
// The thread's ID is the smallest message ID in it, as thread.Build
// gives, so a store threaded message by message and one threaded at once
// agree.
func assignThread(ctx context.Context, tx *batchTx, id int64, m *mime.Message) error {
	f := threadFieldsOf(m)
	if err := writeThreadFields(ctx, tx, 0, id, f); err != nil {
		return err
	}
	ids := f.refs
	if m.MessageID != "" {
		ids = append(ids[:len(ids):len(ids)], m.MessageID)
	}
	found := map[int64]bool{}
	collect := func(q string, args ...any) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fail("find thread", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t int64
			if err := rows.Scan(&t); err != nil {
				return fail("find thread", err)
			}
			found[t] = true
		}
		return rows.Err()
	}
	if len(ids) > 0 {
		in := "(?" + strings.Repeat(",?", len(ids)-1) + ")"
		args := make([]any, 0, len(ids)+1)
		for _, s := range ids {
			args = append(args, s)
		}
		args = append(args, id)
		if err := collect(`SELECT DISTINCT thread_id FROM messages WHERE message_id IN `+in+` AND id != ? AND thread_id > 0`, args...); err != nil {
			return err
		}
		if err := collect(`SELECT DISTINCT m.thread_id FROM message_refs r JOIN messages m ON m.id = r.message WHERE r.ref IN `+in+` AND r.message != ? AND m.thread_id > 0`, args...); err != nil {
			return err
		}
	}
	if f.subjectKey != "" {
		if err := subjectThreads(ctx, tx, f, found); err != nil {
			return err
		}
	}
	target := id
	for t := range found {
		target = min(target, t)
	}
	for t := range found {
		if t == target {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET thread_id = ? WHERE thread_id = ?`, target, t); err != nil {
			return fail("merge threads", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET thread_id = ? WHERE id = ?`, target, id); err != nil {
		return fail("assign thread", err)
	}
	return nil
}

// subjectQuery finds the next thread, above a thread ID, of the messages
// of a subject whose subject_reply is given. The query repeats the
// index's condition (the key is not empty): SQLite uses a partial index
// only when a query implies its condition, and a parameter does not.
const subjectQuery = `SELECT MIN(thread_id) FROM messages WHERE subject_key != '' AND subject_key = ? AND subject_reply = ? AND thread_id > ?`

// subjectThreads adds to found the threads of the messages of f's subject
// that are replies, or of every message of it when f's is a reply too
// (core/thread's fallback). It asks the index for one thread at a time,
// the next above the last: a subject that thousands of messages share is
// almost always one thread, and reading all of them for every message
// stored made a large sync quadratic. The message being threaded is not
// among them: its thread_id is still 0.
func subjectThreads(ctx context.Context, tx *batchTx, f threadFields, found map[int64]bool) error {
	replies := []bool{true}
	if f.reply {
		replies = []bool{false, true}
	}
	for _, reply := range replies {
		last := int64(0)
		for {
			var t sql.NullInt64
			if err := tx.QueryRowContext(ctx, subjectQuery, f.subjectKey, reply, last).Scan(&t); err != nil {
				return fail("find thread", err)
			}
			if !t.Valid {
				break
			}
			found[t.Int64] = true
			last = t.Int64
		}
	}
	return nil
}

// backfillBatch is how many messages one transaction of the backfill
// reads, so that an interrupted backfill keeps what it did and a large
// store never holds the writer for long.
const backfillBatch = 2000

// backfillThreads threads the messages stored before threading existed
// (thread_id 0): it reads each one's headers from its raw file, in
// batches, and then threads the whole store at once with thread.Build.
// Interrupted, it goes on where it stopped at the next Open.
func (db *DB) backfillThreads(ctx context.Context) error {
	start, read := time.Now(), 0
	for {
		n, err := db.backfillHeaders(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		read += n
	}
	var pending bool
	if err := db.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE thread_id = -1)`).Scan(&pending); err != nil {
		return fail("find unthreaded messages", err)
	}
	if !pending {
		return nil
	}
	if err := db.rethreadAll(ctx); err != nil {
		return err
	}
	slog.Info("threaded the stored messages", "read", read, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// backfillHeaders reads the headers of one batch of unthreaded messages.
func (db *DB) backfillHeaders(ctx context.Context) (int, error) {
	type row struct {
		id   int64
		blob string
	}
	var batch []row
	rows, err := db.w.QueryContext(ctx, `SELECT id, blob FROM messages WHERE thread_id = 0 ORDER BY id LIMIT ?`, backfillBatch)
	if err != nil {
		return 0, fail("read unthreaded messages", err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.blob); err != nil {
			rows.Close()
			return 0, fail("read unthreaded messages", err)
		}
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fail("read unthreaded messages", err)
	}
	// Parsing is most of the work, and each file is independent: one
	// goroutine per CPU.
	parsed := make([]*mime.Message, len(batch))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(batch); i += workers {
				m, err := db.parseHeader(batch[i].blob)
				if err != nil {
					// Threaded by what the listing knows: a lost file
					// must not stop the store from opening.
					slog.Warn("thread a stored message without its headers", "message", batch[i].id, "err", err)
					m = &mime.Message{}
				}
				parsed[i] = m
			}
		})
	}
	wg.Wait()
	err = db.withTx(ctx, func(sqltx *sql.Tx) error {
		tx := newBatchTx(sqltx)
		defer tx.close()
		for i, r := range batch {
			m := parsed[i]
			if m.Subject == "" {
				// The listing's subject, for the fallback, when the file
				// could not tell.
				if err := tx.QueryRowContext(ctx, `SELECT subject FROM messages WHERE id = ?`, r.id).Scan(&m.Subject); err != nil {
					return fail("read subject", err)
				}
			}
			if err := writeThreadFields(ctx, tx, -1, r.id, threadFieldsOf(m)); err != nil {
				return err
			}
		}
		return nil
	})
	return len(batch), err
}

// parseHeader parses only the header of a stored message: threading needs
// nothing of the body, and reading a large attachment for it would make
// the backfill of a big store slow.
func (db *DB) parseHeader(blob string) (*mime.Message, error) {
	f, err := os.Open(db.blobPath(blob))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hdr bytes.Buffer
	r := bufio.NewReader(io.LimitReader(f, 1<<20))
	for {
		line, err := r.ReadSlice('\n')
		hdr.Write(line)
		if err != nil || len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
	}
	hdr.WriteString("\r\n")
	m, err := mime.Parse(&hdr, nil)
	if m == nil {
		return nil, err
	}
	return m, nil
}

// rethreadAll threads every message at once, in memory, and writes the
// thread IDs in batches.
func (db *DB) rethreadAll(ctx context.Context) error {
	rows, err := db.w.QueryContext(ctx, `SELECT id, message_id, refs, subject, date FROM messages`)
	if err != nil {
		return fail("read messages to thread", err)
	}
	var msgs []thread.Message
	for rows.Next() {
		var m thread.Message
		var refs string
		var date int64
		if err := rows.Scan(&m.Key, &m.MessageID, &refs, &m.Subject, &date); err != nil {
			rows.Close()
			return fail("read messages to thread", err)
		}
		m.Refs = strings.Fields(refs)
		m.Date = time.Unix(date, 0)
		msgs = append(msgs, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail("read messages to thread", err)
	}
	type assign struct{ id, thread int64 }
	var all []assign
	for _, t := range thread.Build(msgs) {
		for _, m := range t.Messages {
			all = append(all, assign{m.Key, t.ID})
		}
	}
	for len(all) > 0 {
		n := min(len(all), 20*backfillBatch)
		err := db.withTx(ctx, func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, `UPDATE messages SET thread_id = ? WHERE id = ? AND thread_id != ?`)
			if err != nil {
				return fail("assign threads", err)
			}
			defer stmt.Close()
			for _, a := range all[:n] {
				if _, err := stmt.ExecContext(ctx, a.thread, a.id, a.thread); err != nil {
					return fail("assign threads", err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		all = all[n:]
	}
	return nil
}

// Thread returns the conversation of message id, oldest first, across
// folders and accounts.
func (db *DB) Thread(ctx context.Context, id int64) ([]core.MessageSummary, error) {
	var tid int64
	err := db.sql.QueryRowContext(ctx, `SELECT thread_id FROM messages WHERE id = ?`, id).Scan(&tid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fail("find thread", err)
	}
	return db.summaries(ctx, `SELECT `+summaryColumns+summaryFrom+` WHERE m.thread_id = ? AND (m.deleted = 0 OR m.id = ?) ORDER BY m.date, m.id`, tid, id)
}

func (db *DB) summaries(ctx context.Context, q string, args ...any) ([]core.MessageSummary, error) {
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fail("list messages", err)
	}
	defer rows.Close()
	var out []core.MessageSummary
	for rows.Next() {
		m, err := scanSummary(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ThreadRow is one conversation of the list with the summary of its
// newest message: the message a conversation row opens and acts on.
type ThreadRow struct {
	core.ThreadSummary
	Newest core.MessageSummary
}

// Threads returns one page of the conversations with a message in the
// list q selects (the unified inbox, a folder, a search), newest activity
// first. Each counts all of its messages, wherever they are filed: your
// replies in Sent belong to the conversation.
func (db *DB) Threads(ctx context.Context, q ListQuery) ([]core.ThreadSummary, error) {
	rows, err := db.ThreadRows(ctx, q)
	out := make([]core.ThreadSummary, len(rows))
	for i, r := range rows {
		out[i] = r.ThreadSummary
	}
	return out, err
}

// ThreadRows is Threads with each conversation's newest message.
func (db *DB) ThreadRows(ctx context.Context, q ListQuery) ([]ThreadRow, error) {
	ids, err := db.threadPage(ctx, q)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	msgs, err := db.summaries(ctx, `SELECT `+summaryColumns+summaryFrom+` WHERE m.thread_id IN (?`+strings.Repeat(",?", len(ids)-1)+`) AND m.deleted = 0 ORDER BY m.date, m.id`, ids...)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*ThreadRow{}
	for _, m := range msgs {
		t := byID[m.ThreadID]
		if t == nil {
			t = &ThreadRow{ThreadSummary: core.ThreadSummary{ID: m.ThreadID, Subject: m.Subject}}
			byID[m.ThreadID] = t
		}
		t.Count++
		if !m.Seen {
			t.Unread++
		}
		who := m.FromName
		if who == "" {
			who = m.FromAddr
		}
		if who != "" && !containsFold(t.Participants, who) {
			t.Participants = append(t.Participants, who)
		}
		t.Date, t.Account, t.Latest, t.Newest = m.Date, m.Account, m.ID, m
	}
	out := make([]ThreadRow, 0, len(ids))
	for _, id := range ids {
		if t := byID[id.(int64)]; t != nil {
			out = append(out, *t)
		}
	}
	return out, nil
}

// threadPage returns the thread IDs of one page of conversations. A
// conversation's place is that of its newest message in the list, so the
// messages are walked in the list's own order (newest first, off the same
// index as List) and each thread is taken where it first appears; the
// walk stops at the end of the page. Grouping every matching message by
// thread and sorting the groups instead read the whole list: 200 ms on
// 100k messages for the first page, against a few ms this way.
func (db *DB) threadPage(ctx context.Context, q ListQuery) ([]any, error) {
	where, args, err := db.withLonger(ctx, q).where(db.blobs)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT m.thread_id FROM messages m`+where+` ORDER BY m.date DESC, m.id DESC`, args...)
	if err != nil {
		return nil, fail("list threads", err)
	}
	defer rows.Close()
	seen := map[int64]bool{}
	var ids []any
	for len(ids) < q.Limit && rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fail("list threads", err)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		if len(seen) > q.Offset {
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fail("list threads", err)
	}
	return ids, nil
}

// CountThreads returns how many conversations have a message in the list
// q selects: the length of the conversations list.
func (db *DB) CountThreads(ctx context.Context, q ListQuery) (int, error) {
	where, args, err := db.withLonger(ctx, q).where(db.blobs)
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(DISTINCT m.thread_id) FROM messages m`+where, args...).Scan(&n); err != nil {
		return 0, fail("count threads", err)
	}
	return n, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

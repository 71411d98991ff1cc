package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	tmime "github.com/tributary-mail/tributary/core/mime"
)

// DraftStore is what the engine needs of the store to keep the drafts of
// IMAP accounts in the servers' Drafts mailboxes (see SaveDraft).
type DraftStore interface {
	Draft(ctx context.Context, id int64) (core.Draft, error)
	SaveDraftJournaled(ctx context.Context, d *core.Draft, raw []byte, sources []int64) error
	DeleteDraftJournaled(ctx context.Context, id int64, msgid string, sources []int64) error
	AdoptServerDraft(ctx context.Context, d *core.Draft) (bool, error)
}

// DefaultDraftPushEvery is how often, at most, a draft being written is
// uploaded to its server. The composer saves a few seconds after each
// change; each save replaces the upload still waiting, so the server
// sees a version at most this often (and the last one in any case).
const DefaultDraftPushEvery = 30 * time.Second

// draftPushes remembers when each draft was last handed to its server,
// and the timer that hands over the version saved since.
type draftPushes struct {
	mu     sync.Mutex
	last   map[int64]time.Time
	timers map[int64]*time.Timer
}

// SaveDraft stores a draft the user is writing (setting its ID) and tells
// subscribers, so that every window listing drafts follows. For an
// account with IMAP sources the draft also goes, as a message flagged
// \Draft, to each server's Drafts mailbox (created when missing),
// replacing the version there: through the journal, so that a draft
// saved offline goes out later, and at most every Options.DraftPushEvery.
// A POP3-only account keeps its drafts here only.
func (e *Engine) SaveDraft(ctx context.Context, d *core.Draft) error {
	if d.MessageID == "" && d.ID != 0 {
		// The composer knows its draft by ID only: the versions on the
		// server keep the Message-ID the draft already has.
		if old, err := e.store.Draft(ctx, d.ID); err == nil {
			d.MessageID = old.MessageID
		}
	}
	a, sources, err := e.draftSources(ctx, d.AccountID)
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		if err := e.store.SaveDraft(ctx, d); err != nil {
			return err
		}
		e.publish(Event{Kind: EventDrafts})
		return nil
	}
	from := e.draftSender(ctx, a, d.From)
	if d.MessageID == "" {
		d.MessageID = rand.Text() + "@" + domainOf(from.Address)
	}
	var raw bytes.Buffer
	if err := buildDraft(&raw, d, from, e.opts.Now()); err != nil {
		return err
	}
	if err := e.store.SaveDraftJournaled(ctx, d, raw.Bytes(), sources); err != nil {
		return err
	}
	e.publish(Event{Kind: EventDrafts})
	e.pushDraft(ctx, d.ID, sources)
	return nil
}

// DeleteDraft removes a draft (sent or discarded), and its versions in
// the servers' Drafts mailboxes.
func (e *Engine) DeleteDraft(ctx context.Context, id int64) error {
	// A draft already gone (deleted from another window) has nothing
	// left on the servers to remove but what its deletion journalled.
	d, err := e.store.Draft(ctx, id)
	e.stopDraftTimer(id)
	var sources []int64
	if err == nil && d.MessageID != "" {
		if _, sources, err = e.draftSources(ctx, d.AccountID); err != nil {
			return err
		}
	}
	if len(sources) == 0 {
		err = e.store.DeleteDraft(ctx, id)
	} else {
		err = e.store.DeleteDraftJournaled(ctx, id, d.MessageID, sources)
	}
	if err != nil {
		return err
	}
	e.publish(Event{Kind: EventDrafts})
	if len(sources) > 0 {
		e.replayDrafts(ctx, sources)
	}
	return nil
}

// draftSources finds a draft's account and its IMAP sources; none for a
// draft of no account or of a POP3-only one.
func (e *Engine) draftSources(ctx context.Context, accountID int64) (core.Account, []int64, error) {
	if accountID == 0 {
		return core.Account{}, nil, nil
	}
	accounts, err := e.store.Accounts(ctx)
	if err != nil {
		return core.Account{}, nil, err
	}
	for _, a := range accounts {
		if a.ID != accountID {
			continue
		}
		var ids []int64
		for _, s := range a.Sources {
			if s.Protocol == core.ProtocolIMAP {
				ids = append(ids, s.ID)
			}
		}
		return a, ids, nil
	}
	return core.Account{}, nil, nil // the account was removed: the draft stays here
}

// draftSender is the From of a draft's server copy: the identity it was
// written from, or the account's own address when that identity is gone
// (a draft is kept whatever it says).
func (e *Engine) draftSender(ctx context.Context, a core.Account, from string) *mail.Address {
	var addr *mail.Address
	if from != "" {
		addr = &mail.Address{Address: from}
	}
	id, err := e.sender(ctx, a, addr)
	if err != nil {
		id = core.PrimaryIdentity(a)
	}
	return &mail.Address{Name: id.DisplayName, Address: id.Email}
}

// pushDraft hands draft id's journalled version to its servers now, or,
// when the last one went less than DraftPushEvery ago, when that time is
// up: the composer saves every few seconds, and each save replaces the
// version still waiting in the journal.
func (e *Engine) pushDraft(ctx context.Context, id int64, sources []int64) {
	every := e.opts.DraftPushEvery
	if every == 0 {
		every = DefaultDraftPushEvery
	}
	now := time.Now()
	p := &e.draftPushes
	p.mu.Lock()
	if p.last == nil {
		p.last, p.timers = map[int64]time.Time{}, map[int64]*time.Timer{}
	}
	wait := every - now.Sub(p.last[id])
	if every < 0 || wait <= 0 {
		p.last[id] = now
		p.mu.Unlock()
		e.replayDrafts(ctx, sources)
		return
	}
	if p.timers[id] == nil {
		base := context.WithoutCancel(ctx)
		p.timers[id] = time.AfterFunc(wait, func() {
			p.mu.Lock()
			delete(p.timers, id)
			p.last[id] = time.Now()
			p.mu.Unlock()
			e.replayDrafts(base, sources)
		})
	}
	p.mu.Unlock()
}

// PushDraft hands draft id's latest version to its servers now, without
// waiting for DraftPushEvery: its composer was closed, so no newer
// version is coming soon. A draft of a POP3-only account has nothing to
// push.
func (e *Engine) PushDraft(ctx context.Context, id int64) error {
	d, err := e.store.Draft(ctx, id)
	if err != nil {
		return err
	}
	_, sources, err := e.draftSources(ctx, d.AccountID)
	if err != nil || len(sources) == 0 || d.MessageID == "" {
		return err
	}
	e.stopDraftTimer(id)
	e.draftPushes.mu.Lock()
	if e.draftPushes.last != nil {
		e.draftPushes.last[id] = time.Now()
	}
	e.draftPushes.mu.Unlock()
	e.replayDrafts(ctx, sources)
	return nil
}

func (e *Engine) stopDraftTimer(id int64) {
	p := &e.draftPushes
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.timers[id]; t != nil {
		t.Stop()
		delete(p.timers, id)
	}
	delete(p.last, id)
}

// replayDrafts replays the journal of sources. The draft is saved here
// whatever the server says; a server out of reach gets it later.
func (e *Engine) replayDrafts(ctx context.Context, sources []int64) {
	if err := e.replay(ctx, sources); err != nil {
		e.log.Info("draft kept here until its server can be reached", "error", err)
	}
}

// appendDraft uploads a draft's version (a journalled append for the
// Drafts role) and removes the versions it replaces.
func (e *Engine) appendDraft(ctx context.Context, c *imap.Client, en core.JournalEntry) error {
	f, size, err := e.entryFile(en, "draft")
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = c.ReplaceDraft(ctx, en.HeaderID, f, size)
	return err
}

// adoptServerDrafts brings the messages new in a server's Drafts mailbox
// into the drafts, where the composer opens them: a draft written on
// another client, or a newer version of one written here (the later
// write wins; see storage AdoptServerDraft).
func (e *Engine) adoptServerDrafts(ctx context.Context, a core.Account, ids []int64) {
	changed := false
	for _, id := range ids {
		d, err := e.serverDraft(ctx, a, id)
		if err == nil {
			var ok bool
			ok, err = e.store.AdoptServerDraft(ctx, &d)
			changed = changed || ok
		}
		if err != nil {
			e.log.Warn("server draft not brought into the drafts", "account", a.Name, "message", id, "error", err)
		}
	}
	if changed {
		e.publish(Event{Kind: EventDrafts})
	}
}

// serverDraft reads stored message id as a draft of account a.
func (e *Engine) serverDraft(ctx context.Context, a core.Account, id int64) (core.Draft, error) {
	_, blob, err := e.store.Message(ctx, id)
	if err != nil {
		return core.Draft{}, err
	}
	f, err := e.store.OpenBlob(blob)
	if err != nil {
		return core.Draft{}, &core.StorageError{Op: "read server draft", Err: err}
	}
	defer f.Close()
	m, err := tmime.Parse(f, nil)
	if err != nil {
		return core.Draft{}, fmt.Errorf("read server draft: %w", err)
	}
	d := core.Draft{
		AccountID: a.ID, MessageID: m.MessageID, To: joinList(m.To), Cc: joinList(m.Cc),
		Subject: m.Subject, Body: m.Text, InReplyTo: m.InReplyTo, References: m.References, Updated: m.Date,
	}
	if len(m.From) > 0 && !strings.EqualFold(m.From[0].Address, a.Email) {
		d.From = m.From[0].Address
	}
	// Bcc is kept in a draft (it is not sent yet) but not in the parsed
	// listing fields: read it from the header.
	if _, err := f.Seek(0, io.SeekStart); err == nil {
		if msg, err := mail.ReadMessage(f); err == nil {
			if bcc, err := msg.Header.AddressList("Bcc"); err == nil {
				d.Bcc = joinList(bcc)
			}
		}
	}
	if d.Updated.IsZero() {
		d.Updated = e.opts.Now()
	}
	return d, nil
}

func joinList(list []*mail.Address) string {
	out := make([]string, len(list))
	for i, a := range list {
		// As a person types it, not RFC 2047-encoded as String() does.
		out[i] = a.Address
		if a.Name != "" {
			out[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a.Name) + `" <` + a.Address + ">"
		}
	}
	return strings.Join(out, ", ")
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "tributary.invalid"
}

// buildDraft writes d as an RFC 5322 message: its headers as typed
// (addresses that do not parse yet are kept as text), Bcc included since
// it is not sent, and the text as quoted-printable UTF-8. Attachments
// stay here: the server copy carries only the text (see README).
func buildDraft(w *bytes.Buffer, d *core.Draft, from *mail.Address, now time.Time) error {
	h := func(name, value string) {
		if value = oneLine(value); value != "" {
			fmt.Fprintf(w, "%s: %s\r\n", name, value)
		}
	}
	h("From", from.String())
	h("To", addrHeader(d.To))
	h("Cc", addrHeader(d.Cc))
	h("Bcc", addrHeader(d.Bcc))
	h("Subject", mime.QEncoding.Encode("utf-8", oneLine(d.Subject)))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+d.MessageID+">")
	if d.InReplyTo != "" {
		h("In-Reply-To", "<"+d.InReplyTo+">")
	}
	if len(d.References) > 0 {
		refs := make([]string, len(d.References))
		for i, r := range d.References {
			refs[i] = "<" + oneLine(r) + ">"
		}
		fmt.Fprintf(w, "References: %s\r\n", strings.Join(refs, "\r\n "))
	}
	w.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(w)
	body := strings.ReplaceAll(strings.ReplaceAll(d.Body, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return fmt.Errorf("build draft: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("build draft: %w", err)
	}
	w.WriteString("\r\n")
	return nil
}

// addrHeader is an address field as the user typed it: formatted (names
// encoded) when it parses, else the text itself, so that a half-typed
// address survives the round trip through the server.
func addrHeader(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	list, err := mail.ParseAddressList(s)
	if err != nil {
		return s
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.String()
	}
	return strings.Join(out, ", ")
}

// oneLine keeps a header value on its line: a CR or LF typed into a field
// must not start a header of its own.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// ContactInUseError is a save that gives a contact an address another
// (not deleted) contact holds.
type ContactInUseError struct {
	Address string
	Owner   string // the other contact's name, or its first address
}

func (e *ContactInUseError) Error() string {
	return fmt.Sprintf("%s belongs to the contact %q already: add it there, or remove it from that contact first", e.Address, e.Owner)
}

// addrStat is what the newest messages say about one address.
type addrStat struct {
	addr     string // as first seen
	name     string // the newest name seen with it
	sent     int
	received int
	copied   int
	last     time.Time
	score    float64
}

// addressStats reads the newest addressScan messages and weighs every
// address they name (core.ContactWeight): recipients of mail sent from
// one's own addresses (or filed in a Sent folder), senders of the rest,
// and fellow recipients of the rest. Drafts count for nothing. Keys are
// lower-case addresses.
func (db *DB) addressStats(ctx context.Context, now time.Time) (map[string]*addrStat, error) {
	own := map[string]bool{}
	accounts, err := db.sql.QueryContext(ctx, `SELECT email FROM accounts`)
	if err != nil {
		return nil, fail("contacts: own addresses", err)
	}
	for accounts.Next() {
		var e string
		if err := accounts.Scan(&e); err != nil {
			accounts.Close()
			return nil, fail("contacts: own addresses", err)
		}
		own[strings.ToLower(e)] = true
	}
	accounts.Close()

	rows, err := db.sql.QueryContext(ctx, `SELECT m.from_name, m.from_addr, m.to_addrs, m.cc_addrs, m.date, f.role
		FROM messages m JOIN folders f ON f.id = m.folder_id
		WHERE m.deleted = 0 ORDER BY m.date DESC, m.id DESC LIMIT ?`, addressScan)
	if err != nil {
		return nil, fail("contacts: read addresses", err)
	}
	defer rows.Close()
	stats := map[string]*addrStat{}
	add := func(name, addr string, at time.Time, weight float64, count func(*addrStat)) {
		addr = strings.TrimSpace(addr)
		if !plausibleAddress(addr) {
			return
		}
		key := strings.ToLower(addr)
		s := stats[key]
		if s == nil {
			s = &addrStat{addr: addr}
			stats[key] = s
		}
		if s.name == "" {
			s.name = strings.TrimSpace(name)
		}
		count(s)
		if at.After(s.last) {
			s.last = at
		}
		s.score += core.ContactWeight(weight, at, now)
	}
	countSent := func(s *addrStat) { s.sent++ }
	countReceived := func(s *addrStat) { s.received++ }
	countCopied := func(s *addrStat) { s.copied++ }
	for rows.Next() {
		var fromName, fromAddr, to, cc, role string
		var date int64
		if err := rows.Scan(&fromName, &fromAddr, &to, &cc, &date, &role); err != nil {
			return nil, fail("contacts: read addresses", err)
		}
		if role == core.RoleDrafts {
			continue
		}
		at := time.Unix(date, 0)
		recipients := append(splitStoredAddresses(to), splitStoredAddresses(cc)...)
		if role == core.RoleSent || own[strings.ToLower(strings.TrimSpace(fromAddr))] {
			for _, r := range recipients {
				add(r.Name, r.Address, at, core.WeightSent, countSent)
			}
			continue
		}
		add(fromName, fromAddr, at, core.WeightReceived, countReceived)
		for _, r := range recipients {
			// One's own address is on every message received: it is
			// a contact only when one writes to it.
			if !own[strings.ToLower(r.Address)] {
				add(r.Name, r.Address, at, core.WeightCopied, countCopied)
			}
		}
	}
	return stats, rows.Err()
}

// collectable says whether mail alone makes an address a contact: any
// address one wrote to, and those that wrote or were copied, unless they
// are noreply addresses.
func (s *addrStat) collectable() bool {
	return s.sent > 0 || !core.IsNoReply(s.addr)
}

// savedContact is a row of contacts with its addresses.
type savedContact struct {
	core.Contact
	deleted bool
}

// savedContacts reads every row of the address book, deleted ones too,
// in ID order, through q (the reader pool or a transaction).
func savedContacts(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]*savedContact, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.name, c.phones, c.notes, c.deleted, COALESCE(a.address, '')
		FROM contacts c LEFT JOIN contact_addresses a ON a.contact = c.id ORDER BY c.id, a.position`)
	if err != nil {
		return nil, fail("read contacts", err)
	}
	defer rows.Close()
	var out []*savedContact
	for rows.Next() {
		var c savedContact
		var phones, addr string
		if err := rows.Scan(&c.ID, &c.Name, &phones, &c.Notes, &c.deleted, &addr); err != nil {
			return nil, fail("read contacts", err)
		}
		if n := len(out); n > 0 && out[n-1].ID == c.ID {
			out[n-1].Emails = append(out[n-1].Emails, addr)
			continue
		}
		if err := json.Unmarshal([]byte(phones), &c.Phones); err != nil {
			return nil, fail(fmt.Sprintf("contact %d phones", c.ID), err)
		}
		if addr != "" {
			c.Emails = []string{addr}
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// Contacts returns the address book, best ranked first (then by name):
// the contacts saved by the user, and one contact for every address of
// recent mail that no saved or deleted contact holds.
func (db *DB) Contacts(ctx context.Context) ([]core.Contact, error) {
	return db.contactsAt(ctx, time.Now())
}

func (db *DB) contactsAt(ctx context.Context, now time.Time) ([]core.Contact, error) {
	stats, err := db.addressStats(ctx, now)
	if err != nil {
		return nil, err
	}
	saved, err := savedContacts(ctx, db.sql)
	if err != nil {
		return nil, err
	}
	claimed := map[string]bool{}
	var out []core.Contact
	for _, s := range saved {
		for _, e := range s.Emails {
			claimed[strings.ToLower(e)] = true
		}
		if s.deleted {
			continue
		}
		c := s.Contact
		for _, e := range c.Emails {
			if st := stats[strings.ToLower(e)]; st != nil {
				addStat(&c, st)
			}
		}
		out = append(out, c)
	}
	for key, st := range stats {
		if claimed[key] || !st.collectable() {
			continue
		}
		c := core.Contact{Name: st.name, Emails: []string{st.addr}}
		addStat(&c, st)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b core.Contact) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), strings.Compare(sortKey(a), sortKey(b)))
	})
	return out, nil
}

func addStat(c *core.Contact, st *addrStat) {
	c.Sent += st.sent
	c.Received += st.received
	c.Score += st.score
	if st.last.After(c.Last) {
		c.Last = st.last
	}
	if c.Name == "" && c.Collected() {
		c.Name = st.name
	}
}

func sortKey(c core.Contact) string {
	k := strings.ToLower(c.Name)
	if len(c.Emails) > 0 {
		k += "\x00" + strings.ToLower(c.Emails[0])
	}
	return k
}

// Contact returns the saved contact id (not a deleted one), with what
// mail says about it.
func (db *DB) Contact(ctx context.Context, id int64) (core.Contact, error) {
	all, err := db.Contacts(ctx)
	if err != nil {
		return core.Contact{}, err
	}
	for _, c := range all {
		if c.ID == id {
			return c, nil
		}
	}
	return core.Contact{}, fail(fmt.Sprintf("contact %d", id), ErrNotFound)
}

// SaveContact writes c (normalized first) and sets its ID: a new contact
// when c.ID is 0, else it replaces the saved one. An address held by a
// deleted contact passes to c; one held by another contact is refused
// with a *ContactInUseError.
func (db *DB) SaveContact(ctx context.Context, c *core.Contact) error {
	if err := c.Normalize(); err != nil {
		return err
	}
	return db.withTx(ctx, func(tx *sql.Tx) error { return saveContact(ctx, tx, c) })
}

func saveContact(ctx context.Context, tx *sql.Tx, c *core.Contact) error {
	for _, e := range c.Emails {
		var owner int64
		var name, first string
		var deleted bool
		err := tx.QueryRowContext(ctx, `SELECT c.id, c.name, c.deleted, (SELECT address FROM contact_addresses WHERE contact = c.id ORDER BY position LIMIT 1)
			FROM contact_addresses a JOIN contacts c ON c.id = a.contact WHERE a.address = ?`, e).Scan(&owner, &name, &deleted, &first)
		if errors.Is(err, sql.ErrNoRows) || owner == c.ID || deleted {
			continue
		}
		if err != nil {
			return fail("save contact", err)
		}
		return &ContactInUseError{Address: e, Owner: cmp.Or(name, first)}
	}
	phones, _ := json.Marshal(nonNil(c.Phones))
	now := time.Now().Unix()
	if c.ID != 0 {
		res, err := tx.ExecContext(ctx, `UPDATE contacts SET name = ?, phones = ?, notes = ?, deleted = 0, updated_at = ? WHERE id = ?`, c.Name, string(phones), c.Notes, now, c.ID)
		if err != nil {
			return fail("save contact", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fail(fmt.Sprintf("save contact %d", c.ID), ErrNotFound)
		}
	} else {
		res, err := tx.ExecContext(ctx, `INSERT INTO contacts (name, phones, notes, updated_at) VALUES (?, ?, ?, ?)`, c.Name, string(phones), c.Notes, now)
		if err != nil {
			return fail("save contact", err)
		}
		if c.ID, err = res.LastInsertId(); err != nil {
			return fail("save contact", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM contact_addresses WHERE contact = ?`, c.ID); err != nil {
		return fail("save contact", err)
	}
	for i, e := range c.Emails {
		// INSERT OR REPLACE takes the address from a deleted contact.
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO contact_addresses (address, contact, position) VALUES (?, ?, ?)`, e, c.ID, i); err != nil {
			return fail("save contact", err)
		}
	}
	return nil
}

// DeleteContact removes a contact from the address book: a saved one by
// its ID, a collected one by its address. Either way its addresses are
// remembered as deleted, so that mail does not bring them back.
func (db *DB) DeleteContact(ctx context.Context, c core.Contact) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		if c.ID != 0 {
			res, err := tx.ExecContext(ctx, `UPDATE contacts SET deleted = 1, updated_at = ? WHERE id = ? AND deleted = 0`, time.Now().Unix(), c.ID)
			if err != nil {
				return fail("delete contact", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fail(fmt.Sprintf("delete contact %d", c.ID), ErrNotFound)
			}
			return nil
		}
		if len(c.Emails) == 0 {
			return errors.New("delete contact: a collected contact is named by its address")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO contacts (name, phones, notes, deleted, updated_at) VALUES (?, '[]', '', 1, ?)`, c.Name, time.Now().Unix())
		if err != nil {
			return fail("delete contact", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fail("delete contact", err)
		}
		for i, e := range c.Emails {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO contact_addresses (address, contact, position) VALUES (?, ?, ?)`, strings.TrimSpace(e), id, i); err != nil {
				return fail("delete contact", err)
			}
		}
		return nil
	})
}

// ImportContacts saves contacts read from a file, in one transaction. A
// contact sharing an address with a saved contact (deleted ones
// included: importing is the user asking for it) is merged into that
// one: the addresses and phones are joined, and the name and notes of
// the file win where it has them. The rest are added.
func (db *DB) ImportContacts(ctx context.Context, list []core.Contact) (core.ContactsImported, error) {
	var rep core.ContactsImported
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		rep = core.ContactsImported{}
		saved, err := savedContacts(ctx, tx)
		if err != nil {
			return err
		}
		byAddr := map[string]*savedContact{}
		for _, s := range saved {
			for _, e := range s.Emails {
				byAddr[strings.ToLower(e)] = s
			}
		}
		for i, c := range list {
			if err := c.Normalize(); err != nil {
				return fmt.Errorf("contact %d (%s): %w", i+1, contactLabel(c), err)
			}
			var into *savedContact
			for _, e := range c.Emails {
				if into = byAddr[strings.ToLower(e)]; into != nil {
					break
				}
			}
			if into == nil {
				c.ID = 0
				if err := saveContact(ctx, tx, &c); err != nil {
					return fmt.Errorf("contact %d (%s): %w", i+1, contactLabel(c), err)
				}
				s := &savedContact{Contact: c}
				for _, e := range c.Emails {
					byAddr[strings.ToLower(e)] = s
				}
				rep.Added++
				continue
			}
			m := into.Contact
			if into.deleted {
				// A revived contact starts from the file alone.
				m = core.Contact{ID: into.ID}
			}
			m.Name = cmp.Or(c.Name, m.Name)
			m.Notes = cmp.Or(c.Notes, m.Notes)
			m.Emails = append(slices.Clone(m.Emails), c.Emails...)
			m.Phones = append(slices.Clone(m.Phones), c.Phones...)
			if err := m.Normalize(); err != nil {
				return fmt.Errorf("contact %d (%s): %w", i+1, contactLabel(m), err)
			}
			if err := saveContact(ctx, tx, &m); err != nil {
				return fmt.Errorf("contact %d (%s): %w", i+1, contactLabel(m), err)
			}
			into.Contact, into.deleted = m, false
			for _, e := range m.Emails {
				byAddr[strings.ToLower(e)] = into
			}
			rep.Merged++
		}
		return nil
	})
	return rep, err
}

// contactLabel names a contact in an error: its name, else its addresses.
func contactLabel(c core.Contact) string {
	return cmp.Or(c.Name, strings.Join(c.Emails, ", "))
}

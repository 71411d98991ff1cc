package core

import (
	"math"
	"strings"
	"time"
)

// Contact is an entry of the address book. A contact with ID 0 was
// collected from mail and never edited: it has one address, the name last
// seen with it, and lives only as long as mail mentions it. Saving one
// (an edit or an import) makes it the user's: from then on collection
// never changes it, and deleting it keeps its addresses from being
// collected again.
type Contact struct {
	ID     int64    `json:"id,omitempty"`
	Name   string   `json:"name"`
	Emails []string `json:"emails"`
	Phones []string `json:"phones,omitempty"`
	Notes  string   `json:"notes,omitempty"`

	// What mail says about the contact's addresses (read, never saved).
	Sent     int       `json:"sent"`            // messages you sent to it
	Received int       `json:"received"`        // messages it sent you
	Last     time.Time `json:"last,omitzero"`   // the newest of those
	Score    float64   `json:"score,omitempty"` // see ContactWeight
}

// Collected reports whether the contact comes from mail alone.
func (c Contact) Collected() bool { return c.ID == 0 }

// The ranking of contacts (docs/CONTACTS.md). Each message adds to each
// address it names a weight that halves every ContactHalfLife of age: a
// message you sent weighs WeightSent, one you received WeightReceived,
// and being a fellow recipient of received mail WeightCopied. The sum
// grows with how often and shrinks with how long ago, so someone written
// to weekly outranks a sender of one old newsletter, and someone written
// to yesterday outranks someone written to often years ago.
const (
	WeightSent      = 3.0
	WeightReceived  = 1.0
	WeightCopied    = 0.25
	ContactHalfLife = 60 * 24 * time.Hour
)

// ContactWeight is what one message of weight w, dated at, adds to an
// address's score at now. A date in the future counts as now.
func ContactWeight(w float64, at, now time.Time) float64 {
	age := now.Sub(at)
	if age < 0 {
		age = 0
	}
	return w * math.Exp2(-float64(age)/float64(ContactHalfLife))
}

// IsNoReply reports an address that nobody reads (noreply@,
// no-reply@, donotreply@, mailer-daemon@ ...): mail from it is not
// collected as a contact.
func IsNoReply(addr string) bool {
	local, _, _ := strings.Cut(strings.ToLower(addr), "@")
	local = strings.NewReplacer("-", "", "_", "", ".", "").Replace(local)
	for _, p := range []string{"noreply", "donotreply", "mailerdaemon", "postmaster", "bounce"} {
		if strings.HasPrefix(local, p) {
			return true
		}
	}
	return false
}

// Normalize tidies a contact for saving (spaces trimmed, empty and
// repeated addresses and phones dropped, ignoring case for addresses)
// and checks it: it needs a name or an address, and every address must
// be a bare address. The error names the field, as a FieldError.
func (c *Contact) Normalize() error {
	c.Name = strings.TrimSpace(c.Name)
	c.Notes = strings.TrimSpace(c.Notes)
	c.Emails = tidy(c.Emails, strings.ToLower)
	c.Phones = tidy(c.Phones, func(s string) string { return s })
	for _, e := range c.Emails {
		if err := CheckAddress(e); err != nil {
			return FieldError{Field: "emails", Label: "Address " + e, Problem: err.Error()}
		}
	}
	if c.Name == "" && len(c.Emails) == 0 {
		return FieldError{Field: "name", Label: "Contact", Problem: "give a name or an address"}
	}
	return nil
}

// tidy trims every value and drops the empty ones and those whose key
// was seen before, keeping the order.
func tidy(list []string, key func(string) string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range list {
		v = strings.TrimSpace(v)
		if v == "" || seen[key(v)] {
			continue
		}
		seen[key(v)] = true
		out = append(out, v)
	}
	return out
}

// ContactsImported says what an import of contacts did.
type ContactsImported struct {
	Added  int `json:"added"`  // new contacts
	Merged int `json:"merged"` // merged into a saved contact with a shared address
}

package core

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
)

// Identity is one address an account sends as: the account's own (its
// first identity, at Position 0) or an alias added by the user. Every
// identity sends through its account's SMTP server, with its own address
// as the envelope sender.
type Identity struct {
	// ID is the stored row; 0 for an account's first identity that has
	// no settings of its own yet.
	ID        int64
	AccountID int64
	// Account is the account's name, filled in when identities are read,
	// so that a list of every identity can name them.
	Account string
	// Position orders an account's identities; 0 is the account's own,
	// whose DisplayName and Email are always the account's (edited with
	// the account), so the two never drift apart.
	Position    int
	DisplayName string
	Email       string
	// ReplyTo, when set, is written as the Reply-To of what this
	// identity sends.
	ReplyTo string
	// BccSelf sends a blind copy of every message to the identity itself.
	BccSelf bool
	// Signature is plain text (Markdown once the composer renders it),
	// without the "-- " separator, which the composer adds.
	Signature string
	// PlainTextOnly makes the composer start in plain text for this
	// identity.
	PlainTextOnly bool
}

// MaxSignature bounds a signature: it is inserted into every message, and
// a signature of a megabyte is a mistake.
const MaxSignature = 10 << 10

// PrimaryIdentity is account a's first identity, as derived from the
// account itself: its display name and address, with no other settings.
func PrimaryIdentity(a Account) Identity {
	return Identity{AccountID: a.ID, Account: a.Name, DisplayName: a.DisplayName, Email: a.Email}
}

// Primary reports whether i is its account's own identity, which cannot
// be removed.
func (i Identity) Primary() bool { return i.Position == 0 }

// From is the identity as an RFC 5322 address.
func (i Identity) From() *mail.Address {
	return &mail.Address{Name: i.DisplayName, Address: i.Email}
}

// Label names the identity in a list of every account's identities:
// "Ann <ann@example.com> — Work".
func (i Identity) Label() string {
	s := i.Email
	if i.DisplayName != "" {
		s = i.DisplayName + " <" + i.Email + ">"
	}
	if i.Account != "" {
		s += " — " + i.Account
	}
	return s
}

// Validate checks the fields a user types, listing every problem.
func (i Identity) Validate() error {
	var v ValidationError
	add := func(field, label, format string, args ...any) {
		v = append(v, FieldError{Field: field, Label: label, Problem: fmt.Sprintf(format, args...)})
	}
	if strings.IndexFunc(i.DisplayName, unicode.IsControl) >= 0 {
		add("display_name", "Display name", "contains control characters")
	}
	if len(i.DisplayName) > maxNameLength {
		add("display_name", "Display name", "is longer than %d characters", maxNameLength)
	}
	if err := CheckAddress(i.Email); err != nil {
		add("email", "Email address", "%v", err)
	}
	if i.ReplyTo != "" {
		if err := CheckAddress(i.ReplyTo); err != nil {
			add("reply_to", "Reply-To", "%v", err)
		}
	}
	if len(i.Signature) > MaxSignature {
		add("signature", "Signature", "is longer than %d KB", MaxSignature>>10)
	}
	if strings.ContainsFunc(i.Signature, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) {
		add("signature", "Signature", "contains control characters")
	}
	if len(v) > 0 {
		return v
	}
	return nil
}

// IdentityFor finds the identity among ids whose address is addr,
// ignoring case.
func IdentityFor(ids []Identity, addr string) (Identity, bool) {
	for _, id := range ids {
		if strings.EqualFold(id.Email, addr) {
			return id, true
		}
	}
	return Identity{}, false
}

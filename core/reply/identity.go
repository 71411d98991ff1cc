package reply

import (
	"net/mail"
	"strings"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
)

// PickIdentity is the identity to answer msg from: the one the message
// was addressed to, looked for in To, then Cc, then Delivered-To, then
// X-Original-To (the headers in that order, each in its own order); for
// the user's own message (from Sent) the identity it was sent as; else
// the first identity of account accountID, the account that received
// it. ids are the identities of every account, each account's own first
// (as storage lists them); when two accounts share an address, the
// receiving account's identity wins. ok is false when accountID has no
// identity in ids and none matched.
func PickIdentity(msg *mime.Message, ids []core.Identity, accountID int64) (core.Identity, bool) {
	var sent []*mail.Address
	if len(msg.From) > 0 {
		sent = msg.From[:1]
	}
	for _, header := range [][]*mail.Address{sent, msg.To, msg.Cc, msg.DeliveredTo, msg.OriginalTo} {
		for _, addr := range header {
			if id, ok := matchIdentity(ids, addr.Address, accountID); ok {
				return id, true
			}
		}
	}
	for _, id := range ids {
		if id.AccountID == accountID && id.Primary() {
			return id, true
		}
	}
	return core.Identity{}, false
}

// matchIdentity finds the identity with address addr, the receiving
// account's first.
func matchIdentity(ids []core.Identity, addr string, accountID int64) (core.Identity, bool) {
	var other *core.Identity
	for i, id := range ids {
		if addr == "" || !strings.EqualFold(id.Email, addr) {
			continue
		}
		if id.AccountID == accountID {
			return id, true
		}
		if other == nil {
			other = &ids[i]
		}
	}
	if other != nil {
		return *other, true
	}
	return core.Identity{}, false
}

// FromIdentity makes d go out as id, from id's account: Engine.Queue
// adds the identity's Reply-To and Bcc-self when it builds the message.
func FromIdentity(d *Draft, id core.Identity) {
	d.Identity = id
	d.AccountID = id.AccountID
	d.Message.From = id.From()
}

// SignatureSeparator is the line before a plain-text signature (RFC 3676
// §4.3): mail readers recognise it and can hide or strip what follows.
const SignatureSeparator = "-- \n"

// SignatureBlock is sig as inserted into a body: the separator, then the
// signature, ending in a line break; empty for an empty signature.
func SignatureBlock(sig string) string {
	sig = strings.TrimRight(strings.ReplaceAll(sig, "\r\n", "\n"), "\n \t")
	if strings.TrimSpace(sig) == "" {
		return ""
	}
	return SignatureSeparator + sig + "\n"
}

// Signed is a body with a signature placed in it. Inserted is exactly
// what was added (the block with the blank lines around it), so that
// SwapSignature can find it again without touching anything the user
// wrote.
type Signed struct {
	Body     string
	Inserted string
	// pre and post are the line breaks around the block in Inserted.
	pre, post string
}

// PlaceSignature puts sig's block into body: above tail when body
// contains it (tail is the quote of a reply, the forwarded message of a
// forward; the signature goes above it, followed by a blank line), else
// at the end after a blank line (a new message).
func PlaceSignature(body, tail, sig string) Signed {
	block := SignatureBlock(sig)
	if block == "" {
		return Signed{Body: body}
	}
	if tail != "" {
		if i := strings.LastIndex(body, tail); i >= 0 {
			s := Signed{pre: "", post: "\n"}
			s.Inserted = block + s.post
			s.Body = body[:i] + s.Inserted + body[i:]
			return s
		}
	}
	var s Signed
	switch {
	case body == "":
		// Room above the signature for the text still to come.
		s.pre = "\n\n"
	case strings.HasSuffix(body, "\n\n"):
	case strings.HasSuffix(body, "\n"):
		s.pre = "\n"
	default:
		s.pre = "\n\n"
	}
	s.Inserted = s.pre + block
	s.Body = body + s.Inserted
	return s
}

// SwapSignature replaces the signature s placed in body by sig's, where
// it was. When the user changed the inserted text it is theirs now: body
// is returned as it is, with ok false.
func SwapSignature(body, tail string, s Signed, sig string) (Signed, bool) {
	if s.Inserted == "" {
		return PlaceSignature(body, tail, sig), true
	}
	i := strings.LastIndex(body, s.Inserted)
	if i < 0 {
		s.Body = body
		return s, false
	}
	out := Signed{pre: s.pre, post: s.post}
	if block := SignatureBlock(sig); block != "" {
		out.Inserted = s.pre + block + s.post
	}
	out.Body = body[:i] + out.Inserted + body[i+len(s.Inserted):]
	return out, true
}

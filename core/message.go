package core

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// MaxMessageSize is the largest message Tributary stores, from POP3 and
// IMAP alike. A larger one is left on the server, never deleted there, and
// reported at every sync; a hostile or broken server could otherwise send
// without end.
const MaxMessageSize = 256 << 20

// ErrMessageTooLarge is wrapped by the error about a message over
// MaxMessageSize.
var ErrMessageTooLarge = errors.New("message is larger than Tributary accepts")

// Folder roles. The Inbox of every account makes up the unified inbox.
const (
	RoleInbox  = "inbox"
	RoleSent   = "sent"
	RoleDrafts = "drafts"
	RoleTrash  = "trash"
	// Junk and Archive are IMAP folders recognised on the server (RFC 6154).
	RoleJunk    = "junk"
	RoleArchive = "archive"
)

// Folder is a local folder of one account, with its counts.
type Folder struct {
	ID        int64
	AccountID int64
	Account   string
	Name      string
	Role      string
	Total     int
	Unread    int
}

// Flags are the message flags Tributary keeps, mirroring IMAP's system flags.
type Flags struct {
	Seen, Flagged, Answered, Deleted bool
	// Forwarded is the $Forwarded keyword (RFC 5788's registry), set
	// when the message was forwarded, as Thunderbird and Apple Mail do.
	Forwarded bool
}

// MessageSummary is one row of a message list: what the list shows, never
// the body.
type MessageSummary struct {
	ID          int64
	AccountID   int64
	Account     string
	FolderID    int64
	Folder      string
	MessageID   string
	FromName    string
	FromAddr    string
	To          string
	Subject     string
	Snippet     string
	Date        time.Time
	Size        int64
	Attachments int
	ThreadID    int64 // the conversation; the ID of its first message stored
	Flags
}

// ThreadSummary is one row of the conversations list.
type ThreadSummary struct {
	ID           int64 // the thread ID of its messages
	Count        int   // messages, in every folder
	Unread       int
	Subject      string    // of its oldest message
	Participants []string  // senders, by name where known, in order of first message
	Date         time.Time // of its newest message
	Account      string    // of its newest message
	Latest       int64     // the newest message's ID
}

// From is the sender as "Name <addr>", or the bare address.
func (m MessageSummary) From() string { return DisplayAddress(m.FromName, m.FromAddr) }

// DisplayAddress writes an address as people read it, "Ann <ann@example.com>",
// or whichever half there is. Unlike mail.Address.String it keeps non-ASCII
// names readable: it is for showing, not for headers.
func DisplayAddress(name, addr string) string {
	switch {
	case name == "":
		return addr
	case addr == "":
		return name
	}
	return name + " <" + addr + ">"
}

// DisplayAddresses joins addresses for showing, with DisplayAddress.
func DisplayAddresses(list []*mail.Address) string {
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = DisplayAddress(a.Name, a.Address)
	}
	return strings.Join(parts, ", ")
}

// Delivery says where a retrieved message goes and which remote copy it is,
// so that the message and its sync state are committed together.
type Delivery struct {
	AccountID    int64
	FolderID     int64
	Flags        Flags
	InternalDate time.Time // the server's arrival time; used when Date is missing
	POP3         *POP3Ref
	IMAP         *IMAPRef
	// AppendTo lists IMAP sources whose server should get a copy (a sent
	// message for their Sent mailbox); the journal entries that do it
	// commit with the message.
	AppendTo []int64
}

// POP3Ref records that a POP3 message with this UIDL was retrieved, and
// when, by the engine's clock: "delete from server after N days" counts
// from then.
type POP3Ref struct {
	SourceID    int64
	UIDL        string
	RetrievedAt time.Time
}

// IMAPRef records a message's UID in a synced mailbox.
type IMAPRef struct {
	MailboxID int64
	UID       uint32
	// GmailID is the message's X-GM-MSGID on a server with X-GM-EXT-1
	// (Gmail), the same in every mailbox (label) that shows it; 0 when
	// unknown. A sync links a message it already has under this ID
	// instead of downloading it again.
	GmailID uint64
}

// OutboxState is where a message stands on its way out.
type OutboxState string

// The outbox states. Unknown means the connection dropped after the message
// data was sent, so it may or may not have been accepted: only the user may
// decide to send it again.
const (
	OutboxQueued  OutboxState = "queued"
	OutboxSending OutboxState = "sending"
	OutboxSent    OutboxState = "sent"
	OutboxRetry   OutboxState = "retry"
	OutboxFailed  OutboxState = "failed"
	OutboxUnknown OutboxState = "unknown"
)

// OutboxItem is one message in the outbox.
type OutboxItem struct {
	ID          int64
	AccountID   int64
	Account     string
	Blob        string // content hash of the raw message
	MessageID   string
	From        string   // envelope sender
	Recipients  []string // envelope recipients: To, Cc and Bcc
	To          string   // as shown to the user
	Subject     string
	State       OutboxState
	Attempts    int
	LastError   string
	NextAttempt time.Time
	Created     time.Time
	// NotBefore is the earliest time the message may go (undo send, send
	// later); zero means at once.
	NotBefore time.Time
	// Composition is what the message was written from, so that undoing
	// or cancelling it brings it back as a draft; nil for messages queued
	// before it was kept.
	Composition *Composition `json:",omitempty"`
}

// Composition is a queued message as its author wrote it: the draft to
// bring back into a composer, and the message it answers or forwards,
// marked so once it is really sent (0: none).
type Composition struct {
	Draft   Draft
	Answers int64 `json:",omitempty"`
	Forward bool  `json:",omitempty"`
}

// Scheduled reports whether the message waits for its time at now: a
// queued message whose NotBefore is still ahead.
func (o OutboxItem) Scheduled(now time.Time) bool {
	return o.State == OutboxQueued && o.NotBefore.After(now)
}

// Describe is a one-line summary for lists and logs (never the body).
func (o OutboxItem) Describe() string {
	return fmt.Sprintf("%s: %q to %s: %s", o.Account, o.Subject, o.To, strings.ToLower(o.State.Label()))
}

// Label names an outbox state in words, for people, not by its stored name.
func (s OutboxState) Label() string {
	switch s {
	case OutboxQueued:
		return "Waiting"
	case OutboxSending:
		return "Sending"
	case OutboxSent:
		return "Sent"
	case OutboxRetry:
		return "Will retry"
	case OutboxFailed:
		return "Failed"
	case OutboxUnknown:
		return "Delivery unknown"
	}
	return string(s)
}

// MailboxState is what Tributary remembers of one synced IMAP mailbox.
type MailboxState struct {
	ID            int64
	SourceID      int64
	Name          string
	FolderID      int64
	UIDValidity   uint32
	LastUID       uint32 // highest UID stored
	HighestModSeq uint64 // CONDSTORE; 0 when the server has none
}

// IMAPLocation is where a local message lives on an IMAP server.
type IMAPLocation struct {
	SourceID int64
	Mailbox  string
	UID      uint32
}

// Draft is a message the user is still writing. The composer saves it a
// few seconds after each change and when its window closes, so nothing
// typed is lost to a closed window or a crash; sending deletes it.
// Addresses are kept as typed, even when they do not parse yet.
type Draft struct {
	ID          int64
	AccountID   int64  // 0: no account chosen, or the account was removed
	From        string // the address of the identity chosen; empty: the account's own
	To, Cc, Bcc string
	Subject     string
	Body        string
	InReplyTo   string   // Message-ID replied to, without brackets
	References  []string // without brackets
	Attachments []string // file paths
	// MessageID names the draft on an IMAP account's server: every
	// version uploaded to its Drafts mailbox carries it, so that the
	// previous one is found and removed (without brackets; empty: never
	// uploaded).
	MessageID string
	Updated   time.Time
}

package core

import "time"

// JournalOp is a kind of change made here that a server must learn of.
type JournalOp string

// The journalled changes. Each names the server copy it acts on by
// mailbox and UID, so replaying an entry twice does no harm: the flags are
// the whole desired state, and moving or deleting a UID that is already
// gone changes nothing.
const (
	JournalFlags  JournalOp = "flags"  // make the server's flags equal Flags
	JournalMove   JournalOp = "move"   // move to Dest, or to the mailbox of DestRole
	JournalDelete JournalOp = "delete" // remove for good; with HeaderID, every version of that draft in the Drafts mailbox
	JournalAppend JournalOp = "append" // upload Blob to the mailbox of DestRole (the Sent copy, a draft's version)
)

// JournalEntry is one change waiting for its server. It is written in the
// same transaction as the local change, and removed only when the server
// confirmed it, so a change made offline, or before a crash, still reaches
// the server.
type JournalEntry struct {
	ID        int64
	SourceID  int64
	MessageID int64 // 0 when the local message is gone (deleted for good)
	Op        JournalOp
	Mailbox   string // the server mailbox holding the message
	UID       uint32
	Dest      string // move: the destination mailbox, when known
	DestRole  string // move/append: a role the worker resolves on the server (RoleTrash, RoleSent)
	Flags     Flags
	// SetFlags (move): a flag change made while the move waited; the
	// worker sets Flags on the copy before moving it.
	SetFlags bool
	Blob     string // append: the raw message
	// HeaderID (a draft's append or delete): the draft's Message-ID,
	// without brackets, by which its versions on the server are found.
	HeaderID  string
	Attempts  int
	LastError string
	Failed    bool // the server refused it for good; the user must decide
	Created   time.Time
}

// PendingChanges counts one source's changes still waiting for its server.
type PendingChanges struct {
	AccountID int64
	Account   string
	SourceID  int64
	Waiting   int    // to be replayed
	Failed    int    // refused by the server; need the user
	LastError string // the latest failure's text
}

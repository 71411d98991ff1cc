package core

import (
	"context"
	"io"
	"time"
)

// Staged is a retrieved message written to disk but not yet committed.
type Staged interface {
	// Discard removes a staged message that will not be stored.
	Discard()
	// TextBytes is about how much memory the parsed message holds until
	// it is stored, so that a batch of long messages can commit early.
	TextBytes() int
}

// MessageStore is what retrieval needs from storage. Every method that
// commits does so durably before it returns: a POP3 message is deleted on
// the server only after Store has returned.
type MessageStore interface {
	// Stage streams a message to disk and parses it for listing.
	Stage(ctx context.Context, raw io.Reader) (Staged, error)
	// StageBytes is Stage for a message already in memory: the bytes are
	// hashed, written and parsed in one pass, and the caller must not
	// change raw afterwards.
	StageBytes(ctx context.Context, raw []byte) (Staged, error)
	// Store commits a staged message together with its sync state, and
	// reports whether it was new to its folder.
	Store(ctx context.Context, d Delivery, s Staged) (id int64, isNew bool, err error)
	// StoreBatch commits staged messages with their sync states in one
	// durable transaction (one WAL sync, one sync per file and per
	// directory, done together), in order. On an error nothing of the
	// batch is stored. Every Staged is consumed either way.
	StoreBatch(ctx context.Context, batch []Pending) ([]Stored, error)
	// PlaceBatch makes the files of a batch durable ahead of StoreBatch,
	// so that one batch's files are synced while the rows of the one
	// before commit. It consumes nothing: the batch goes to StoreBatch,
	// or each Staged is discarded.
	PlaceBatch(ctx context.Context, batch []Pending) error
	// StageCopy stages a message already stored, for another folder: the
	// file is shared, not written again, and what is listed and indexed is
	// read from it. StoreBatch then commits it like a downloaded message.
	StageCopy(ctx context.Context, messageID int64) (Staged, error)
	// GmailMessages finds, among Gmail message IDs (X-GM-MSGID), those
	// the account already holds, each with one of its stored messages.
	GmailMessages(ctx context.Context, accountID int64, ids []uint64) (map[uint64]int64, error)
	EnsureFolder(ctx context.Context, accountID int64, name, role string) (int64, error)

	POP3Retrieved(ctx context.Context, sourceID int64) (map[string]time.Time, error)
	POP3Forget(ctx context.Context, sourceID int64, uidls []string) error

	IMAPMailbox(ctx context.Context, accountID, sourceID int64, name, folder, role string) (MailboxState, error)
	SetIMAPMailbox(ctx context.Context, st MailboxState) error
	ResetIMAPMailbox(ctx context.Context, st MailboxState, uidValidity uint32) error
	// IMAPUIDs reads a mailbox's stored UIDs and the message of each;
	// withFlags also the message's flags, for a flag sync that compares
	// them with the server's (one without CONDSTORE sends every
	// message's flags).
	IMAPUIDs(ctx context.Context, mailboxID int64, withFlags bool) (map[uint32]int64, map[uint32]Flags, error)
	// ExpungeIMAP records that a UID is gone from the server: the link is
	// dropped and, when no other server copy remains, the local message
	// is hidden (flagged deleted), not destroyed.
	ExpungeIMAP(ctx context.Context, mailboxID int64, uid uint32) error
	// SetFlags takes a server's flags for messages, a few hundred to a
	// transaction.
	SetFlags(ctx context.Context, changes ...FlagChange) error
}

// FlagChange is a message's flags as its server has them now.
type FlagChange struct {
	ID    int64
	Flags Flags
}

// Pending is a staged message and where it goes, for StoreBatch.
type Pending struct {
	Delivery Delivery
	Staged   Staged
}

// Stored is what StoreBatch did with one message: its ID, and whether it
// was new to its folder.
type Stored struct {
	ID    int64
	IsNew bool
	// Ruled: a rule changed the new message (in the same transaction);
	// its IMAP servers may have journalled changes to replay.
	Ruled bool
	// Quiet: a rule filed it away, deleted it or marked it read, so it is
	// not announced as new mail.
	Quiet bool
}

// Progress reports how far a sync has come: done of total messages.
type Progress func(done, total int)

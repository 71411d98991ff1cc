package storage

// migrations are applied in order; the index of the last one applied + 1 is
// the database's user_version. Never edit a migration that has shipped: add
// a new one.
var migrations = []string{
	`
CREATE TABLE accounts (
	id              INTEGER PRIMARY KEY,
	name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
	display_name    TEXT NOT NULL,
	email           TEXT NOT NULL,
	smtp_host       TEXT NOT NULL,
	smtp_port       INTEGER NOT NULL,
	smtp_username   TEXT NOT NULL,
	smtp_encryption TEXT NOT NULL,
	smtp_auth       INTEGER NOT NULL,
	password_store  TEXT NOT NULL
);
CREATE TABLE sources (
	id                INTEGER PRIMARY KEY,
	account_id        INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	protocol          TEXT NOT NULL,
	host              TEXT NOT NULL,
	port              INTEGER NOT NULL,
	username          TEXT NOT NULL,
	encryption        TEXT NOT NULL,
	method            TEXT NOT NULL,
	interval_seconds  INTEGER NOT NULL,
	folder            TEXT NOT NULL,
	leave_on_server   INTEGER NOT NULL,
	delete_after_days INTEGER NOT NULL,
	imap_folders      TEXT NOT NULL -- JSON array
);
CREATE TABLE folders (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL DEFAULT '',
	UNIQUE (account_id, name)
);
CREATE TABLE messages (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	folder_id   INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
	in_inbox    INTEGER NOT NULL,  -- folder role is inbox: the unified inbox
	blob        TEXT NOT NULL,     -- SHA-256 of the raw bytes; names the file
	size        INTEGER NOT NULL,
	message_id  TEXT NOT NULL,
	date        INTEGER NOT NULL,  -- Unix seconds
	from_name   TEXT NOT NULL,
	from_addr   TEXT NOT NULL,
	to_addrs    TEXT NOT NULL,
	subject     TEXT NOT NULL,
	snippet     TEXT NOT NULL,
	attachments INTEGER NOT NULL,
	seen        INTEGER NOT NULL DEFAULT 0,
	flagged     INTEGER NOT NULL DEFAULT 0,
	answered    INTEGER NOT NULL DEFAULT 0,
	deleted     INTEGER NOT NULL DEFAULT 0,
	UNIQUE (folder_id, message_id, blob)
);
CREATE INDEX messages_unified ON messages (date DESC, id DESC) WHERE in_inbox = 1;
CREATE INDEX messages_folder ON messages (folder_id, date DESC, id DESC);
CREATE INDEX messages_blob ON messages (blob);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE VIRTUAL TABLE messages_fts USING fts5 (
	subject, addresses, body,
	content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE pop3_uidls (
	source_id    INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
	uidl         TEXT NOT NULL,
	retrieved_at INTEGER NOT NULL,
	PRIMARY KEY (source_id, uidl)
);
CREATE TABLE imap_mailboxes (
	id             INTEGER PRIMARY KEY,
	source_id      INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
	name           TEXT NOT NULL,
	folder_id      INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
	uidvalidity    INTEGER NOT NULL DEFAULT 0,
	last_uid       INTEGER NOT NULL DEFAULT 0,
	highest_modseq INTEGER NOT NULL DEFAULT 0,
	UNIQUE (source_id, name)
);
CREATE TABLE imap_uids (
	mailbox_id INTEGER NOT NULL REFERENCES imap_mailboxes(id) ON DELETE CASCADE,
	uid        INTEGER NOT NULL,
	message    INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX imap_uids_message ON imap_uids (message);
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY,
	account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	blob         TEXT NOT NULL,
	message_id   TEXT NOT NULL,
	sender       TEXT NOT NULL,
	recipients   TEXT NOT NULL, -- JSON array of envelope recipients
	to_display   TEXT NOT NULL,
	subject      TEXT NOT NULL,
	state        TEXT NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	next_attempt INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL
);
CREATE TABLE pins (
	server      TEXT NOT NULL, -- host:port
	fingerprint TEXT NOT NULL, -- SHA-256, lowercase hex
	PRIMARY KEY (server, fingerprint)
);
`,
	// The unified inbox never shows deleted messages; with the condition in
	// the index, counting and paging are index-only scans.
	`
DROP INDEX messages_unified;
CREATE INDEX messages_unified ON messages (date DESC, id DESC) WHERE in_inbox = 1 AND deleted = 0;
CREATE INDEX messages_folder_live ON messages (folder_id, date DESC, id DESC) WHERE deleted = 0;
DROP INDEX messages_folder;
`,
	// Drafts the composer saves as the user types, so that closing the
	// window or a crash loses nothing. A draft outlives its account (the
	// text is the user's), so removing the account only forgets the choice.
	`
CREATE TABLE drafts (
	-- AUTOINCREMENT: an ID is never reused, so a composer still holding the
	-- ID of a draft deleted elsewhere cannot overwrite a newer draft.
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	to_addrs    TEXT NOT NULL,
	cc_addrs    TEXT NOT NULL,
	bcc_addrs   TEXT NOT NULL,
	subject     TEXT NOT NULL,
	body        TEXT NOT NULL,
	in_reply_to TEXT NOT NULL,
	refs        TEXT NOT NULL, -- JSON array of Message-IDs, without brackets
	attachments TEXT NOT NULL, -- JSON array of file paths
	updated_at  INTEGER NOT NULL -- Unix seconds
);
CREATE INDEX drafts_updated ON drafts (updated_at DESC, id DESC);
`,
	// The journal of changes made here for the servers (see core.JournalEntry).
	// Entries of a removed source go with it; an entry outlives its local
	// message (a deletion must still reach the server).
	`
CREATE TABLE journal (
	-- AUTOINCREMENT: an ID is never reused, so a worker that finishes an
	-- entry replaced meanwhile (a newer flags change) cannot remove the
	-- replacement, which took the same ID, as done.
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	source_id  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
	message    INTEGER REFERENCES messages(id) ON DELETE SET NULL,
	op         TEXT NOT NULL CHECK (op IN ('flags', 'move', 'delete', 'append')),
	mailbox    TEXT NOT NULL DEFAULT '',
	uid        INTEGER NOT NULL DEFAULT 0,
	dest       TEXT NOT NULL DEFAULT '',
	dest_role  TEXT NOT NULL DEFAULT '',
	seen       INTEGER NOT NULL DEFAULT 0,
	flagged    INTEGER NOT NULL DEFAULT 0,
	answered   INTEGER NOT NULL DEFAULT 0,
	deleted    INTEGER NOT NULL DEFAULT 0,
	has_flags  INTEGER NOT NULL DEFAULT 0, -- move: set the flags before moving
	blob       TEXT NOT NULL DEFAULT '',
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	failed     INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE INDEX journal_source ON journal (source_id, id);
CREATE INDEX journal_message ON journal (message);
`,
	// CHECK constraints on the settings that decide whether a password
	// travels encrypted, as triggers (SQLite cannot add a CHECK to an
	// existing table without rebuilding it): a value no protocol package
	// knows can never be stored, so it can never fail open.
	`
CREATE TRIGGER accounts_encryption_insert BEFORE INSERT ON accounts
WHEN NEW.smtp_encryption NOT IN ('none', 'ssl', 'starttls')
BEGIN SELECT RAISE(ABORT, 'unknown SMTP encryption'); END;
CREATE TRIGGER accounts_encryption_update BEFORE UPDATE OF smtp_encryption ON accounts
WHEN NEW.smtp_encryption NOT IN ('none', 'ssl', 'starttls')
BEGIN SELECT RAISE(ABORT, 'unknown SMTP encryption'); END;
CREATE TRIGGER sources_settings_insert BEFORE INSERT ON sources
WHEN NEW.encryption NOT IN ('none', 'ssl', 'starttls') OR NEW.protocol NOT IN ('pop3', 'imap')
BEGIN SELECT RAISE(ABORT, 'unknown source encryption or protocol'); END;
CREATE TRIGGER sources_settings_update BEFORE UPDATE OF encryption, protocol ON sources
WHEN NEW.encryption NOT IN ('none', 'ssl', 'starttls') OR NEW.protocol NOT IN ('pop3', 'imap')
BEGIN SELECT RAISE(ABORT, 'unknown source encryption or protocol'); END;
`,
	// How an account signs in, and where its OAuth2 tokens come from.
	// The refresh token is not here: it goes to the password store.
	`
ALTER TABLE accounts ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'password' CHECK (auth_method IN ('password', 'oauth2'));
ALTER TABLE accounts ADD COLUMN oauth_provider TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN oauth_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN oauth_client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN oauth_scopes TEXT NOT NULL DEFAULT ''; -- space-separated
`,
	// Conversations (core/thread). The headers that thread a message, and
	// Cc for cc: searches, kept beside the listing columns; message_refs
	// finds the messages that name a Message-ID. thread_id 0 means not
	// threaded yet: Open fills these columns in for existing stores from
	// the stored raw messages (backfillThreads), then threads them.
	`
ALTER TABLE messages ADD COLUMN in_reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN refs TEXT NOT NULL DEFAULT ''; -- ancestors, oldest first, space-separated, without brackets
ALTER TABLE messages ADD COLUMN cc_addrs TEXT NOT NULL DEFAULT '';
-- The normalised subject, only for a message that names no ancestor: the
-- subject fallback of threading. subject_reply: it had a Re:/Fwd: prefix.
ALTER TABLE messages ADD COLUMN subject_key TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN subject_reply INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN thread_id INTEGER NOT NULL DEFAULT 0; -- 0: not yet; -1: headers read, not threaded
CREATE TABLE message_refs (
	ref     TEXT NOT NULL, -- a Message-ID this message names as an ancestor
	message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	PRIMARY KEY (ref, message)
) WITHOUT ROWID;
CREATE INDEX message_refs_message ON message_refs (message);
CREATE INDEX messages_thread ON messages (thread_id, date);
CREATE INDEX messages_subject_key ON messages (subject_key) WHERE subject_key != '';
`,
	// $Forwarded beside \Answered, for messages and their journalled
	// flag changes.
	`
ALTER TABLE messages ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE journal ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 0;
`,
	// The same mailbox read twice (by POP3 and IMAP, or as two accounts)
	// stores each message twice, byte for byte: one blob. The unified
	// inbox shows one of them, the oldest row; the others are twins,
	// in_inbox = 2, still listed in their own inboxes (see settleTwins).
	// A value of in_inbox rather than a column of its own keeps the
	// unified inbox's index covering its queries.
	`
UPDATE messages SET in_inbox = 2 WHERE in_inbox = 1
	AND EXISTS (SELECT 1 FROM messages o WHERE o.blob = messages.blob AND o.in_inbox > 0 AND o.id < messages.id);
CREATE INDEX messages_account_inbox ON messages (account_id, date DESC, id DESC) WHERE in_inbox > 0 AND deleted = 0;
`,
	// Undo send and send later: a queued message waits until not_before,
	// and keeps what it was written from, so that Undo or Cancel brings
	// the draft back (the drafts row itself goes when it is queued).
	`
ALTER TABLE outbox ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0; -- Unix seconds, rounded up; 0: at once
ALTER TABLE outbox ADD COLUMN composition TEXT NOT NULL DEFAULT ''; -- JSON core.Composition; '': none kept
`,
	// Identities (core.Identity): the addresses an account sends as. The
	// account's own is position 0, whose row (if any) holds only its
	// settings: its name and address are read from accounts, so they
	// follow every edit of the account.
	`
CREATE TABLE identities (
	id              INTEGER PRIMARY KEY,
	account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	position        INTEGER NOT NULL,
	display_name    TEXT NOT NULL DEFAULT '',
	email           TEXT NOT NULL DEFAULT '' COLLATE NOCASE, -- '' at position 0
	reply_to        TEXT NOT NULL DEFAULT '',
	bcc_self        INTEGER NOT NULL DEFAULT 0,
	signature       TEXT NOT NULL DEFAULT '',
	plain_text_only INTEGER NOT NULL DEFAULT 0,
	UNIQUE (account_id, position)
);
CREATE UNIQUE INDEX identities_email ON identities (account_id, email) WHERE position > 0;
-- The identity a draft is from, so that it reopens from it.
ALTER TABLE drafts ADD COLUMN from_addr TEXT NOT NULL DEFAULT '';
`,
	// The address book (core.Contact): only what the user made, edited or
	// deleted; contacts collected from mail are read from the messages.
	// A deleted contact stays as a row with deleted = 1 that keeps its
	// addresses, so that they are not collected again. An address belongs
	// to one contact.
	`
CREATE TABLE contacts (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL,
	phones     TEXT NOT NULL, -- JSON array
	notes      TEXT NOT NULL,
	deleted    INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL -- Unix seconds
);
CREATE TABLE contact_addresses (
	address  TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
	contact  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
	position INTEGER NOT NULL
);
CREATE INDEX contact_addresses_contact ON contact_addresses (contact, position);
-- The address book reads the newest messages of every folder: in date
-- order from this index, instead of sorting them all on every read.
CREATE INDEX messages_date_live ON messages (date DESC, id DESC) WHERE deleted = 0;
`,
	// Rules on arrival (core/rules), in the user's order. actions is a
	// JSON array of action strings ("move=Lists", "read").
	`
CREATE TABLE rules (
	id       INTEGER PRIMARY KEY,
	name     TEXT NOT NULL UNIQUE COLLATE NOCASE,
	match    TEXT NOT NULL,
	actions  TEXT NOT NULL,
	position INTEGER NOT NULL
);
`,
	// Drafts synced to IMAP servers: the Message-ID every uploaded
	// version of a draft carries, and the journal's copy of it for the
	// entries that upload or remove those versions.
	`
ALTER TABLE drafts ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
CREATE INDEX drafts_message_id ON drafts (message_id) WHERE message_id != '';
ALTER TABLE journal ADD COLUMN header_id TEXT NOT NULL DEFAULT '';
`,
	// Gmail's X-GM-MSGID (core.IMAPRef.GmailID), 0 when unknown: Gmail
	// lists one message in every label it has, and a sync links the
	// copies it already holds instead of downloading each again. Stored
	// as a signed 64-bit integer holding the same bits.
	`
ALTER TABLE messages ADD COLUMN gm_msgid INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_gm_msgid ON messages (account_id, gm_msgid) WHERE gm_msgid != 0;
`,
	// Each folder's counts, kept in the transaction that changes a
	// message: by insertMessage for a new message, by triggers for every
	// other change, whichever statement makes it (a flag change, a move,
	// an expunge, a twin settled, a removed account's cascade). The
	// sidebar, the tray and the unified inbox's row count read them
	// instead of counting rows, which took about 140 ms at 100,000
	// messages and over a second at 1,000,000 on every start
	// (docs/PERFORMANCE.md). No trigger on INSERT: a trigger makes its
	// statement open a statement journal, and with it a savepoint in
	// which FTS5 writes out the terms it holds in memory, so that every
	// stored message would flush the full-text index (seeding became 3
	// times slower). total: the live (not deleted) messages; unread: of
	// those, the unseen; unified_total, unified_unread: of those, the
	// ones the unified inbox shows (in_inbox = 1).
	`
ALTER TABLE folders ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE folders ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
ALTER TABLE folders ADD COLUMN unified_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE folders ADD COLUMN unified_unread INTEGER NOT NULL DEFAULT 0;
` + countFolders + `;
CREATE TRIGGER messages_counts_delete AFTER DELETE ON messages WHEN OLD.deleted = 0 BEGIN
	UPDATE folders SET total = total - 1, unread = unread - (OLD.seen = 0),
		unified_total = unified_total - (OLD.in_inbox = 1), unified_unread = unified_unread - (OLD.in_inbox = 1 AND OLD.seen = 0)
	WHERE id = OLD.folder_id;
END;
CREATE TRIGGER messages_counts_update AFTER UPDATE OF folder_id, seen, deleted, in_inbox ON messages
WHEN OLD.folder_id != NEW.folder_id OR (OLD.seen = 0) != (NEW.seen = 0) OR (OLD.deleted = 0) != (NEW.deleted = 0) OR (OLD.in_inbox = 1) != (NEW.in_inbox = 1) BEGIN
	UPDATE folders SET total = total - 1, unread = unread - (OLD.seen = 0),
		unified_total = unified_total - (OLD.in_inbox = 1), unified_unread = unified_unread - (OLD.in_inbox = 1 AND OLD.seen = 0)
	WHERE id = OLD.folder_id AND OLD.deleted = 0;
	UPDATE folders SET total = total + 1, unread = unread + (NEW.seen = 0),
		unified_total = unified_total + (NEW.in_inbox = 1), unified_unread = unified_unread + (NEW.in_inbox = 1 AND NEW.seen = 0)
	WHERE id = NEW.folder_id AND NEW.deleted = 0;
END;
`,
	// Threading by subject asks for the next thread of a subject, one at
	// a time, from this covering index. The single-column index above
	// was partial (subject_key != ''), and the query, naming the key by
	// a parameter, did not imply its condition: SQLite read every message
	// for every message stored, which made a 20,000-message sync take
	// 263 s where it had taken 30 (docs/PERFORMANCE.md).
	`
CREATE INDEX messages_subject_thread ON messages (subject_key, subject_reply, thread_id) WHERE subject_key != '';
`,
	// No query reads the single-column subject index any more (the one
	// above serves threading), but every message stored wrote it.
	`
DROP INDEX IF EXISTS messages_subject_key;
`,
	// The index's vocabulary, for a word searched as you type (see
	// wordTerms): FTS5 answers a prefix by merging the lists of every term
	// it starts, a million rowids for a word in every message, where the
	// word and the few longer terms it starts, named, are read lazily.
	`
CREATE VIRTUAL TABLE messages_fts_terms USING fts5vocab(messages_fts, 'row');
`,
}

// countFolders sets every folder's kept counts from its messages: in the
// migration that adds them (for a store that has mail), so it must not
// change once shipped, and in RecountFolders.
const countFolders = `UPDATE folders SET (total, unread, unified_total, unified_unread) = (
	SELECT count(*), coalesce(sum(seen = 0), 0), coalesce(sum(in_inbox = 1), 0), coalesce(sum(in_inbox = 1 AND seen = 0), 0)
	FROM messages m WHERE m.folder_id = folders.id AND m.deleted = 0)`

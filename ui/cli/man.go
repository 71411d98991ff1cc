package cli

import (
	"fmt"
	"io"
	"strings"
)

// summaries say in one line what each command is for, for the man page.
// A command missing here still appears there, with its usage line alone,
// so the page never leaves a command out.
var summaries = map[string]string{
	"account":     "Add, list, remove or test an account (an SMTP server and its retrieval sources), trust a server's certificate by its SHA-256 fingerprint, or sign in again to an OAuth2 account.",
	"diagnostics": "Print what a bug report needs: the version, the system, each account's servers and ports (never a password; addresses shortened) and the last problems in the app's log.",
	"autoconfig":  "Print the server settings Tributary proposes for an address (built-in providers, autoconfig, ISPDB, MX, probing), with each server's sign-in method.",
	"source":      "Add a POP3 or IMAP retrieval source to an account.",
	"sync":        "Retrieve and send: with --once one round, else keep running until interrupted, serving other commands through the control socket.",
	"send":        "Send a message from an account (its name, or the address of one of its identities), through its SMTP server; --queue only puts it in the outbox, --at or --delay sends it later.",
	"identity":    "Add, list or remove the identities (aliases) an account sends as, each with its display name, Reply-To, Bcc-self and signature; the account's own address is its first.",
	"inbox":       "List the unified inbox, newest first, or one account's or folder's messages.",
	"show":        "Print one message as text, or its raw RFC 5322 bytes with --raw.",
	"search":      "Search subject, addresses and body text of every account.",
	"outbox":      "List the outbox, retry, delete or resolve a message whose outcome is unknown, cancel one back to the drafts, or send what is queued.",
	"import":      "Import .eml files, mbox files (mboxrd or mboxo) or Maildir folders into an account's folder.",
	"export":      "Export a folder, an account or everything to mbox or Maildir, or one message as .eml.",
	"version":     "Print the version.",
	"mark":        "Mark messages read, unread, flagged or unflagged.",
	"move":        "Move messages to another folder.",
	"delete":      "Delete messages.",
	"reply":       "Reply to a message from the identity it was addressed to (else the account it came in on).",
	"forward":     "Forward a message.",
	"thread":      "Print the conversation a message belongs to, oldest first, across folders and accounts.",
	"rule":        "Manage the rules applied to mail as it arrives (a search query and actions), run one now on a folder, or export and import them as TOML.",
	"junk":        "Move messages to their account's Junk folder (and mark them $Junk on the server).",
	"notjunk":     "Move messages from Junk back to the Inbox (and mark them $NotJunk on the server).",
	"archive":     "Move messages to their account's Archive folder, made if missing.",
	"contacts":    "List the address book (contacts saved and collected from mail, best ranked first), or import and export it as vCard 4.0 (3.0 from Google and Apple is read too).",
	"demo":        "Start local demo mail servers with two demo accounts in a separate data directory; --headless runs them without a window until interrupted.",
}

// ManPage writes the tributary(1) manual page in roff, built from the
// command table itself so that it lists exactly the commands the binary
// has. version is printed in the footer, date (YYYY-MM-DD) beside it.
func ManPage(w io.Writer, version, date string) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH TRIBUTARY 1 %q %q \"User Commands\"\n", date, "tributary "+version) // i18n:ignore (the man page is English)
	b.WriteString(".SH NAME\ntributary \\- multi-account desktop mail client with a command line\n")
	b.WriteString(".SH SYNOPSIS\n.B tributary\n[\\fB\\-\\-data\\-dir\\fR \\fIDIR\\fR]\n.br\n.B tributary\n[\\fB\\-\\-data\\-dir\\fR \\fIDIR\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n")
	b.WriteString(".SH DESCRIPTION\n" +
		"Tributary gathers mail accounts into one unified inbox on the local disk. " +
		"Each account sends through its own SMTP server and retrieves through POP3 or IMAP sources.\n" +
		".PP\nWithout a command, the desktop app starts; it needs a display. " +
		"With a command, Tributary runs headless over the same engine and storage. " +
		"While the app or \\fBtributary sync\\fR runs on a data directory, commands that change it " +
		"go through that process's control socket.\n")
	b.WriteString(".SH COMMANDS\n")
	for _, n := range CommandNames() {
		fmt.Fprintf(&b, ".TP\n.B %s\n", roffEscape("tributary "+commands[n].usage)) // i18n:ignore (a synopsis)
		if s := summaries[n]; s != "" {
			b.WriteString(roffEscape(s) + "\n")
		}
	}
	b.WriteString(".SH OPTIONS\n" +
		".TP\n.BI \\-\\-data\\-dir \" DIR\"\nThe data directory (database, messages, lock, control socket).\n" +
		".TP\n.B \\-\\-version\nPrint the version and exit.\n" +
		".TP\n.BR \\-h \", \" \\-\\-help \", \" help\nList the commands.\n")
	b.WriteString(".SH ENVIRONMENT\n" +
		".TP\n.B TRIBUTARY_DATA_DIR\nThe data directory, when \\fB\\-\\-data\\-dir\\fR is not given.\n" +
		".TP\n.B TRIBUTARY_PASSWORD_STORE\n\\fBkeyring\\fR (the default) or \\fBfile\\fR, for accounts added without \\fB\\-\\-password\\-store\\fR.\n" +
		".TP\n.BR TRIBUTARY_SMTP_PASSWORD \", \" TRIBUTARY_SOURCE_PASSWORD\nPasswords for \\fBaccount add\\fR when there is no terminal to ask on.\n")
	b.WriteString(".SH FILES\n" +
		".TP\n.I ~/.config/Tributary\nThe default data directory (os.UserConfigDir()/Tributary).\n" +
		".TP\n.I ~/.config/Tributary-demo\nThe data directory of \\fBtributary demo\\fR unless one is given.\n" +
		".TP\n.I DATADIR/passwords.json\nPasswords of accounts that chose the file store, readable by the user alone.\n")
	b.WriteString(".SH EXIT STATUS\n0 when everything asked succeeded, 1 otherwise, " +
		"2 when the desktop app was asked for without a display.\n")
	b.WriteString(".SH SEE ALSO\nhttps://github.com/tributary\\-mail/tributary\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// roffEscape makes text safe on a roff line: backslashes and hyphens
// escaped, and a leading dot or quote, which roff would take for a
// request, guarded.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

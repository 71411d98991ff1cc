// Package demo runs Tributary's demo mode: real IMAP, POP3 and SMTP
// servers on loopback, seeded with a few hundred varied messages, and two
// accounts configured against them, so that someone without a spare mail
// account can see the app retrieve, read, reply and receive. The servers
// keep their mail in memory; what the engine retrieved stays in the demo's
// own data directory.
package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"github.com/tributary-mail/tributary/core"
)

// The demo accounts. Both use Password, for IMAP or POP3 and for SMTP.
const (
	IMAPAccount = "Demo (IMAP)"
	POP3Account = "Demo (POP3)"
	IMAPAddress = "robin@demo.example"
	POP3Address = "robin.home@demo.example"
	Password    = "demo"
)

// Message counts of the seeded mailboxes.
const (
	IMAPMessages = 300
	POP3Messages = 60
)

// maxMessage bounds one message sent in the demo.
const maxMessage = 25 << 20

// seed fixes the demo mail: the same seed and day give the same messages.
const seed = 12

// Options configure Start. Nil means defaults.
type Options struct {
	// Now is the clock the messages' dates count back from; the default
	// is the start of today (UTC), so the mail is the same all day.
	Now    func() time.Time
	Logger *slog.Logger
}

// Servers are the running demo servers.
type Servers struct {
	IMAP, POP3, SMTP core.Endpoint

	log   *slog.Logger
	imap  *imapserver.Server
	user  *imapmemserver.User
	pop3  *pop3Server
	smtp  *smtp.Server
	serve chan error
}

// Start seeds the mailboxes and starts the three servers on 127.0.0.1,
// on ports the system picks. Close stops them.
func Start(ctx context.Context, opts *Options) (*Servers, error) {
	if opts == nil {
		opts = &Options{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	base := time.Now().UTC().Truncate(24 * time.Hour)
	if opts.Now != nil {
		base = opts.Now()
	}
	d := &Servers{log: log, serve: make(chan error, 2)}
	if err := d.startIMAP(base); err != nil {
		return nil, err
	}
	var err error
	if d.pop3, err = listenPOP3(POP3Address, Password, log); err != nil {
		d.Close()
		return nil, err
	}
	d.POP3 = endpoint(d.pop3.ln)
	for _, raw := range newSeeder(seed+1, base, POP3Address).mailbox(POP3Messages) {
		d.pop3.add(raw)
	}
	if err := d.startSMTP(); err != nil {
		d.Close()
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		d.Close()
		return nil, err
	}
	log.Info("demo servers running", "imap", d.IMAP.Addr(), "pop3", d.POP3.Addr(), "smtp", d.SMTP.Addr())
	return d, nil
}

func endpoint(ln net.Listener) core.Endpoint {
	a := ln.Addr().(*net.TCPAddr)
	return core.Endpoint{Host: a.IP.String(), Port: a.Port, Encryption: core.EncryptionNone}
}

func (d *Servers) startIMAP(base time.Time) error {
	mem := imapmemserver.New()
	d.user = imapmemserver.NewUser(IMAPAddress, Password)
	mem.AddUser(d.user)
	for _, box := range []string{"INBOX", "Sent"} {
		if err := d.user.Create(box, nil); err != nil {
			return fmt.Errorf("demo: create mailbox %s: %w", box, err)
		}
	}
	for i, raw := range newSeeder(seed, base, IMAPAddress).mailbox(IMAPMessages) {
		var flags []imap.Flag
		if i < IMAPMessages*2/3 {
			flags = append(flags, imap.FlagSeen) // the older two thirds are read
		}
		if i%37 == 5 {
			flags = append(flags, imap.FlagFlagged)
		}
		if err := d.appendIMAP("INBOX", raw, flags); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: imap listen: %w", err)
	}
	d.IMAP = endpoint(ln)
	d.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: imap.CapSet{
			imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}, imap.CapMove: {},
			imap.CapNamespace: {}, imap.CapLiteralPlus: {},
		},
		// Plain text is safe here: the servers listen on loopback only,
		// and the password is the published demo password.
		InsecureAuth: true,
		Logger:       slog.NewLogLogger(d.log.Handler(), slog.LevelDebug),
	})
	go func() { d.serve <- d.imap.Serve(ln) }()
	return nil
}

func (d *Servers) startSMTP() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: smtp listen: %w", err)
	}
	d.SMTP = endpoint(ln)
	d.smtp = smtp.NewServer(smtpBackend{d: d})
	d.smtp.Domain = "demo.example"
	d.smtp.AllowInsecureAuth = true // loopback only, as for IMAP
	d.smtp.MaxMessageBytes = maxMessage
	d.smtp.ReadTimeout = 5 * time.Minute
	d.smtp.WriteTimeout = 5 * time.Minute
	d.smtp.ErrorLog = slog.NewLogLogger(d.log.Handler(), slog.LevelDebug)
	go func() { d.serve <- d.smtp.Serve(ln) }()
	return nil
}

// appendIMAP adds a message to a mailbox of the IMAP user.
func (d *Servers) appendIMAP(box string, raw []byte, flags []imap.Flag) error {
	r := bytes.NewReader(raw)
	// imapmemserver's Append needs options (nil panics) and takes the
	// internal date from them; the Date header's is the one to show.
	opts := &imap.AppendOptions{Flags: flags}
	if t, ok := headerDate(raw); ok {
		opts.Time = t
	}
	if _, err := d.user.Append(box, literal{r, int64(len(raw))}, opts); err != nil {
		return fmt.Errorf("demo: append to %s: %w", box, err)
	}
	return nil
}

// deliverIMAP is what the SMTP server does with mail for the IMAP
// account: a new, unread message in INBOX, which IDLE announces.
func (d *Servers) deliverIMAP(raw []byte) error {
	return d.appendIMAP("INBOX", raw, nil)
}

// literal is an imap.LiteralReader over bytes.
type literal struct {
	*bytes.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }

// headerDate reads the Date header of a message the seeder made.
func headerDate(raw []byte) (time.Time, bool) {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("Date: ")); ok {
			t, err := time.Parse(time.RFC1123Z, string(v))
			return t, err == nil
		}
	}
	return time.Time{}, false
}

// Close stops the servers and closes their connections.
func (d *Servers) Close() error {
	var errs []error
	if d.smtp != nil {
		errs = append(errs, d.smtp.Close())
	}
	if d.imap != nil {
		errs = append(errs, d.imap.Close())
	}
	if d.pop3 != nil {
		d.pop3.close()
	}
	return errors.Join(errs...)
}

// Accounts are the two demo accounts as they are configured against the
// running servers, with their passwords. Passwords live in the data
// directory's password file, so the demo never asks for a keyring.
func (d *Servers) Accounts() ([]core.Account, []core.Passwords) {
	smtp := core.SMTPSettings{Host: d.SMTP.Host, Port: d.SMTP.Port, Encryption: core.EncryptionNone, Auth: true}
	imapAcc := core.Account{
		Name: IMAPAccount, DisplayName: "Robin Demo", Email: IMAPAddress,
		SMTP: smtp, PasswordStore: core.PasswordStoreFile,
		Sources: []core.Source{{
			Protocol: core.ProtocolIMAP, Host: d.IMAP.Host, Port: d.IMAP.Port, Username: IMAPAddress,
			Encryption: core.EncryptionNone, Method: core.MethodAutomatic, Interval: core.MinimumInterval,
			Folder: "Inbox",
		}},
	}
	imapAcc.SMTP.Username = IMAPAddress
	pop3Acc := core.Account{
		Name: POP3Account, DisplayName: "Robin at home", Email: POP3Address,
		SMTP: smtp, PasswordStore: core.PasswordStoreFile,
		Sources: []core.Source{{
			Protocol: core.ProtocolPOP3, Host: d.POP3.Host, Port: d.POP3.Port, Username: POP3Address,
			Encryption: core.EncryptionNone, Method: core.MethodAutomatic, Interval: core.MinimumInterval,
			Folder: "Inbox", LeaveOnServer: true,
		}},
	}
	pop3Acc.SMTP.Username = POP3Address
	pw := core.Passwords{SMTP: Password, Sources: []string{Password}}
	return []core.Account{imapAcc, pop3Acc}, []core.Passwords{pw, pw}
}

// AccountSaver stores accounts: the engine's SaveAccount.
type AccountSaver interface {
	SaveAccount(ctx context.Context, orig, a *core.Account, pw core.Passwords) error
}

// Configure adds the demo accounts, or points the ones a previous demo
// left in existing at this run's ports, keeping their IDs and mail.
func (d *Servers) Configure(ctx context.Context, e AccountSaver, existing []core.Account) error {
	accounts, pws := d.Accounts()
	for i := range accounts {
		a := &accounts[i]
		var orig *core.Account
		for j := range existing {
			if existing[j].Name == a.Name {
				orig = &existing[j]
			}
		}
		if orig != nil {
			a.ID = orig.ID
			for k := range a.Sources {
				if k < len(orig.Sources) {
					a.Sources[k].ID, a.Sources[k].AccountID = orig.Sources[k].ID, orig.ID
				}
			}
		}
		if err := a.Validate(pws[i]); err != nil {
			return fmt.Errorf("demo: account %q: %w", a.Name, err)
		}
		if err := e.SaveAccount(ctx, orig, a, pws[i]); err != nil {
			return fmt.Errorf("demo: save account %q: %w", a.Name, err)
		}
	}
	return nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// sourceFlags are the flags that describe a retrieval source; account add
// and source add share them.
type sourceFlags struct {
	protocol, host, encryption, username string
	port                                 int
	retrieval, folder                    string
	interval                             time.Duration
	leave                                bool
	deleteAfter                          int
	imapFolders                          string
}

func (f *sourceFlags) register(c *call) {
	c.fs.StringVar(&f.protocol, "source-protocol", "", lang.L("pop3 or imap"))
	c.fs.StringVar(&f.host, "source-host", "", lang.L("retrieval server"))
	c.fs.IntVar(&f.port, "source-port", 0, lang.L("retrieval port (default from protocol and encryption)"))
	c.fs.StringVar(&f.encryption, "source-encryption", "ssl", lang.L("none, ssl or starttls"))
	c.fs.StringVar(&f.username, "source-username", "", lang.L("retrieval username (default: the email address)"))
	c.fs.StringVar(&f.retrieval, "retrieval", "automatic", lang.L("automatic or manual"))
	c.fs.DurationVar(&f.interval, "interval", core.DefaultInterval, lang.L("how often automatic retrieval runs"))
	c.fs.StringVar(&f.folder, "folder", core.DefaultFolder, lang.L("local folder for POP3 mail"))
	c.fs.BoolVar(&f.leave, "leave-on-server", true, lang.L("POP3: leave messages on the server"))
	c.fs.IntVar(&f.deleteAfter, "delete-after-days", 0, lang.L("POP3: delete from the server N days after retrieval (0: never)"))
	c.fs.StringVar(&f.imapFolders, "imap-folders", "", lang.L("IMAP: comma-separated mailboxes to sync (default: all subscribed)"))
}

func (f *sourceFlags) source(email string) (core.Source, error) {
	var errs []error
	p, err := core.ParseProtocol(f.protocol)
	errs = append(errs, err)
	enc, err := core.ParseEncryption(f.encryption)
	errs = append(errs, err)
	m, err := core.ParseMethod(f.retrieval)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return core.Source{}, err
	}
	s := core.Source{Protocol: p, Host: f.host, Port: f.port, Username: f.username, Encryption: enc, Method: m,
		Interval: f.interval, Folder: f.folder, LeaveOnServer: f.leave, DeleteAfterDays: f.deleteAfter}
	if s.Port == 0 {
		s.Port = core.DefaultSourcePort(p, enc)
	}
	if s.Username == "" {
		s.Username = email
	}
	if f.imapFolders != "" {
		s.IMAPFolders = splitList(f.imapFolders)
	}
	return s, nil
}

func runAccount(ctx context.Context, c *call) error {
	switch verb := c.verb(); verb {
	case "add":
		return accountAdd(ctx, c)
	case "list":
		return accountList(ctx, c)
	case "signin":
		return accountSignIn(ctx, c)
	case "remove", "test", "trust":
		fingerprint := c.fs.String("fingerprint", "", lang.L("SHA-256 fingerprint to trust"))
		if err := c.parse(); err != nil || len(c.args) != 1 {
			return errUsage
		}
		name := c.args[0]
		if verb == "test" {
			if err := c.open(ctx, false); err != nil {
				return err
			}
			a, err := c.db.AccountByName(ctx, name)
			if err != nil {
				return err
			}
			return accountTest(ctx, c, a)
		}
		if verb == "trust" && *fingerprint == "" {
			return errUsage
		}
		ops, err := c.ops(ctx)
		if err != nil {
			return err
		}
		if verb == "remove" {
			if err := ops.AccountRemove(ctx, name); err != nil {
				return err
			}
			printLine(c.env.Stdout, lang.L("removed account %q and its local mail"), name)
			return nil
		}
		servers, err := ops.AccountTrust(ctx, name, *fingerprint)
		for _, s := range servers {
			printLine(c.env.Stdout, lang.L("trusted the certificate %s for %s"), core.FormatFingerprint(*fingerprint), s)
		}
		return err
	}
	return errUsage
}

func accountAdd(ctx context.Context, c *call) error {
	var a core.Account
	var smtpPort int
	var smtpEnc, store string
	var src sourceFlags
	var allowCleartext bool
	var of oauthFlags
	of.register(c)
	c.fs.StringVar(&a.Name, "name", "", lang.L("account name"))
	c.fs.StringVar(&a.Email, "email", "", lang.L("email address"))
	c.fs.StringVar(&a.DisplayName, "display-name", "", lang.L("display name"))
	c.fs.StringVar(&a.SMTP.Host, "smtp-host", "", lang.L("SMTP server"))
	c.fs.IntVar(&smtpPort, "smtp-port", 0, lang.L("SMTP port (default 25, or 587 with starttls, 465 with ssl)"))
	c.fs.StringVar(&smtpEnc, "smtp-encryption", "none", lang.L("none, ssl or starttls"))
	c.fs.BoolVar(&a.SMTP.Auth, "smtp-auth", true, lang.L("enable SMTP authentication"))
	c.fs.StringVar(&a.SMTP.Username, "smtp-username", "", lang.L("SMTP username (default: the email address)"))
	c.fs.StringVar(&store, "password-store", "", lang.L("keyring or file (default: $TRIBUTARY_PASSWORD_STORE, else keyring)"))
	c.fs.BoolVar(&allowCleartext, "allow-cleartext-password", false, lang.L("confirm sending a password without encryption"))
	src.register(c)
	if err := c.parse(); err != nil || len(c.args) > 0 {
		return errUsage
	}
	enc, err := core.ParseEncryption(smtpEnc)
	if err != nil {
		return err
	}
	a.SMTP.Encryption, a.SMTP.Port = enc, smtpPort
	if a.SMTP.Host == "" && src.host == "" && src.protocol == "" {
		if err := fromAutoconfig(ctx, c, &a, &src, &of); err != nil {
			return err
		}
	}
	if a.SMTP.Port == 0 {
		a.SMTP.Port = core.DefaultSMTPPortFor(enc)
	}
	if a.SMTP.Username == "" {
		a.SMTP.Username = a.Email
	}
	if store == "" {
		store = c.env.Getenv("TRIBUTARY_PASSWORD_STORE")
	}
	if store == "" {
		store = string(core.PasswordStoreKeyring)
	}
	if a.PasswordStore, err = core.ParsePasswordStore(store); err != nil {
		return err
	}
	if src.protocol != "" || src.host != "" {
		s, err := src.source(a.Email)
		if err != nil {
			return err
		}
		a.Sources = []core.Source{s}
	}
	if err := of.apply(c, &a); err != nil {
		return err
	}
	if err := checkCleartext(a, allowCleartext); err != nil {
		return err
	}
	var pw core.Passwords
	if a.UsesOAuth() {
		// Checked before the user is sent to sign in.
		if err := a.Validate(pw); err != nil {
			return err
		}
		if pw, err = c.signIn(ctx, a, of.flow); err != nil {
			return err
		}
	}
	if a.SMTP.Auth && !a.UsesOAuth() {
		if pw.SMTP, err = c.password("TRIBUTARY_SMTP_PASSWORD", lang.L("SMTP password for {{.User}}", map[string]any{"User": a.SMTP.Username})); err != nil {
			return err
		}
	}
	if len(a.Sources) > 0 && !a.UsesOAuth() {
		p, err := c.password("TRIBUTARY_SOURCE_PASSWORD", lang.L("Retrieval password for {{.User}}", map[string]any{"User": a.Sources[0].Username}))
		if err != nil {
			return err
		}
		pw.Sources = []string{p}
	}
	if err := a.Validate(pw); err != nil {
		return err
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	if a, err = ops.AccountAdd(ctx, a, pw); err != nil {
		return err
	}
	if a.UsesOAuth() {
		printLine(c.env.Stdout, lang.L("added account %q (%s), signed in with OAuth2, the sign-in kept in the %s"), a.Name, a.Email, a.PasswordStore)
		return nil
	}
	printLine(c.env.Stdout, lang.L("added account %q (%s), passwords in the %s"), a.Name, a.Email, a.PasswordStore)
	return nil
}

// checkCleartext refuses to send a password unencrypted unless the user
// confirmed it.
func checkCleartext(a core.Account, confirmed bool) error {
	if confirmed {
		return nil
	}
	if a.SMTP.Auth && a.SMTP.Encryption == core.EncryptionNone {
		return errors.New(lang.L("SMTP encryption is none with authentication on: the password would travel in clear. Choose --smtp-encryption starttls or ssl, or confirm with --allow-cleartext-password"))
	}
	for _, s := range a.Sources {
		if s.Encryption == core.EncryptionNone {
			return errors.New(lang.L("retrieval encryption is none: the password would travel in clear. Choose --source-encryption starttls or ssl, or confirm with --allow-cleartext-password"))
		}
	}
	return nil
}

// password reads a password from the environment variable, else from the
// terminal. Passwords never come from the command line, where other users
// could read them in the process list.
func (c *call) password(envVar, prompt string) (string, error) {
	if pw := c.env.Getenv(envVar); pw != "" {
		return pw, nil
	}
	if c.env.ReadPassword == nil {
		return "", fmt.Errorf(lang.L("no password: set %s, or run in a terminal to be asked"), envVar)
	}
	return c.env.ReadPassword(prompt + ": ")
}

func accountList(ctx context.Context, c *call) error {
	if err := c.parse(); err != nil {
		return errUsage
	}
	if err := c.open(ctx, false); err != nil {
		return err
	}
	accounts, err := c.db.Accounts(ctx)
	if err != nil {
		return err
	}
	if len(accounts) == 0 {
		fmt.Fprintln(c.env.Stdout, lang.L("no accounts; add one with: tributary account add"))
	}
	for _, a := range accounts {
		auth := lang.L("no auth")
		if a.SMTP.Auth {
			auth = lang.L("auth as {{.User}}", map[string]any{"User": a.SMTP.Username})
		}
		printLine(c.env.Stdout, "%s <%s>  %s", a.Name, a.Email, a.DisplayName)
		if a.UsesOAuth() {
			from := a.OAuth.Provider
			if from == "" {
				from = a.OAuth.Issuer
			}
			printLine(c.env.Stdout, lang.L("  signs in with OAuth2 (%s, client %s), the sign-in kept in the %s"), from, a.OAuth.ClientID, a.PasswordStore)
		}
		printLine(c.env.Stdout, lang.L("  SMTP %s (%s, %s), passwords in %s"), a.SMTP.Server().Addr(), a.SMTP.Encryption, auth, a.PasswordStore)
		for _, s := range a.Sources {
			when := string(s.Method)
			if s.Method == core.MethodAutomatic {
				when = fmt.Sprintf(lang.L("%s every %s"), when, s.Interval)
			}
			printLine(c.env.Stdout, lang.L("  source %d: %s %s (%s) as %s, %s, into %s"), s.ID, strings.ToUpper(string(s.Protocol)), s.Server().Addr(), s.Encryption, s.Username, when, s.Folder)
		}
	}
	return nil
}

func accountTest(ctx context.Context, c *call, a core.Account) error {
	failed := 0
	for _, r := range c.engine().CheckAccount(ctx, a, nil) {
		switch {
		case r.Err == nil && r.Role == "OAuth2":
			printLine(c.env.Stdout, lang.L("OAuth2 %s: token OK"), r.Server)
			continue
		case r.Err == nil && a.UsesOAuth():
			printLine(c.env.Stdout, lang.L("%s %s: connected, TLS OK, token OK, login OK"), r.Role, r.Server)
			continue
		case r.Err == nil:
			printLine(c.env.Stdout, lang.L("%s %s: connected, TLS OK, login OK"), r.Role, r.Server)
			continue
		}
		failed++
		printLine(c.env.Stdout, lang.L("%s %s: FAILED: %v"), r.Role, r.Server, r.Err)
		switch cert := r.Certificate(); {
		case cert != nil && cert.Changed():
			// Not the first-sight question: the server's identity changed.
			printLine(c.env.Stdout, lang.L("  the certificate is not the one you trusted; only if your provider confirms the new fingerprint: tributary account trust %q --fingerprint %s"), a.Name, cert.Fingerprint)
		case cert != nil:
			printLine(c.env.Stdout, lang.L("  to trust it after checking the fingerprint: tributary account trust %q --fingerprint %s"), a.Name, cert.Fingerprint)
		}
	}
	if failed > 0 {
		return errors.New(lang.N("{{.Count}} of the account's servers failed the test", failed, map[string]any{"Count": i18n.Number(failed)}))
	}
	return nil
}

func runSource(ctx context.Context, c *call) error {
	if c.verb() != "add" {
		return errUsage
	}
	var src sourceFlags
	var account string
	var allowCleartext bool
	c.fs.StringVar(&account, "account", "", lang.L("account name"))
	c.fs.BoolVar(&allowCleartext, "allow-cleartext-password", false, lang.L("confirm sending a password without encryption"))
	src.register(c)
	if err := c.parse(); err != nil || account == "" || len(c.args) > 0 {
		return errUsage
	}
	if err := c.open(ctx, false); err != nil {
		return err
	}
	a, err := c.db.AccountByName(ctx, account)
	if err != nil {
		return err
	}
	s, err := src.source(a.Email)
	if err != nil {
		return err
	}
	s.AccountID = a.ID
	if err := checkCleartext(core.Account{Sources: []core.Source{s}}, allowCleartext); err != nil {
		return err
	}
	// An OAuth2 account's sources sign in with the account's token.
	var p string
	if !a.UsesOAuth() {
		if p, err = c.password("TRIBUTARY_SOURCE_PASSWORD", lang.L("Retrieval password for {{.User}}", map[string]any{"User": s.Username})); err != nil {
			return err
		}
	}
	// Validate the whole account as it will be, new source included.
	check := a
	check.SMTP.Auth = false
	check.Sources = []core.Source{s}
	if err := check.Validate(core.Passwords{Sources: []string{p}}); err != nil {
		return err
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	if s, err = ops.SourceAdd(ctx, a.Name, s, p); err != nil {
		return err
	}
	printLine(c.env.Stdout, lang.L("added source %d to %q: %s"), s.ID, a.Name, s.Label(a.Name))
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

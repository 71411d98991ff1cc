package core

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// FieldError is one problem with one field, worded for the person who typed
// it. Field is a stable key ("smtp.host", "source.1.port") that the GUI uses
// to place the message next to the field.
type FieldError struct {
	Field   string
	Label   string
	Problem string
}

func (e FieldError) Error() string { return e.Label + ": " + e.Problem }

// ValidationError lists every problem found, so a form can show them all at
// once instead of one per attempt.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	lines := make([]string, len(v))
	for i, e := range v {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Passwords are the secrets that go with an account while it is validated
// and saved. They never live on Account itself, so that an Account can be
// logged, listed and stored without carrying a password along.
type Passwords struct {
	SMTP    string
	Sources []string // parallel to Account.Sources
	// RefreshToken is an OAuth2 account's, from signing in; ClientSecret
	// the secret of its client, when it has one. Blank keeps the stored
	// ones.
	RefreshToken string
	ClientSecret string
}

// Validate checks every field of a and the passwords that go with it.
func (a *Account) Validate(pw Passwords) error {
	var v ValidationError
	add := func(field, label, format string, args ...any) {
		v = append(v, FieldError{Field: field, Label: label, Problem: fmt.Sprintf(format, args...)})
	}
	switch name := strings.TrimSpace(a.Name); {
	case name == "":
		add("name", "Account name", "is required")
	case len(name) > maxNameLength:
		add("name", "Account name", "is longer than %d characters", maxNameLength)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		add("name", "Account name", "contains control characters")
	}
	if strings.IndexFunc(a.DisplayName, unicode.IsControl) >= 0 {
		add("display_name", "Display name", "contains control characters")
	}
	if err := CheckAddress(a.Email); err != nil {
		add("email", "Email address", "%v", err)
	}
	if a.PasswordStore != "" {
		if _, err := ParsePasswordStore(string(a.PasswordStore)); err != nil {
			add("password_store", "Password store", "%v", err)
		}
	}
	oauth := false
	if a.Auth != "" {
		m, err := ParseAuthMethod(string(a.Auth))
		if err != nil {
			add("auth", "Sign-in method", "%v", err)
		}
		oauth = m == AuthOAuth2
	}
	if oauth {
		checkOAuth(add, a.OAuth)
	}
	// With OAuth2 there is no password: the refresh token is obtained by
	// signing in at the provider, not typed into a form.
	credentials := func(field, label, user, password string) {
		if oauth {
			checkUsername(add, field, label, user)
			return
		}
		checkCredentials(add, field, label, user, password)
	}
	s := a.SMTP
	checkServer(add, "smtp", "SMTP", s.Host, s.Port, s.Encryption)
	if s.Auth {
		credentials("smtp", "SMTP", s.Username, pw.SMTP)
	}
	for i, src := range a.Sources {
		field := "source." + strconv.Itoa(i+1)
		label := fmt.Sprintf("Retrieval %d", i+1)
		if _, err := ParseProtocol(string(src.Protocol)); err != nil {
			add(field+".protocol", label+" protocol", "%v", err)
		}
		checkServer(add, field, label, src.Host, src.Port, src.Encryption)
		password := ""
		if i < len(pw.Sources) {
			password = pw.Sources[i]
		}
		credentials(field, label, src.Username, password)
		if _, err := ParseMethod(string(src.Method)); err != nil {
			add(field+".method", label+" retrieval method", "%v", err)
		}
		if src.Method == MethodAutomatic && src.Interval < MinimumInterval {
			add(field+".interval", label+" interval", "must be at least %v", MinimumInterval)
		}
		if err := CheckFolderName(src.Folder); err != nil {
			add(field+".folder", label+" destination folder", "%v", err)
		}
		if src.DeleteAfterDays < 0 || src.DeleteAfterDays > maxDeleteAfter {
			add(field+".delete_after_days", label+" delete after days", "must be between 0 (never) and %d", maxDeleteAfter)
		}
		for _, f := range src.IMAPFolders {
			if f == "" || len(f) > maxIMAPFolderLen || strings.ContainsAny(f, "\r\n\x00") {
				add(field+".imap_folders", label+" IMAP folders", "%q is not a valid mailbox name", f)
			}
		}
	}
	if len(v) > 0 {
		return v
	}
	return nil
}

type addFunc func(field, label, format string, args ...any)

func checkServer(add addFunc, field, label, host string, port int, enc Encryption) {
	if err := CheckHost(host); err != nil {
		add(field+".host", label+" server address", "%v", err)
	}
	if port < 1 || port > 65535 {
		add(field+".port", label+" port", "must be between 1 and 65535, not %d", port)
	}
	if _, err := ParseEncryption(string(enc)); err != nil {
		add(field+".encryption", label+" encryption", "%v", err)
	}
}

func checkCredentials(add addFunc, field, label, user, password string) {
	checkUsername(add, field, label, user)
	switch {
	case password == "":
		add(field+".password", label+" password", "is required when authentication is enabled")
	case strings.ContainsAny(password, "\r\n\x00"):
		add(field+".password", label+" password", "contains a line break")
	}
}

// checkUsername rejects a missing username, and CR and LF, which would let
// a username inject protocol commands; go-pop3 does not reject them itself.
func checkUsername(add addFunc, field, label, user string) {
	switch {
	case strings.TrimSpace(user) == "":
		add(field+".username", label+" username", "is required when authentication is enabled")
	case strings.ContainsAny(user, "\r\n\x00"):
		add(field+".username", label+" username", "contains a line break")
	}
}

// checkOAuth checks where an OAuth2 account's tokens come from. The
// issuer must be HTTPS: the refresh token and every access token travel
// to it. Plain HTTP is allowed to a loopback address only, for tests and
// for a provider on the same machine.
func checkOAuth(add addFunc, o OAuthSettings) {
	switch {
	case o.Provider == "" && o.Issuer == "":
		add("oauth.issuer", "OAuth2 provider", "is required: choose Google or Microsoft, or give the issuer URL")
	case o.Provider != "" && o.Issuer != "":
		add("oauth.issuer", "OAuth2 provider", "give either a built-in provider or an issuer URL, not both")
	case o.Issuer != "":
		if err := CheckIssuer(o.Issuer); err != nil {
			add("oauth.issuer", "OAuth2 issuer", "%v", err)
		}
	}
	switch {
	case strings.TrimSpace(o.ClientID) == "":
		add("oauth.client_id", "OAuth2 client ID", "is required: register a desktop client with the provider (see the README) or use a build that has one")
	case strings.IndexFunc(o.ClientID, unicode.IsControl) >= 0 || strings.ContainsRune(o.ClientID, ' '):
		add("oauth.client_id", "OAuth2 client ID", "contains spaces or control characters")
	}
	for _, sc := range o.Scopes {
		if sc == "" || strings.IndexFunc(sc, func(r rune) bool { return unicode.IsControl(r) || r == ' ' }) >= 0 {
			add("oauth.scopes", "OAuth2 scopes", "%q is not a valid scope", sc)
		}
	}
}

// CheckIssuer accepts an OAuth2 issuer URL: HTTPS, or plain HTTP to a
// loopback address.
func CheckIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an issuer URL (https://host/path)", issuer)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return fmt.Errorf("%q must use https: tokens must not travel in the clear", issuer)
}

// CheckHost accepts a DNS host name or an IP address literal.
func CheckHost(host string) error {
	if host == "" {
		return errors.New("is required")
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return nil
	}
	if len(host) > 253 {
		return errors.New("is longer than 253 characters")
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%q is not a valid host name", host)
		}
		for _, r := range label {
			if !(r == '-' || r == '_' || r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
				return fmt.Errorf("%q is not a valid host name", host)
			}
		}
	}
	return nil
}

// CheckAddress accepts one bare RFC 5322 address (local@domain).
func CheckAddress(addr string) error {
	if addr == "" {
		return errors.New("is required")
	}
	parsed, err := mail.ParseAddress(addr)
	if err != nil {
		return &AddressError{Input: addr, Reason: addressProblem(addr)}
	}
	if parsed.Address != addr || parsed.Name != "" {
		return &AddressError{Input: addr, Reason: "give the address alone, without a name or brackets"}
	}
	return nil
}

// CheckFolderName accepts a local folder name.
func CheckFolderName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("is required")
	case len(name) > maxIMAPFolderLen:
		return errors.New("is too long")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return errors.New("contains control characters")
	}
	return nil
}

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(port))
}

package cli

// OAuth2 against real Dovecot and Postfix: scripts/mailservers.sh gives
// Dovecot an oauth2 passdb that introspects tokens at a fixed loopback
// port, where these tests run core/mailtest/oauthtest. Postfix asks
// Dovecot, so SMTP AUTH with a token is checked by the real Postfix too.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/mailtest"
	"github.com/tributary-mail/tributary/core/mailtest/oauthtest"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/storage"
)

// oauthClientPrefix starts the client ID of each test user: the shared
// server approves a sign-in by "tributary-test/oauth1@example.test" as
// oauth1@example.test, so every test signs in as its own user.
const oauthClientPrefix = "tributary-test/"

var (
	oauthOnce sync.Once
	oauthSrv  *oauthtest.Server
	oauthErr  error
)

// needOAuth returns the authorisation server Dovecot asks, started once
// per test binary on the port the env file names.
func needOAuth(t *testing.T) *oauthtest.Server {
	t.Helper()
	needServers(t)
	if servers["OAUTH_PORT"] == "" {
		mailtest.Missing(t, "the mail servers run without OAuth2 (no OAUTH_PORT in their env file): restart them with this tree's scripts/mailservers.sh; CI runs this test")
	}
	oauthOnce.Do(func() {
		oauthSrv, oauthErr = oauthtest.Listen(&oauthtest.Options{
			Addr: servers["HOST"] + ":" + servers["OAUTH_PORT"],
			Accept: func(id string) (string, bool) {
				user, ok := strings.CutPrefix(id, oauthClientPrefix)
				return user, ok && user != ""
			},
		})
	})
	if oauthErr != nil {
		t.Fatalf("oauthtest on port %s: %v", servers["OAUTH_PORT"], oauthErr)
	}
	return oauthSrv
}

// approver is a command's stdout that approves the device sign-in it
// prints, as the user typing the code in a browser would.
type approver struct {
	srv *oauthtest.Server
	mu  sync.Mutex
	out bytes.Buffer
}

func (a *approver) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	start := a.out.Len()
	a.out.Write(p)
	sc := bufio.NewScanner(strings.NewReader(a.out.String()[start:]))
	for sc.Scan() {
		if _, code, ok := strings.Cut(sc.Text(), "enter the code: "); ok {
			a.srv.Approve(strings.TrimSpace(code))
		}
		if _, u, ok := strings.Cut(sc.Text(), "in a browser on this computer: "); ok {
			// The browser: follow the provider's redirect back to the
			// command's loopback listener.
			go func() {
				if resp, err := http.Get(strings.TrimSpace(u)); err == nil {
					resp.Body.Close()
				}
			}()
		}
	}
	return len(p), nil
}

func (a *approver) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.out.String()
}

// cliSignIn runs a command that signs in with the device flow.
func cliSignIn(t *testing.T, srv *oauthtest.Server, dataDir string, args ...string) (int, string, string) {
	t.Helper()
	out := &approver{srv: srv}
	var errOut bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(""), Stdout: out, Stderr: &errOut,
		Getenv: func(string) string { return "" },
		Engine: engine.Options{DialTimeout: 10 * time.Second, IOTimeout: 20 * time.Second},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := Run(ctx, append([]string{"--data-dir", dataDir}, args...), env)
	return code, out.String(), errOut.String()
}

func imapSource() []string {
	return []string{"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl"}
}

// addOAuthAccount adds an account that signs in to Postfix submission and
// its source as user with tokens, and returns what the command printed.
func addOAuthAccount(t *testing.T, srv *oauthtest.Server, dataDir, name, user string, source ...string) string {
	t.Helper()
	args := []string{"account", "add", "--name", name, "--email", user, "--display-name", "Test " + name,
		"--auth", "oauth2", "--oauth-issuer", srv.URL, "--oauth-client-id", oauthClientPrefix + user,
		"--smtp-host", servers["HOST"], "--smtp-port", servers["SUBMISSION_PORT"], "--smtp-encryption", "starttls",
		"--password-store", "file"}
	code, out, errOut := cliSignIn(t, srv, dataDir, append(args, source...)...)
	if code != 0 {
		t.Fatalf("tributary account add --auth oauth2 (%s) = exit %d\nstdout: %s\nstderr: %s", user, code, out, errOut)
	}
	return out
}

func TestRealOAuthIMAPPOP3AndSend(t *testing.T) {
	srv := needOAuth(t)
	user := servers["OAUTH_USER1"]
	dir := t.TempDir()
	out := addOAuthAccount(t, srv, dir, "o1", user, imapSource()...)
	for _, want := range []string{"open " + srv.URL + "/device/verify and enter the code: ", "signed in as " + user, "signed in with OAuth2"} {
		if !strings.Contains(out, want) {
			t.Errorf("account add --auth oauth2 printed %q, want %q in it", out, want)
		}
	}
	test := mustRun(t, dir, nil, "account", "test", "o1")
	for _, want := range []string{"OAuth2 ", ": token OK", "IMAP " + servers["HOST"] + ":" + servers["IMAPS_PORT"] + ": connected, TLS OK, token OK, login OK",
		"SMTP " + servers["HOST"] + ":" + servers["SUBMISSION_PORT"] + ": connected, TLS OK, token OK, login OK"} {
		if !strings.Contains(test, want) {
			t.Errorf("account test printed %q, want %q in it", test, want)
		}
	}

	token := uniqueSubject(t)
	mustRun(t, dir, nil, "send", "--from", "o1", "--to", user, "--subject", "oauth "+token, "--body-file", writeTemp(t, "sent with a token\n"))
	waitIn(t, dir, token, "Inbox", func() {
		if code, out, errOut := cliRun(t, dir, nil, nil, "sync", "--once", "--account", "o1"); code != 0 {
			t.Fatalf("sync --once = exit %d, %q %q", code, out, errOut)
		}
	})

	mustRun(t, dir, nil, "source", "add", "--account", "o1", "--source-protocol", "pop3", "--source-host", servers["HOST"],
		"--source-port", servers["POP3S_PORT"], "--source-encryption", "ssl", "--folder", "POP", "--retrieval", "manual")
	sync := mustRun(t, dir, nil, "sync", "--once", "--account", "o1")
	if !strings.Contains(sync, "(POP3 "+servers["HOST"]+"): ") || !strings.Contains(sync, " new") {
		t.Errorf("sync --once with a POP3 source signed in by token printed %q, want the POP3 source to report new mail", sync)
	}
	var found []messageJSON
	_, js, _ := cliRun(t, dir, nil, nil, "search", token, "--json")
	if err := json.Unmarshal([]byte(js), &found); err != nil {
		t.Fatal(err)
	}
	folders := map[string]bool{}
	for _, m := range found {
		folders[m.Folder] = true
	}
	if !folders["POP"] {
		t.Errorf("search after the POP3 sync found folders %v, want POP among them", folders)
	}

	checkTokensAtRest(t, srv, dir, out+test+sync)
}

// waitIn runs sync until search finds token in folder: delivery through
// Postfix and LMTP takes a moment, and the Sent copy is found at once.
func waitIn(t *testing.T, dir, token, folder string, sync func()) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		sync()
		var found []messageJSON
		_, out, _ := cliRun(t, dir, nil, nil, "search", token, "--json")
		if err := json.Unmarshal([]byte(out), &found); err != nil {
			t.Fatalf("search --json printed %q: %v", out, err)
		}
		for _, m := range found {
			if m.Folder == folder {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %q did not arrive in %s within 45 s (found %+v)", token, folder, found)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkTokensAtRest finds every token the server issued only in the
// password file: not in SQLite, its WAL, the blobs or what was printed.
func checkTokensAtRest(t *testing.T, srv *oauthtest.Server, dir, printed string) {
	t.Helper()
	toks := append(srv.RefreshTokens(), srv.AccessTokens()...)
	if len(toks) == 0 {
		t.Fatal("the server issued no tokens")
	}
	pwFile, err := os.ReadFile(filepath.Join(dir, secrets.FileName))
	if err != nil {
		t.Fatalf("the file store: %v", err)
	}
	stored := 0
	for _, tok := range srv.RefreshTokens() {
		if bytes.Contains(pwFile, []byte(tok)) {
			stored++
		}
	}
	if stored == 0 {
		t.Errorf("%s holds none of the refresh tokens issued", secrets.FileName)
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == secrets.FileName {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, tok := range toks {
			if bytes.Contains(data, []byte(tok)) {
				t.Errorf("%s contains an OAuth2 token", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if strings.Contains(printed, tok) {
			t.Error("a command printed an OAuth2 token")
		}
	}
}

// clock is an engine clock the test moves on.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRealOAuthTokenExpiresMidSession(t *testing.T) {
	srv := needOAuth(t)
	user := servers["OAUTH_USER2"]
	dir := t.TempDir()
	addOAuthAccount(t, srv, dir, "o2", user, imapSource()...)
	ctx := t.Context()
	db, err := storage.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clk := &clock{t: time.Now()}
	e := engine.New(db, engine.Options{DataDir: dir, Now: clk.Now, DialTimeout: 10 * time.Second, IOTimeout: 20 * time.Second, Logger: discardLogger()})
	defer e.Close()
	if errs := e.SyncOnce(ctx, "o2"); len(errs) > 0 {
		t.Fatalf("first SyncOnce = %v", errs)
	}

	for _, tc := range []struct {
		name string
		// expire makes the token the connection signed in with old.
		expire func()
	}{
		// An hour passes: the worker must not use a session whose token
		// expired (Gmail ends it), but sign in afresh.
		{"an hour passes", func() { clk.add(2 * time.Hour); srv.ExpireAccessTokens(user) }},
		// The provider ends the token early while our clock says it is
		// good: the refusal gets one retry with a fresh token.
		{"ended at the provider", func() { e.Close(); srv.ExpireAccessTokens(user) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refreshes, checks := srv.Refreshes(), srv.Introspections()
			tc.expire()
			token := uniqueSubject(t)
			mustRun(t, dir, nil, "send", "--from", "o2", "--to", user, "--subject", "expiry "+token, "--body-file", writeTemp(t, "x\n"))
			waitIn(t, dir, token, "Inbox", func() {
				if errs := e.SyncOnce(ctx, "o2"); len(errs) > 0 {
					t.Fatalf("SyncOnce after the token expired = %v, want the worker to sign in again", errs)
				}
			})
			// The send above refreshed once in its own process.
			if got := srv.Refreshes() - refreshes; got < 2 {
				t.Errorf("refreshes during the test = %d, want at least 2 (the send's and the worker's new token)", got)
			}
			if srv.Introspections() <= checks+1 {
				t.Errorf("Dovecot checked %d tokens, want the worker's new sign-in among them", srv.Introspections()-checks)
			}
		})
	}
}

func TestRealOAuthRevokedSignInAgain(t *testing.T) {
	srv := needOAuth(t)
	revoked, other := servers["OAUTH_USER3"], servers["OAUTH_USER4"]
	dir := t.TempDir()
	addOAuthAccount(t, srv, dir, "o3", revoked, imapSource()...)
	addOAuthAccount(t, srv, dir, "o4", other, imapSource()...)
	mustRun(t, dir, nil, "sync", "--once")

	srv.RevokeAll(revoked)
	code, out, errOut := cliRun(t, dir, nil, nil, "sync", "--once")
	if code == 0 {
		t.Errorf("sync --once with a revoked sign-in = exit 0, want a failure")
	}
	if !strings.Contains(errOut, `account "o3": sign in again`) || !strings.Contains(errOut, "tributary account signin") {
		t.Errorf("sync --once with a revoked sign-in said %q, want it to ask to sign in again to o3", errOut)
	}
	if !strings.Contains(out, "o4 (IMAP ") {
		t.Errorf("sync --once printed %q, want o4 synced despite o3", out)
	}

	// Signing in again through the desktop flow, the browser step an HTTP
	// client following the redirect.
	code, out, errOut = cliSignIn(t, srv, dir, "account", "signin", "o3", "--oauth-flow", "browser")
	if code != 0 || !strings.Contains(out, `signed in again: account "o3"`) || !strings.Contains(out, "in a browser on this computer: "+srv.URL+"/authorize?") {
		t.Fatalf("account signin o3 = exit %d, %q %q", code, out, errOut)
	}
	mustRun(t, dir, nil, "sync", "--once", "--account", "o3")
}

func TestRealOAuthWrongClientID(t *testing.T) {
	srv := needOAuth(t)
	dir := t.TempDir()
	code, out, errOut := cliSignIn(t, srv, dir, "account", "add", "--name", "bad", "--email", servers["OAUTH_USER1"],
		"--auth", "oauth2", "--oauth-issuer", srv.URL, "--oauth-client-id", "not-registered",
		"--smtp-host", servers["HOST"], "--smtp-port", servers["SUBMISSION_PORT"], "--smtp-encryption", "starttls", "--password-store", "file")
	if code == 0 {
		t.Fatalf("account add with an unknown client ID = exit 0 (%s)", out)
	}
	if !strings.Contains(errOut, "refused the OAuth2 client") || !strings.Contains(errOut, `"not-registered"`) || !strings.Contains(errOut, "--oauth-client-id") {
		t.Errorf("account add with an unknown client ID said %q, want it to name the client and --oauth-client-id", errOut)
	}
	if list := mustRun(t, dir, nil, "account", "list"); strings.Contains(list, "bad") {
		t.Errorf("account list = %q after a failed sign-in, want no account", list)
	}
}

var _ io.Writer = (*approver)(nil)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

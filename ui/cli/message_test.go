package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/storage"
)

// engineFixture is a data directory with an account that retrieves from
// an in-process IMAP server (three messages in INBOX, an Archive) and
// sends through an in-process SMTP server, synced once.
type engineFixture struct {
	dir  string
	imap *imaptest.Server
	smtp *smtptest.Server
}

func newEngineFixture(t *testing.T) *engineFixture {
	t.Helper()
	f := &engineFixture{dir: t.TempDir(), imap: imaptest.Start(t, imaptest.Options{}), smtp: smtptest.Start(t, smtptest.Options{})}
	f.imap.Create(t, "Archive")
	for i := range 3 {
		f.imap.Append(t, "INBOX", fmt.Appendf(nil, "From: Ann <ann@example.test>\r\nTo: %s\r\nSubject: cli %d\r\nMessage-ID: <cli%d@example.test>\r\n\r\nbody %d\r\n", imaptest.User, i, i, i))
	}
	ep := f.imap.Endpoint(core.EncryptionNone)
	vars := map[string]string{"TRIBUTARY_SOURCE_PASSWORD": imaptest.Password}
	mustRunWith(t, f.dir, vars, "account", "add", "--name", "box", "--email", imaptest.User, "--smtp-host", f.smtp.Host,
		"--smtp-port", fmt.Sprint(f.smtp.Port), "--smtp-auth=false", "--password-store", "file",
		"--source-protocol", "imap", "--source-host", ep.Host, "--source-port", fmt.Sprint(ep.Port), "--source-username", imaptest.User,
		"--source-encryption", "none", "--allow-cleartext-password", "--retrieval", "manual")
	mustRunWith(t, f.dir, nil, "sync", "--once")
	return f
}

// ids are the stored messages, oldest first.
func (f *engineFixture) ids(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, m := range listAll(t, f.dir) {
		ids = append([]string{fmt.Sprint(m.ID)}, ids...)
	}
	return ids
}

// runEngine runs an engine in this process as the app would: it holds
// the lock and serves the control socket, until the test ends.
func (f *engineFixture) runEngine(t *testing.T) {
	t.Helper()
	unlock, err := storage.Lock(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(context.Background(), f.dir)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(db, engine.Options{DataDir: f.dir, DialTimeout: 5 * time.Second, IOTimeout: 5 * time.Second})
	srv, err := control.Listen(f.dir, &control.Local{Engine: e, Store: db, Running: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { srv.Serve(ctx); done <- struct{}{} }()
	go func() { e.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		db.Close()
		unlock()
	})
}

func serverFlags(t *testing.T, srv *imaptest.Server) map[string][]goimap.Flag {
	t.Helper()
	out := map[string][]goimap.Flag{}
	for _, m := range srv.Messages(t, "INBOX") {
		_, rest, _ := strings.Cut(string(m.Raw), "Subject: ")
		subject, _, _ := strings.Cut(rest, "\r\n")
		out[subject] = m.Flags
	}
	return out
}

// serverFlagsWhen polls serverFlags until ok holds or 20 seconds passed,
// and returns the last reading.
func serverFlagsWhen(t *testing.T, srv *imaptest.Server, ok func(map[string][]goimap.Flag) bool) map[string][]goimap.Flag {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		flags := serverFlags(t, srv)
		if ok(flags) || time.Now().After(deadline) {
			return flags
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMarkThroughTheControlSocket(t *testing.T) {
	f := newEngineFixture(t)
	ids := f.ids(t)
	f.runEngine(t)
	info, err := os.Stat(control.SocketPath(f.dir))
	if err != nil || info.Mode()&os.ModeSocket == 0 || info.Mode().Perm() != 0o600 {
		t.Fatalf("control socket = %v, %v; want a socket only the user can use", info.Mode(), err)
	}
	out := mustRunOut(t, f.dir, "mark", ids[0], ids[1], "--read", "--flag")
	if out != "marked 2 messages read and flagged\n" {
		t.Errorf("mark printed %q", out)
	}
	flags := serverFlags(t, f.imap)
	for _, s := range []string{"cli 0", "cli 1"} {
		if !slices.Contains(flags[s], goimap.FlagSeen) || !slices.Contains(flags[s], goimap.FlagFlagged) {
			t.Errorf("server flags of %q = %v, want \\Seen and \\Flagged", s, flags[s])
		}
	}
	if slices.Contains(flags["cli 2"], goimap.FlagSeen) {
		t.Errorf("an unmarked message is \\Seen on the server")
	}
	// The running engine's error comes back word for word.
	if code, _, errOut := run(t, f.dir, nil, "move", ids[2], "--to", "Nowhere"); code != 1 || !strings.Contains(errOut, `account "box" has no folder named "Nowhere"`) {
		t.Errorf("move to a missing folder = %d, %q", code, errOut)
	}
	mustRunOut(t, f.dir, "move", ids[2], "--to", "archive")
	if n := len(f.imap.Messages(t, "Archive")); n != 1 {
		t.Errorf("Archive holds %d messages after move, want 1", n)
	}
	// An import goes to the running engine too.
	eml := filepath.Join(t.TempDir(), "one.eml")
	if err := os.WriteFile(eml, []byte("From: old@example.test\r\nSubject: imported while running\r\nMessage-ID: <imp1@example.test>\r\n\r\nx\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := mustRunOut(t, f.dir, "import", "--account", "box", "--folder", "Old", eml); out != "imported 1 of 1 messages into box/Old\n" {
		t.Errorf("import through the socket printed %q", out)
	}
	if out := mustRunOut(t, f.dir, "search", "imported while running"); !strings.Contains(out, "imported while running") {
		t.Errorf("search after the import = %q", out)
	}
	// sync --once asks the running engine and reports its check.
	f.imap.Append(t, "INBOX", []byte("From: s@example.test\r\nSubject: late\r\n\r\nx\r\n"))
	if out := mustRunOut(t, f.dir, "sync", "--once"); !strings.Contains(out, ": 1 new") {
		t.Errorf("sync --once through the socket printed %q, want 1 new", out)
	}
	// Account changes go through the socket too, passwords included.
	manual := append(append([]string{}, addArgs...), "--retrieval", "manual")
	if code, out, errOut := run(t, f.dir, passwords, manual...); code != 0 || !strings.Contains(out, `added account "Work"`) {
		t.Fatalf("account add through the socket = %d, %q, %q", code, out, errOut)
	}
	if out := mustRunOut(t, f.dir, "account", "list"); !strings.Contains(out, "Work <me@example.test>") {
		t.Errorf("account list after adding through the socket = %q", out)
	}
	if out := mustRunOut(t, f.dir, "account", "remove", "Work"); !strings.Contains(out, `removed account "Work"`) {
		t.Errorf("account remove through the socket printed %q", out)
	}
}

func TestReplyAndForward(t *testing.T) {
	for _, through := range []string{"in process", "socket"} {
		t.Run(through, func(t *testing.T) {
			f := newEngineFixture(t)
			ids := f.ids(t)
			if through == "socket" {
				f.runEngine(t)
			}
			body := writeTemp(t, "Thanks, Ann.\n")
			if out := mustRunOut(t, f.dir, "reply", ids[0], "--body-file", body); !strings.HasPrefix(out, "sent message ") || !strings.HasSuffix(out, " to ann@example.test\n") {
				t.Errorf("reply printed %q", out)
			}
			mustRunOut(t, f.dir, "forward", ids[1], "--to", "Dave <dave@example.test>", "--body-file", body)
			sent := f.smtp.Messages()
			if len(sent) != 2 {
				t.Fatalf("SMTP server got %d messages, want the reply and the forward", len(sent))
			}
			reply, fwd := string(sent[0].Data), string(sent[1].Data)
			for _, want := range []string{"Subject: Re: cli 0", "In-Reply-To: <cli0@example.test>", "Thanks, Ann.", "> body 0"} {
				if !strings.Contains(reply, want) {
					t.Errorf("reply lacks %q:\n%s", want, reply)
				}
			}
			if !strings.Contains(fwd, "Subject: Fwd: cli 1") || !strings.Contains(fwd, "Forwarded message") || strings.Join(sent[1].To, ",") != "dave@example.test" {
				t.Errorf("forward to %v:\n%s", sent[1].To, fwd)
			}
			// Through the socket the running engine's worker takes the
			// flags to the server after the command returned.
			flags := serverFlagsWhen(t, f.imap, func(flags map[string][]goimap.Flag) bool {
				return slices.Contains(flags["cli 0"], goimap.FlagAnswered) && slices.Contains(flags["cli 1"], goimap.FlagForwarded)
			})
			if !slices.Contains(flags["cli 0"], goimap.FlagAnswered) {
				t.Errorf("server flags of the replied message = %v, want \\Answered", flags["cli 0"])
			}
			if !slices.Contains(flags["cli 1"], goimap.FlagForwarded) || slices.Contains(flags["cli 1"], goimap.FlagAnswered) {
				t.Errorf("server flags of the forwarded message = %v, want $Forwarded (and no \\Answered)", flags["cli 1"])
			}
		})
	}
}

func TestSendQueueThenOutboxSend(t *testing.T) {
	f := newEngineFixture(t)
	body := writeTemp(t, "later\n")
	if out := mustRunOut(t, f.dir, "send", "--queue", "--from", "box", "--to", "zed@example.test", "--subject", "queued", "--body-file", body); !strings.HasPrefix(out, "queued message ") {
		t.Errorf("send --queue printed %q", out)
	}
	if n := len(f.smtp.Messages()); n != 0 {
		t.Fatalf("send --queue sent %d messages, want none yet", n)
	}
	if code, _, errOut := run(t, f.dir, nil, "outbox", "send", "--account", "nobody"); code != 1 || !strings.Contains(errOut, "nobody") {
		t.Errorf("outbox send --account nobody = %d, %q; want an error naming the account", code, errOut)
	}
	if n := len(f.smtp.Messages()); n != 0 {
		t.Fatalf("outbox send of another account sent %d messages, want none", n)
	}
	if out := mustRunOut(t, f.dir, "outbox", "send", "--account", "box"); out != "sent every message that was due\n" {
		t.Errorf("outbox send printed %q", out)
	}
	if n := len(f.smtp.Messages()); n != 1 {
		t.Errorf("after outbox send the server got %d messages, want 1", n)
	}
	_, out, _ := run(t, f.dir, nil, "outbox", "--json")
	var items []outboxJSON
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items) != 1 || items[0].State != string(core.OutboxSent) {
		t.Errorf("outbox after outbox send = %s, want one sent message", out)
	}
}

func TestMessageCommandUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"mark without a flag", []string{"mark", "1"}, "usage: tributary mark"},
		{"mark read and unread", []string{"mark", "1", "--read", "--unread"}, "usage: tributary mark"},
		{"mark without IDs", []string{"mark", "--read"}, "usage: tributary mark"},
		{"mark a bad ID", []string{"mark", "x1", "--read"}, `"x1" is not a message ID`},
		{"move without a folder", []string{"move", "1"}, "usage: tributary move"},
		{"forward without recipients", []string{"forward", "1"}, "usage: tributary forward"},
		{"reply to two", []string{"reply", "1", "2"}, "usage: tributary reply"},
		{"resolve without a decision", []string{"outbox", "resolve", "1"}, "usage: tributary outbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, errOut := run(t, dir, nil, tc.args...); code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("%v = %d, %q; want 1 and %q", tc.args, code, errOut, tc.want)
			}
		})
	}
}

func mustRunOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	code, out, errOut := cliRun(t, dir, nil, nil, args...)
	if code != 0 {
		t.Fatalf("tributary %v = %d: %s %s", args, code, out, errOut)
	}
	return out
}

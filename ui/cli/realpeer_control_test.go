package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tributary-mail/tributary/core/control"
)

// dovecot logs in to Dovecot's IMAPS port as user, for checking what
// the server holds independently of Tributary.
func dovecot(t *testing.T, user, pass string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialTLS(servers["HOST"]+":"+servers["IMAPS_PORT"], nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(user, pass).Wait(); err != nil {
		c.Close()
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		c.Close()
		t.Fatal(err)
	}
	return c
}

// tokenFlags returns the flags of the INBOX messages whose subject
// contains token, by UID.
func tokenFlags(t *testing.T, c *imapclient.Client, token string) map[goimap.UID][]goimap.Flag {
	t.Helper()
	found, err := c.UIDSearch(&goimap.SearchCriteria{Header: []goimap.SearchCriteriaHeaderField{{Key: "Subject", Value: token}}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	out := map[goimap.UID][]goimap.Flag{}
	uids := found.AllUIDs()
	if len(uids) == 0 {
		return out
	}
	msgs, err := c.Fetch(goimap.UIDSetNum(uids...), &goimap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		out[m.UID] = m.Flags
	}
	return out
}

// dovecotLogins counts IMAP logins of user in Dovecot's log after offset
// bytes, and returns the log's size to count from next time.
func dovecotLogins(t *testing.T, user string, offset int64) (int, int64, error) {
	t.Helper()
	b, err := os.ReadFile(servers["MAIL_DIR"] + "/dovecot.log")
	if err != nil {
		return 0, 0, err
	}
	if offset > int64(len(b)) {
		offset = 0
	}
	n := strings.Count(string(b[offset:]), "imap-login: Info: Login: user=<"+user+">")
	return n, int64(len(b)), nil
}

// TestRealMarkThroughRunningSync runs `tributary sync` in the background
// against Dovecot, marks 20 messages read from the CLI, which goes
// through the sync's control socket, and checks on Dovecot that all 20
// are \Seen, and that the whole run logged in at most twice (the
// worker's command connection and IDLE).
func TestRealMarkThroughRunningSync(t *testing.T) {
	needServers(t)
	const n = 20
	user, pass := servers["USER5"], servers["PASS5"]
	token := "ctl" + strconv.FormatInt(time.Now().UnixNano(), 10)
	c := dovecot(t, user, pass)
	t.Cleanup(func() { c.Close() })
	for i := range n {
		raw := fmt.Sprintf("From: Sender <sender@example.test>\r\nTo: %s\r\nSubject: %s %d\r\nMessage-ID: <%s.%d@example.test>\r\n\r\nmessage %d\r\n", user, token, i, token, i, i)
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		cmd.Write([]byte(raw))
		cmd.Close()
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		uids := tokenFlags(t, c, token)
		var set goimap.UIDSet
		for uid := range uids {
			set.AddNum(uid)
		}
		if len(uids) > 0 {
			c.Store(set, &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Silent: true, Flags: []goimap.Flag{goimap.FlagDeleted}}, nil).Close()
			c.UIDExpunge(set).Close()
		}
	})

	dir := t.TempDir()
	addAccount(t, dir, "erin", user, pass, servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl")
	_, logOffset, logErr := dovecotLogins(t, user, 0)

	var out bytes.Buffer
	sync := exec.Command(os.Args[0], "-test.run=^$", "--", "--data-dir", dir, "sync")
	sync.Env = append(os.Environ(), "TRIBUTARY_CLI_CHILD=1")
	sync.Stdout, sync.Stderr = &out, &out
	if err := sync.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			sync.Process.Signal(syscall.SIGINT)
			sync.Wait()
		}
	}
	defer stop()

	// The background sync retrieves the messages; read-only commands
	// work beside it.
	var ids []string
	deadline := time.Now().Add(60 * time.Second)
	for len(ids) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the background sync stored %d of %d messages within 60 s; it said:\n%s", len(ids), n, out.String())
		}
		time.Sleep(200 * time.Millisecond)
		_, found, _ := cliRun(t, dir, nil, nil, "search", token, "--json", "--limit", "100")
		var list []messageJSON
		json.Unmarshal([]byte(found), &list)
		ids = ids[:0]
		for _, m := range list {
			ids = append(ids, strconv.FormatInt(m.ID, 10))
		}
	}
	if _, err := os.Stat(control.SocketPath(dir)); err != nil {
		t.Fatalf("the background sync has no control socket: %v\n%s", err, out.String())
	}

	code, stdout, stderr := cliRun(t, dir, nil, nil, append([]string{"mark", "--read"}, ids...)...)
	if code != 0 || stdout != fmt.Sprintf("marked %d messages read\n", n) {
		t.Fatalf("mark = %d, %q, %q", code, stdout, stderr)
	}
	// The running engine's worker tells the server in the background,
	// over the connection it already has.
	var flags map[goimap.UID][]goimap.Flag
	seen := 0
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		flags, seen = tokenFlags(t, c, token), 0
		for _, f := range flags {
			if slices.Contains(f, goimap.FlagSeen) {
				seen++
			}
		}
		if len(flags) == n && seen == n || time.Now().After(deadline) {
			break
		}
	}
	if len(flags) != n || seen != n {
		t.Errorf("Dovecot holds %d of the messages, %d of them \\Seen; want %d, all \\Seen", len(flags), seen, n)
	}
	logins, _, err := dovecotLogins(t, user, logOffset)
	if logErr == nil {
		logErr = err
	}
	stop()
	if logErr != nil {
		t.Logf("cannot read Dovecot's log to count logins: %v", logErr)
		t.Errorf("logins cannot be counted: %v", logErr)
		return
	}
	t.Logf("IMAP logins while tributary sync ran and %d messages were marked: %d", n, logins)
	if logins > 2 {
		t.Errorf("%d IMAP logins while syncing and marking %d messages, want at most 2 (commands and IDLE)", logins, n)
	}
}

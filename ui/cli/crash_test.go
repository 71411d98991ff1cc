//go:build unix

package cli

// Crash safety against the real Dovecot: tributary sync --once runs as a
// child process and is killed with SIGKILL at random moments, over and
// over, while it retrieves mail. After each kill the data directory is
// checked as the next start would find it, and after a completed sync
// every message on the server is stored exactly once.
//
// TRIBUTARY_CRASH_KILLS sets how many kills each test makes (5 by
// default, which CI runs); scripts/crashtest.sh runs 100 or more.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tributary-mail/tributary/core/mailtest"
	"github.com/tributary-mail/tributary/storage"
)

// crashKills is how many kills each crash test makes.
func crashKills(t *testing.T) int {
	t.Helper()
	s := os.Getenv("TRIBUTARY_CRASH_KILLS")
	if s == "" {
		return 5
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("TRIBUTARY_CRASH_KILLS=%q is not a positive number", s)
	}
	return n
}

// envUser returns user n of the env file, which must be the one
// scripts/mailservers.sh reserves for the test (no other test writes to
// its mailbox, so the counts are exact).
func envUser(t *testing.T, n int, want string) (user, pass string) {
	t.Helper()
	needServers(t)
	user, pass = servers["USER"+strconv.Itoa(n)], servers["PASS"+strconv.Itoa(n)]
	if user != want {
		mailtest.Missing(t, fmt.Sprintf("the env file has no user %s (USER%d is %q): scripts/mailservers.sh lists it; restart the servers (scripts/mailservers.sh start)", want, n, user))
	}
	return user, pass
}

// adminIMAP logs in to Dovecot over plain IMAP as user, to seed and
// inspect the mailbox from outside Tributary.
func adminIMAP(t *testing.T, user, pass string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(net.JoinHostPort(servers["HOST"], servers["IMAP_PORT"]), nil)
	if err != nil {
		t.Fatalf("dial Dovecot: %v", err)
	}
	if err := c.Login(user, pass).Wait(); err != nil {
		c.Close()
		t.Fatalf("login to Dovecot as %s: %v", user, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// serverMail is one message on the server.
type serverMail struct {
	uid   imap.UID
	hash  string // SHA-256 of the bytes, as the store names its files
	seen  bool
	bytes int
}

// serverInbox reads the INBOX of c: Message-ID (without brackets) to the
// message. A Message-ID seen twice fails the test.
func serverInbox(t *testing.T, c *imapclient.Client) map[string]serverMail {
	t.Helper()
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatalf("select INBOX: %v", err)
	}
	out := map[string]serverMail{}
	if sel.NumMessages == 0 {
		return out
	}
	bufs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatalf("fetch INBOX: %v", err)
	}
	for _, b := range bufs {
		if len(b.BodySection) == 0 {
			t.Fatalf("server message UID %d has no body", b.UID)
		}
		raw := b.BodySection[0].Bytes
		mid := headerMessageID(t, raw)
		if _, dup := out[mid]; dup {
			t.Fatalf("the server holds %s twice; the seed is broken", mid)
		}
		sum := sha256.Sum256(raw)
		out[mid] = serverMail{uid: b.UID, hash: hex.EncodeToString(sum[:]), seen: slices.Contains(b.Flags, imap.FlagSeen), bytes: len(raw)}
	}
	return out
}

func headerMessageID(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse a server message: %v", err)
	}
	return strings.Trim(m.Header.Get("Message-ID"), "<> ")
}

// emptyInbox removes every message from user's INBOX.
func emptyInbox(t *testing.T, c *imapclient.Client) {
	t.Helper()
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatalf("select INBOX: %v", err)
	}
	if sel.NumMessages == 0 {
		return
	}
	all := imap.SeqSet{{Start: 1, Stop: 0}}
	if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatalf("store \\Deleted: %v", err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatalf("expunge: %v", err)
	}
}

// crashMail is message i of a seed tagged tag: a few KiB, each different.
func crashMail(tag string, i int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Crash Test <crash@example.test>\r\nTo: someone@example.test\r\nSubject: %s %d\r\nMessage-ID: <%s-%d@example.test>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\n", tag, i, tag, i)
	for l := range 20 + i%40 {
		fmt.Fprintf(&b, "line %d of message %d: a mail client must never lose a message.\r\n", l, i)
	}
	return b.Bytes()
}

// seedInbox appends n messages tagged tag, pipelined in groups.
func seedInbox(t *testing.T, c *imapclient.Client, tag string, n int) {
	t.Helper()
	const group = 100
	for start := 0; start < n; start += group {
		var cmds []*imapclient.AppendCommand
		for i := start; i < min(start+group, n); i++ {
			raw := crashMail(tag, i)
			cmd := c.Append("INBOX", int64(len(raw)), nil)
			if _, err := cmd.Write(raw); err != nil {
				t.Fatalf("append: %v", err)
			}
			if err := cmd.Close(); err != nil {
				t.Fatalf("append: %v", err)
			}
			cmds = append(cmds, cmd)
		}
		for _, cmd := range cmds {
			if _, err := cmd.Wait(); err != nil {
				t.Fatalf("append: %v", err)
			}
		}
	}
}

// storedMail reads the store of dir directly from SQLite, as the next
// start would find it: PRAGMA integrity_check must say ok, every row's
// file must exist and hold the bytes its name promises, and it returns
// Message-ID to file hashes (one per stored copy).
func storedMail(t *testing.T, dir string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, storage.DBFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("PRAGMA integrity_check = %q, %v; want ok", check, err)
	}
	rows, err := db.Query("SELECT message_id, blob FROM messages")
	if err != nil {
		t.Fatalf("read messages: %v", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var mid, blob string
		if err := rows.Scan(&mid, &blob); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join(dir, "messages", blob[:2], blob+".eml"))
		if err != nil {
			t.Fatalf("message %s has a row but no file: %v", mid, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != blob {
			t.Fatalf("message %s: its file holds bytes with hash %s, not %s (damaged)", mid, got, blob)
		}
		mid = strings.Trim(mid, "<> ")
		out[mid] = append(out[mid], blob)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// journalLength counts the entries waiting in dir's journal.
func journalLength(t *testing.T, dir string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, storage.DBFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM journal").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkExactlyOnce fails unless the store holds every server message
// exactly once, with the same bytes, and nothing else.
func checkExactlyOnce(t *testing.T, stored map[string][]string, want map[string]serverMail) {
	t.Helper()
	bad := 0
	for mid, m := range want {
		if got := stored[mid]; len(got) != 1 || got[0] != m.hash {
			if bad++; bad <= 5 {
				t.Errorf("%s stored as %v, want once with hash %s", mid, got, m.hash)
			}
		}
	}
	for mid := range stored {
		if _, ok := want[mid]; !ok {
			t.Errorf("the store holds %s, which the server never had", mid)
		}
	}
	if bad > 5 {
		t.Errorf("... %d messages wrong in all", bad)
	}
}

// childSync starts tributary sync --once on dir as a child process: the
// test binary, which runs the command line when TRIBUTARY_CLI_CHILD=1.
func childSync(t *testing.T, dir string, out *bytes.Buffer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "--data-dir", dir, "sync", "--once")
	cmd.Env = append(os.Environ(), "TRIBUTARY_CLI_CHILD=1")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// timedSync runs one uninterrupted child sync and returns how long it took.
func timedSync(t *testing.T, dir string) time.Duration {
	t.Helper()
	var out bytes.Buffer
	start := time.Now()
	if err := childSync(t, dir, &out).Wait(); err != nil {
		t.Fatalf("sync --once = %v:\n%s", err, out.String())
	}
	return time.Since(start)
}

// killLoop runs sync --once on dir again and again, each time killing it
// with SIGKILL after a random delay below maxDelay, and calls check after
// every kill. It stops when a run finishes on its own (which must be a
// success) or after budget kills, and returns the kills that landed.
func killLoop(t *testing.T, dir string, maxDelay time.Duration, budget int, check func()) int {
	t.Helper()
	kills := 0
	for kills < budget {
		var out bytes.Buffer
		cmd := childSync(t, dir, &out)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("sync --once after %d kills = %v:\n%s", kills, err, out.String())
			}
			return kills
		case <-time.After(time.Duration(rand.Int64N(int64(maxDelay)))):
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := <-exited
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			// It finished just before the signal.
			if err != nil {
				t.Fatalf("sync --once = %v:\n%s", err, out.String())
			}
			return kills
		}
		kills++
		check()
	}
	return kills
}

// TestCrashPOP3DeleteFromServer kills sync --once at random points while
// it retrieves a POP3 maildrop with "leave on server" off. After every
// kill, each message gone from the server is stored (with its bytes) and
// nothing is stored twice; after a completed sync the server is empty and
// every message is stored exactly once.
func TestCrashPOP3DeleteFromServer(t *testing.T) {
	user, pass := envUser(t, 6, "frank@example.test")
	const perRound = 60
	budget := crashKills(t)
	admin := adminIMAP(t, user, pass)
	var maxDelay time.Duration
	kills, partial, rounds := 0, 0, 0
	for ; kills < budget; rounds++ {
		tag := fmt.Sprintf("pop3crash-%d-%d", time.Now().UnixNano(), rounds)
		emptyInbox(t, admin)
		seedInbox(t, admin, tag, perRound)
		seeded := serverInbox(t, admin)
		if len(seeded) != perRound {
			t.Fatalf("seeded %d messages, server holds %d", perRound, len(seeded))
		}
		source := []string{"--source-protocol", "pop3", "--source-host", servers["HOST"], "--source-port", servers["POP3S_PORT"],
			"--source-encryption", "ssl", "--retrieval", "manual"}
		if maxDelay == 0 {
			// How long a whole sync takes here, leaving the mail in place.
			probe := t.TempDir()
			addAccount(t, probe, "frank", user, pass, servers["SUBMISSION_PORT"], "starttls", source...)
			maxDelay = timedSync(t, probe) * 11 / 10
			t.Logf("a whole POP3 sync of %d messages takes %v", perRound, maxDelay*10/11)
		}
		dir := t.TempDir()
		addAccount(t, dir, "frank", user, pass, servers["SUBMISSION_PORT"], "starttls", append(source, "--leave-on-server=false")...)
		kills += killLoop(t, dir, maxDelay, budget-kills, func() {
			stored := storedMail(t, dir)
			onServer := serverInbox(t, admin)
			lost := 0
			for mid, m := range seeded {
				if _, ok := onServer[mid]; ok {
					continue
				}
				lost++
				if got := stored[mid]; len(got) != 1 || got[0] != m.hash {
					t.Fatalf("%s is gone from the server but stored as %v (want once, hash %s): deleted before it was durable", mid, got, m.hash)
				}
			}
			for mid, copies := range stored {
				if len(copies) != 1 {
					t.Fatalf("%s stored %d times after a kill", mid, len(copies))
				}
			}
			if n := len(stored); n > 0 && n < perRound {
				partial++
			}
			t.Logf("killed: %d stored, server lost %d (all of them stored)", len(stored), lost)
		})
		mustRun(t, dir, nil, "sync", "--once")
		if left := serverInbox(t, admin); len(left) != 0 {
			t.Errorf("round %d: the server holds %d messages after a completed sync, want 0", rounds, len(left))
		}
		checkExactlyOnce(t, storedMail(t, dir), seeded)
		if stale, _ := filepath.Glob(filepath.Join(dir, "messages", "incoming-*.tmp")); len(stale) != 0 {
			t.Errorf("temporary files left after the completed sync: %v", stale)
		}
		if t.Failed() {
			break
		}
	}
	t.Logf("POP3 delete-from-server: %d kills survived over %d rounds of %d messages (%d left the store part-filled), nothing lost, nothing stored twice", kills, rounds, perRound, partial)
}

// TestCrashIMAPLargeMailbox kills sync --once at random points while it
// retrieves an IMAP INBOX of 2,000 messages from Dovecot, then lets a
// sync complete: every message is stored exactly once, byte for byte.
func TestCrashIMAPLargeMailbox(t *testing.T) {
	user, pass := envUser(t, 7, "grace@example.test")
	const total = 2000
	const tag = "imapcrash"
	budget := crashKills(t)
	admin := adminIMAP(t, user, pass)
	onServer := serverInbox(t, admin)
	if len(onServer) != total || !strings.HasPrefix(firstKey(onServer), tag+"-") {
		// Seeded once; later runs reuse the mailbox, which nothing else writes.
		emptyInbox(t, admin)
		seedInbox(t, admin, tag, total)
		onServer = serverInbox(t, admin)
	}
	if len(onServer) != total {
		t.Fatalf("the server holds %d messages, want %d", len(onServer), total)
	}
	source := []string{"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl"}
	// No calibration run: a whole sync takes tens of seconds here, and
	// the stored mail carries over from run to run, so kills within the
	// first seconds of each run land all along the sync.
	const maxDelay = 3 * time.Second

	kills, partial, rounds := 0, 0, 0
	for ; kills < budget && !t.Failed(); rounds++ {
		dir := t.TempDir()
		addAccount(t, dir, "grace", user, pass, servers["SUBMISSION_PORT"], "starttls", source...)
		kills += killLoop(t, dir, maxDelay, budget-kills, func() {
			stored := storedMail(t, dir)
			for mid, copies := range stored {
				if len(copies) != 1 || copies[0] != onServer[mid].hash {
					t.Fatalf("after a kill %s is stored as %v, want once with hash %s", mid, copies, onServer[mid].hash)
				}
			}
			if n := len(stored); n > 0 && n < total {
				partial++
			}
		})
		start := time.Now()
		mustRun(t, dir, nil, "sync", "--once")
		t.Logf("round %d: %d kills so far; the completing sync took %v", rounds, kills, time.Since(start))
		checkExactlyOnce(t, storedMail(t, dir), onServer)
	}
	if after := serverInbox(t, admin); len(after) != total {
		t.Errorf("the server holds %d messages after the test, want %d (an IMAP sync never deletes)", len(after), total)
	}
	t.Logf("IMAP %d messages: %d kills survived over %d rounds (%d left the store part-filled), every message stored exactly once", total, kills, rounds, partial)
}

func firstKey(m map[string]serverMail) string {
	for k := range m {
		return k
	}
	return ""
}

// storeProxy forwards IMAP connections to Dovecot line by line, and can
// refuse connections (the server is down) or hold the first STORE
// command without forwarding it, so a test can kill the client exactly
// while it replays its journal.
type storeProxy struct {
	ln     net.Listener
	target string

	mu         sync.Mutex
	down       bool
	hold       bool
	held       chan struct{} // closed when a STORE was held
	storeLines []string      // the STORE commands forwarded to the server
	conns      []net.Conn
	isStore    *regexp.Regexp
}

func startStoreProxy(t *testing.T, target string) *storeProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &storeProxy{ln: ln, target: target, isStore: regexp.MustCompile(`(?i)^\S+ (UID )?STORE `)}
	t.Cleanup(func() { ln.Close(); p.closeAll() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *storeProxy) port() string { return strconv.Itoa(p.ln.Addr().(*net.TCPAddr).Port) }

func (p *storeProxy) set(down, hold bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down, p.hold = down, hold
	if hold {
		p.held = make(chan struct{})
	}
}

func (p *storeProxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *storeProxy) serve(c net.Conn) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		c.Close()
		return
	}
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, s)
	p.mu.Unlock()
	go func() { io.Copy(c, s); c.Close() }()
	defer s.Close()
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if p.isStore.MatchString(line) {
			p.mu.Lock()
			if p.hold {
				p.hold = false
				close(p.held)
				p.mu.Unlock()
				return // never forwarded; the connection closes
			}
			p.storeLines = append(p.storeLines, strings.TrimSpace(line))
			p.mu.Unlock()
		}
		if _, err := io.WriteString(s, line); err != nil {
			return
		}
	}
}

// TestCrashJournalReplay: a flag change made while the server is down
// waits in the journal; a later sync is killed with SIGKILL just as it
// replays the change (the STORE never reaches the server); after a
// restart the change reaches Dovecot, exactly once.
func TestCrashJournalReplay(t *testing.T) {
	user, pass := envUser(t, 8, "heidi@example.test")
	admin := adminIMAP(t, user, pass)
	emptyInbox(t, admin)
	tag := fmt.Sprintf("journal-%d", time.Now().UnixNano())
	seedInbox(t, admin, tag, 3)
	proxy := startStoreProxy(t, net.JoinHostPort(servers["HOST"], servers["IMAP_PORT"]))
	dir := t.TempDir()
	addAccount(t, dir, "heidi", user, pass, servers["SUBMISSION_PORT"], "starttls",
		"--source-protocol", "imap", "--source-host", "127.0.0.1", "--source-port", proxy.port(),
		"--source-encryption", "none", "--allow-cleartext-password")
	mustRun(t, dir, nil, "sync", "--once")
	target := -1
	for _, m := range listAll(t, dir) {
		if m.Subject == tag+" 1" {
			target = int(m.ID)
		}
	}
	if target < 0 {
		t.Fatalf("message %q not synced", tag+" 1")
	}

	proxy.set(true, false)
	code, out, errOut := cliRun(t, dir, nil, nil, "mark", strconv.Itoa(target), "--read")
	if code == 0 || !strings.Contains(errOut, "the server will get the change when it can be reached") {
		t.Fatalf("mark --read with the server down = exit %d, %q %q; want non-zero, saying the change waits", code, out, errOut)
	}
	if n := journalLength(t, dir); n != 1 {
		t.Fatalf("journal after the offline change holds %d entries, want 1", n)
	}

	proxy.set(false, true)
	var childOut bytes.Buffer
	cmd := childSync(t, dir, &childOut)
	select {
	case <-proxy.held:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the sync never replayed the change:\n%s", childOut.String())
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	proxy.closeAll()
	if n := journalLength(t, dir); n != 1 {
		t.Fatalf("journal after the kill holds %d entries, want the 1 not yet confirmed", n)
	}
	if m := serverInbox(t, admin)[tag+"-1@example.test"]; m.seen {
		t.Fatal("the server has the change although its STORE was held back; the test proves nothing")
	}

	timedSync(t, dir) // the restart: it must succeed
	onServer := serverInbox(t, admin)
	for mid, m := range onServer {
		if want := mid == tag+"-1@example.test"; m.seen != want {
			t.Errorf("%s on the server: seen = %v, want %v", mid, m.seen, want)
		}
	}
	if n := journalLength(t, dir); n != 0 {
		t.Errorf("journal after the replay holds %d entries, want 0", n)
	}
	mustRun(t, dir, nil, "sync", "--once")
	// One flags entry is applied as a +FLAGS and a -FLAGS STORE; the
	// +FLAGS (\Seen) one must have reached the server exactly once.
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	added := 0
	for _, l := range proxy.storeLines {
		if strings.Contains(l, "+FLAGS") && strings.Contains(l, `\Seen`) {
			added++
		}
	}
	if added != 1 {
		t.Errorf("STORE +FLAGS (\\Seen) that reached the server: %d (%q), want exactly 1", added, proxy.storeLines)
	}
}

package engine

// The load test of issue 11 §6: 20 accounts sync at once against the real
// Dovecot while one of them sends 1,000 messages through the real Postfix
// (submission, STARTTLS and AUTH) to all 20. It is long, so it runs only
// with TRIBUTARY_LOAD=1, which scripts/loadtest.sh sets; it is not part of
// the CI command. With the flag set, missing servers are a failure.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest"
	"github.com/tributary-mail/tributary/core/smtp"
	"github.com/tributary-mail/tributary/storage"
)

// loadSettings are the knobs of the load test, from the environment.
type loadSettings struct {
	accounts  int           // TRIBUTARY_LOAD_ACCOUNTS, default 20
	send      int           // TRIBUTARY_LOAD_SEND, default 1000
	timeout   time.Duration // TRIBUTARY_LOAD_TIMEOUT, default 20m
	maxRSSMiB int           // TRIBUTARY_LOAD_MAX_RSS_MIB, default 512
	maxP95    time.Duration // TRIBUTARY_LOAD_MAX_P95_MS, default 100 ms
	servers   map[string]string
}

func loadSetup(t *testing.T) loadSettings {
	t.Helper()
	if os.Getenv("TRIBUTARY_LOAD") != "1" {
		t.Skip("the load test runs with TRIBUTARY_LOAD=1 (scripts/loadtest.sh); CI does not run it")
	}
	num := func(key string, def int) int {
		v := os.Getenv(key)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("%s=%q: want a positive number", key, v)
		}
		return n
	}
	s := loadSettings{
		accounts:  num("TRIBUTARY_LOAD_ACCOUNTS", 20),
		send:      num("TRIBUTARY_LOAD_SEND", 1000),
		timeout:   time.Duration(num("TRIBUTARY_LOAD_TIMEOUT_S", 1200)) * time.Second,
		maxRSSMiB: num("TRIBUTARY_LOAD_MAX_RSS_MIB", 512),
		maxP95:    time.Duration(num("TRIBUTARY_LOAD_MAX_P95_MS", 100)) * time.Millisecond,
	}
	var err error
	if s.servers, err = mailtest.ReadServers(mailtest.ServersFile()); err != nil {
		t.Fatalf("the load test needs the servers of scripts/mailservers.sh: %v", err)
	}
	// Trust the test CA as a user's system trusts real ones. crypto/x509
	// reads SSL_CERT_FILE once, at the first verification: the script runs
	// this test alone, so that has not happened yet.
	os.Setenv("SSL_CERT_FILE", s.servers["CA_FILE"])
	return s
}

// loadUsers returns the first n load users (loadN@example.test) of the
// env file, address to password.
func (s loadSettings) loadUsers(t *testing.T) ([]string, map[string]string) {
	t.Helper()
	pass := map[string]string{}
	var users []string
	for i := 1; i <= s.accounts; i++ {
		user := fmt.Sprintf("load%d@example.test", i)
		for k, v := range s.servers {
			if v == user && strings.HasPrefix(k, "USER") {
				pass[user] = s.servers["PASS"+strings.TrimPrefix(k, "USER")]
			}
		}
		if pass[user] == "" {
			t.Fatalf("the env file has no %s: restart the servers (scripts/mailservers.sh start)", user)
		}
		users = append(users, user)
	}
	return users, pass
}

// loadIMAP logs in to Dovecot as user, from outside Tributary.
func (s loadSettings) loadIMAP(t *testing.T, user, pass string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(net.JoinHostPort(s.servers["HOST"], s.servers["IMAP_PORT"]), nil)
	if err != nil {
		t.Fatalf("dial Dovecot: %v", err)
	}
	if err := c.Login(user, pass).Wait(); err != nil {
		c.Close()
		t.Fatalf("login to Dovecot as %s: %v", user, err)
	}
	return c
}

// loadSubject marks the messages the load test sends, so that the next
// run can remove them and start from the seed again.
const loadSubject = "tributary load run"

// resetLoadMailbox removes what earlier runs left: their messages in
// INBOX, and everything in Sent.
func resetLoadMailbox(t *testing.T, c *imapclient.Client) {
	t.Helper()
	expunge := func(mailbox string, criteria *imap.SearchCriteria) {
		if _, err := c.Select(mailbox, nil).Wait(); err != nil {
			return // no Sent yet: nothing to remove
		}
		found, err := c.UIDSearch(criteria, nil).Wait()
		if err != nil {
			t.Fatalf("search %s: %v", mailbox, err)
		}
		uids := found.AllUIDs()
		if len(uids) == 0 {
			return
		}
		if err := c.Store(imap.UIDSetNum(uids...), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			t.Fatalf("store \\Deleted in %s: %v", mailbox, err)
		}
		if err := c.Expunge().Close(); err != nil {
			t.Fatalf("expunge %s: %v", mailbox, err)
		}
	}
	expunge("INBOX", &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: loadSubject}}})
	expunge("Sent", &imap.SearchCriteria{})
}

// serverMessageIDs lists the Message-IDs (without brackets) in mailbox.
func serverMessageIDs(t *testing.T, c *imapclient.Client, mailbox string) []string {
	t.Helper()
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		t.Fatalf("select %s: %v", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil {
		t.Fatalf("fetch %s: %v", mailbox, err)
	}
	var ids []string
	for _, m := range msgs {
		ids = append(ids, strings.Trim(m.Envelope.MessageID, "<> "))
	}
	return ids
}

// latencies collects durations and summarises them.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// summary returns the count, p50, p95, p99 and max.
func (l *latencies) summary() (n int, p50, p95, p99, most time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0, 0, 0, 0, 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return len(s), at(0.50), at(0.95), at(0.99), s[len(s)-1]
}

func (l *latencies) String() string {
	n, p50, p95, p99, most := l.summary()
	r := func(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
	slow := 0
	l.mu.Lock()
	for _, d := range l.d {
		if d >= 100*time.Millisecond {
			slow++
		}
	}
	l.mu.Unlock()
	return fmt.Sprintf("%d samples, p50 %s, p95 %s, p99 %s, max %s, %d at 100 ms or more", n, r(p50), r(p95), r(p99), r(most), slow)
}

// procStatus reads a "kB" field of /proc/self/status (VmRSS, VmHWM) in KiB.
func procStatus(t *testing.T, field string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatalf("read /proc/self/status: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatalf("/proc/self/status has no %s", field)
	return 0
}

func loadAverage() float64 {
	b, _ := os.ReadFile("/proc/loadavg")
	f, _ := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	return f
}

// probeSource marks the probe events the test publishes itself, to time
// delivery through the bus behind the engine's own events.
const probeSource = -1

// TestLoad runs the engine as `tributary sync` and the app do (Run: one
// worker and one IDLE watcher per source, the outbox loop), with 20 IMAP
// accounts over implicit TLS, while one of them queues and sends 1,000
// messages to all of them, one at a time, each over its own submission
// session (STARTTLS, AUTH). Every 100 ms while that runs it times
// what the GUI's inbox asks (the first page of the unified inbox and its
// count) and the delivery of a probe event to a subscriber that reads
// like the GUI's. It ends when everything was sent and every message on
// every server is stored, and checks: no error event, no outbox message
// in any state but sent, every server message stored exactly once, peak
// RSS under the bound, and p95 of both latencies under 100 ms (under the
// race detector, which slows SQLite several times, the script allows
// more: the race run is there to find races, not to time).
func TestLoad(t *testing.T) {
	s := loadSetup(t)
	users, pass := s.loadUsers(t)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Logf("load: %d accounts, %d messages to send, run %s", len(users), s.send, run)

	seeded := 0
	for _, u := range users {
		c := s.loadIMAP(t, u, pass[u])
		resetLoadMailbox(t, c)
		n := len(serverMessageIDs(t, c, "INBOX"))
		if n == 0 {
			t.Fatalf("%s's INBOX is empty: restart the servers (scripts/mailservers.sh start) to seed it", u)
		}
		seeded += n
		c.Close()
	}

	dir := t.TempDir()
	ctx := context.Background()
	db, err := storage.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logBuf syncBuffer
	e := New(db, Options{DataDir: dir, DialTimeout: 15 * time.Second, IOTimeout: time.Minute,
		Logger: slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	imapsPort, _ := strconv.Atoi(s.servers["IMAPS_PORT"])
	submissionPort, _ := strconv.Atoi(s.servers["SUBMISSION_PORT"])
	accounts := map[string]core.Account{}
	for _, u := range users {
		name := strings.TrimSuffix(u, "@example.test")
		a := core.Account{Name: name, DisplayName: "Load " + name, Email: u, PasswordStore: core.PasswordStoreFile,
			SMTP: core.SMTPSettings{Host: s.servers["HOST"], Port: submissionPort, Username: u, Encryption: core.EncryptionSTARTTLS, Auth: true},
			Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: s.servers["HOST"], Port: imapsPort, Username: u,
				Encryption: core.EncryptionSSL, Method: core.MethodAutomatic, Interval: core.MinimumInterval, Folder: core.DefaultFolder}}}
		if err := db.CreateAccount(ctx, &a); err != nil {
			t.Fatal(err)
		}
		if err := e.SavePasswords(a, core.Passwords{SMTP: pass[u], Sources: []string{pass[u]}}); err != nil {
			t.Fatal(err)
		}
		accounts[u] = a
	}
	sender := accounts[users[0]]

	// The subscriber reads as the GUI's does: every event, at once.
	sub := e.Subscribe()
	var (
		mu        sync.Mutex
		probeSent = map[int]time.Time{}
		events    latencies
		queuedAt  = map[int64]time.Time{}
		toSent    latencies // queued to sent (the SMTP server took it)
		sends     latencies // how long Send took, Sent copy included
		errs      []string
		sent      = map[int64]bool{}
		newMail   int
		syncs     int
	)
	subDone := make(chan struct{})
	go func() {
		defer close(subDone)
		for ev := range sub.C() {
			now := time.Now()
			mu.Lock()
			switch {
			case ev.SourceID == probeSource:
				events.add(now.Sub(probeSent[ev.Done]))
			case ev.Kind == EventError:
				errs = append(errs, fmt.Sprintf("%s: %v", ev.Label, ev.Err))
			case ev.Kind == EventOutbox && ev.Outbox != nil:
				switch ev.Outbox.State {
				case core.OutboxSent:
					sent[ev.Outbox.ID] = true
					toSent.add(now.Sub(queuedAt[ev.Outbox.ID]))
				case core.OutboxQueued, core.OutboxSending:
				default:
					errs = append(errs, fmt.Sprintf("outbox %d %s: %s", ev.Outbox.ID, ev.Outbox.State, ev.Outbox.LastError))
				}
			case ev.Kind == EventNewMail:
				newMail += len(ev.MessageIDs) + len(ev.Filed)
			case ev.Kind == EventSynced:
				syncs++
			}
			mu.Unlock()
		}
	}()

	cleared := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // peak RSS from here
	rssBefore := procStatus(t, "VmRSS")
	loadBefore := loadAverage()
	start := time.Now()
	runCtx, stop := context.WithTimeout(ctx, s.timeout)
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- e.Run(runCtx) }()

	// Queue and send while the sources sync, one message after another,
	// as a user composing would.
	queued := make(chan []string, 1)
	go func() {
		var ids []string
		for i := range s.send {
			to := users[i%len(users)]
			item, err := e.Queue(runCtx, sender, smtp.Draft{
				To:      []*mail.Address{{Name: "Load " + to, Address: to}},
				Subject: fmt.Sprintf("%s %s #%d", loadSubject, run, i),
				Text:    fmt.Sprintf("Message %d of load run %s.\n%s\n", i, run, strings.Repeat("A line of text to make the message a little longer.\n", 20)),
			})
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("queue %d: %v", i, err))
				mu.Unlock()
				break
			}
			ids = append(ids, strings.Trim(item.MessageID, "<> "))
			mu.Lock()
			queuedAt[item.ID] = time.Now()
			mu.Unlock()
			// Sent at once, as the composer and `tributary send` do: a
			// session (STARTTLS, AUTH) per message.
			t0 := time.Now()
			_, err = e.Send(runCtx, item.ID)
			sends.add(time.Since(t0))
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("send %d: %v", i, err))
				mu.Unlock()
			}
		}
		queued <- ids
	}()

	// What the GUI asks while mail pours in, every 100 ms.
	var lists latencies
	peakLoad := loadBefore
	want := seeded + s.send
	var sentIDs []string
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for seq := 0; ; seq++ {
		select {
		case <-runCtx.Done():
			mu.Lock()
			msg := fmt.Sprintf("load: not done after %v: %d of %d sent, %d of %d messages announced; errors: %q", s.timeout, len(sent), s.send, newMail, want, errs)
			mu.Unlock()
			t.Fatal(msg)
		case sentIDs = <-queued:
		case <-ticker.C:
		}
		t0 := time.Now()
		if _, err := db.List(ctx, storage.ListQuery{Limit: 50}); err != nil {
			t.Fatalf("list the unified inbox: %v", err)
		}
		t1 := time.Now()
		n, err := db.Count(ctx, storage.ListQuery{})
		if err != nil {
			t.Fatalf("count the unified inbox: %v", err)
		}
		if took := time.Since(t0); took >= 100*time.Millisecond {
			// Kept for the record: when, and which half was slow.
			t.Logf("load: %5.1fs: a slow inbox page: list %v, count %v, load average %.2f", t0.Sub(start).Seconds(), t1.Sub(t0), time.Since(t1), loadAverage())
		}
		lists.add(time.Since(t0))
		mu.Lock()
		probeSent[seq] = time.Now()
		mu.Unlock()
		e.publish(Event{Kind: EventSynced, SourceID: probeSource, Done: seq})
		peakLoad = max(peakLoad, loadAverage())
		mu.Lock()
		done := len(sent) == s.send && sentIDs != nil
		mu.Unlock()
		if done && n == want {
			break
		}
		if seq%100 == 0 {
			mu.Lock()
			t.Logf("load: %5.1fs: %d sent, %d of %d in the unified inbox, %d errors, RSS %d MiB", time.Since(start).Seconds(), len(sent), n, want, len(errs), procStatus(t, "VmRSS")/1024)
			mu.Unlock()
		}
	}
	elapsed := time.Since(start)
	peakRSS := procStatus(t, "VmHWM")
	stop()
	if err := <-runErr; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	sub.Close()
	<-subDone

	// Every message on every server is stored exactly once, in its
	// account; the sent ones arrived where they were sent.
	mu.Lock()
	defer mu.Unlock()
	arrived := map[string]int{}
	stored := 0
	for _, u := range users {
		c := s.loadIMAP(t, u, pass[u])
		onServer := serverMessageIDs(t, c, "INBOX")
		c.Close()
		list, err := db.List(ctx, storage.ListQuery{AccountID: accounts[u].ID, Limit: 10 * (len(onServer) + 1)})
		if err != nil {
			t.Fatal(err)
		}
		local := map[string]int{}
		for _, m := range list {
			local[strings.Trim(m.MessageID, "<> ")]++
		}
		for _, id := range onServer {
			if local[id] != 1 {
				t.Errorf("%s: server message %s stored %d times, want once", u, id, local[id])
			}
			arrived[id]++
		}
		if len(list) != len(onServer) {
			t.Errorf("%s: %d messages in the local inbox, %d on the server", u, len(list), len(onServer))
		}
		stored += len(list)
	}
	// The sender's Sent copies went to its server's Sent, each once.
	c := s.loadIMAP(t, users[0], pass[users[0]])
	inSent := map[string]int{}
	for _, id := range serverMessageIDs(t, c, "Sent") {
		inSent[id]++
	}
	c.Close()
	for _, id := range sentIDs {
		if inSent[id] != 1 {
			t.Errorf("sent message %s is %d times in %s's Sent on the server, want once", id, inSent[id], users[0])
		}
		if arrived[id] != 1 {
			t.Errorf("sent message %s is in %d server inboxes, want 1", id, arrived[id])
		}
	}
	if len(sentIDs) != s.send {
		t.Errorf("queued %d messages, want %d", len(sentIDs), s.send)
	}
	if len(errs) > 0 {
		t.Errorf("load: %d errors, want none; the first: %q", len(errs), errs[:min(len(errs), 10)])
	}
	if w := logBuf.String(); w != "" {
		t.Logf("load: engine warnings:\n%s", w)
	}

	t.Logf("load: done in %.1f s: %d accounts, %d messages sent, %d stored in the inboxes (%d seeded + %d sent), %d new-mail messages announced, %d syncs, %d errors",
		elapsed.Seconds(), len(users), len(sent), stored, seeded, s.send, newMail, syncs, len(errs))
	t.Logf("load: peak RSS %d MiB (VmHWM; %d MiB before the run%s), load average %.2f before, %.2f at most",
		peakRSS/1024, rssBefore/1024, map[bool]string{true: "", false: ", peak since the process started"}[cleared == nil], loadBefore, peakLoad)
	t.Logf("load: unified inbox first page + count: %s", &lists)
	t.Logf("load: event delivery to a subscriber: %s", &events)
	t.Logf("load: queued to sent: %s", &toSent)
	t.Logf("load: Send, until its Sent copy is on the server: %s", &sends)
	if peakRSS/1024 > s.maxRSSMiB {
		t.Errorf("peak RSS %d MiB, want at most %d MiB (TRIBUTARY_LOAD_MAX_RSS_MIB)", peakRSS/1024, s.maxRSSMiB)
	}
	for _, l := range []struct {
		name string
		l    *latencies
	}{{"the unified inbox's first page and count", &lists}, {"event delivery", &events}} {
		if _, _, p95, _, _ := l.l.summary(); p95 >= s.maxP95 {
			t.Errorf("%s: p95 %v, want under %v (%s)", l.name, p95, s.maxP95, l.l)
		}
	}
}

// syncBuffer is a bytes.Buffer for a logger that several goroutines use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

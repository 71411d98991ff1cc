package imap_test

// This test talks to the Dovecot that scripts/mailservers.sh starts, on its
// listener without CONDSTORE (127.0.0.2): the flag searches go out
// pipelined there (Dovecot has ESEARCH), and Dovecot answers pipelined
// searches before completing any, which is what a real server must be
// asked to show.

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest"
	"github.com/tributary-mail/tributary/core/netconn"
)

// mailServers reads the settings scripts/mailservers.sh wrote; without
// them the test fails under CI=true and is skipped elsewhere.
func mailServers(t *testing.T) map[string]string {
	t.Helper()
	path := mailtest.ServersFile()
	env, err := mailtest.ReadServers(path)
	if err != nil {
		mailtest.Missing(t, fmt.Sprintf("real mail servers are not running (%v): run scripts/mailservers.sh start first; CI runs this test", err))
	}
	if env["NOCONDSTORE_HOST"] == "" {
		t.Fatalf("%s has no NOCONDSTORE_HOST: restart the servers with today's scripts/mailservers.sh", path)
	}
	return env
}

func TestRealFlagsWithoutCondStore(t *testing.T) {
	env := mailServers(t)
	port, _ := strconv.Atoi(env["IMAPS_NOCONDSTORE_PORT"])
	ep := core.Endpoint{Host: env["NOCONDSTORE_HOST"], Port: port, Encryption: core.EncryptionSSL}
	user, pass := env["USER2"], env["PASS2"]
	ca, err := os.ReadFile(env["CA_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)

	// Another client: makes a mailbox of this test's own and changes flags.
	other, err := imapclient.DialTLS(ep.Addr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: roots, ServerName: ep.Host}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Login(user, pass).Wait(); err != nil {
		t.Fatal(err)
	}
	if caps := other.Caps(); caps.Has(goimap.CapCondStore) || !caps.Has(goimap.CapESearch) {
		t.Fatalf("%s announces %v: want ESEARCH and no CONDSTORE", ep.Addr(), caps)
	}
	name := fmt.Sprintf("flags-%d", time.Now().UnixNano())
	if err := other.Create(name, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	defer func() { other.Delete(name).Wait() }()
	start := [][]goimap.Flag{{goimap.FlagSeen}, {goimap.FlagSeen}, {goimap.FlagSeen}, {goimap.FlagSeen, goimap.FlagForwarded}, nil}
	for i, flags := range start {
		raw := message(i + 1)
		cmd := other.Append(name, int64(len(raw)), &goimap.AppendOptions{Flags: flags})
		cmd.Write(raw)
		cmd.Close()
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}

	// The certificate is pinned, not trusted through SSL_CERT_FILE: Go
	// reads that once per process, and other tests verify before.
	conn, err := tls.Dial("tcp", ep.Addr(), &tls.Config{RootCAs: roots, ServerName: ep.Host})
	if err != nil {
		t.Fatal(err)
	}
	pin := core.Fingerprint(conn.ConnectionState().PeerCertificates[0])
	conn.Close()
	opts := &netconn.Options{DialTimeout: 10 * time.Second, IOTimeout: 20 * time.Second,
		Pins: netconn.Pins{net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)): {pin}}}
	st := newStore(t)
	mb := imap.Mailbox{Name: name, Folder: name}
	sync := func() imap.SyncResult {
		t.Helper()
		c, err := imap.Dial(t.Context(), ep, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Login(t.Context(), user, pass); err != nil {
			t.Fatal(err)
		}
		res, err := c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, mb, nil)
		if err != nil {
			t.Fatalf("SyncMailbox(%s) = %v", name, err)
		}
		return res
	}
	if res := sync(); len(res.NewIDs) != len(start) {
		t.Fatalf("first sync stored %d messages, want %d", len(res.NewIDs), len(start))
	}

	// Elsewhere: 1 marked unread, 2 flagged and answered, 3 deleted, 4
	// no longer forwarded, 5 read and forwarded.
	if _, err := other.Select(name, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []struct {
		uid   goimap.UID
		op    goimap.StoreFlagsOp
		flags []goimap.Flag
	}{
		{1, goimap.StoreFlagsDel, []goimap.Flag{goimap.FlagSeen}},
		{2, goimap.StoreFlagsAdd, []goimap.Flag{goimap.FlagFlagged, goimap.FlagAnswered}},
		{3, goimap.StoreFlagsAdd, []goimap.Flag{goimap.FlagDeleted}},
		{4, goimap.StoreFlagsDel, []goimap.Flag{goimap.FlagForwarded}},
		{5, goimap.StoreFlagsAdd, []goimap.Flag{goimap.FlagSeen, goimap.FlagForwarded}},
	} {
		if err := other.Store(goimap.UIDSetNum(ch.uid), &goimap.StoreFlags{Op: ch.op, Silent: true, Flags: ch.flags}, nil).Close(); err != nil {
			t.Fatal(err)
		}
	}
	if res := sync(); res.FlagsUpdated != 5 || len(res.NewIDs) != 0 {
		t.Errorf("second sync updated the flags of %d messages and stored %d, want 5 and 0", res.FlagsUpdated, len(res.NewIDs))
	}
	uids := st.uids(t, mb)
	for uid, want := range map[uint32]core.Flags{
		1: {},
		2: {Seen: true, Flagged: true, Answered: true},
		3: {Seen: true, Deleted: true},
		4: {Seen: true},
		5: {Seen: true, Forwarded: true},
	} {
		if got := st.flags(t, uids[uid]); got != want {
			t.Errorf("flags of UID %d = %+v, want %+v", uid, got, want)
		}
	}
	if res := sync(); res.FlagsUpdated != 0 {
		t.Errorf("a third sync with nothing changed updated the flags of %d messages, want 0", res.FlagsUpdated)
	}
}

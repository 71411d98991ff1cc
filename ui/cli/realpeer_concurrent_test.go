package cli

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
)

// appendTo puts one message with token in its subject into c's INBOX.
func appendTo(t *testing.T, c *imapclient.Client, token string, n int) {
	t.Helper()
	raw := fmt.Appendf(nil, "From: load@example.test\r\nSubject: %s %d\r\nMessage-ID: <%s.%d@example.test>\r\n\r\nbody %d\r\n", token, n, token, n, n)
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	cmd.Write(raw)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// Eight sources against Dovecot (four accounts, each with a POP3 and an
// IMAP source on the same mailbox) syncing at once, 20 times in a row,
// with new mail in every round: none may fail (before the single writer,
// one in four such runs failed with SQLITE_BUSY).
func TestRealEightSourcesSyncAtOnce(t *testing.T) {
	needServers(t)
	ctx := context.Background()
	token := "load" + strconv.FormatInt(time.Now().UnixNano(), 10)
	dir := t.TempDir()
	db, err := storage.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := engine.New(db, engine.Options{DataDir: dir, DialTimeout: 10 * time.Second, IOTimeout: 20 * time.Second})
	defer e.Close()

	port := func(key string) int { p, _ := strconv.Atoi(servers[key]); return p }
	var clients []*imapclient.Client
	for i := 1; i <= 4; i++ {
		user, pass := servers[fmt.Sprintf("USER%d", i)], servers[fmt.Sprintf("PASS%d", i)]
		c := dovecot(t, user, pass)
		clients = append(clients, c)
		t.Cleanup(func() {
			var set goimap.UIDSet
			for uid := range tokenFlags(t, c, token) {
				set.AddNum(uid)
			}
			if len(set) > 0 {
				c.Store(set, &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Silent: true, Flags: []goimap.Flag{goimap.FlagDeleted}}, nil).Close()
				c.UIDExpunge(set).Close()
			}
			c.Close()
		})
		a := core.Account{Name: fmt.Sprintf("load%d", i), Email: user, PasswordStore: core.PasswordStoreFile,
			SMTP: core.SMTPSettings{Host: servers["HOST"], Port: port("SUBMISSION_PORT"), Encryption: core.EncryptionSTARTTLS},
			Sources: []core.Source{
				{Protocol: core.ProtocolPOP3, Host: servers["HOST"], Port: port("POP3S_PORT"), Username: user, Encryption: core.EncryptionSSL,
					Method: core.MethodManual, Folder: "POP", LeaveOnServer: true},
				{Protocol: core.ProtocolIMAP, Host: servers["HOST"], Port: port("IMAPS_PORT"), Username: user, Encryption: core.EncryptionSSL,
					Method: core.MethodManual, Folder: core.DefaultFolder},
			}}
		if err := e.AddAccount(ctx, &a, core.Passwords{Sources: []string{pass, pass}}); err != nil {
			t.Fatal(err)
		}
	}
	const rounds, perRound = 20, 3
	for round := range rounds {
		for _, c := range clients {
			for j := range perRound {
				appendTo(t, c, token, round*perRound+j)
			}
		}
		if errs := e.SyncOnce(ctx, ""); len(errs) > 0 {
			t.Fatalf("round %d: SyncOnce = %v", round, errs)
		}
	}
	// Each account has every token message twice: once by POP3, once by IMAP.
	hits, err := db.List(ctx, storage.ListQuery{Search: token, Limit: 10 * rounds * perRound * 8})
	if err != nil {
		t.Fatal(err)
	}
	if want := 4 * 2 * rounds * perRound; len(hits) != want {
		t.Errorf("stored %d copies of the test messages, want %d", len(hits), want)
	}
}

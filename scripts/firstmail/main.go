// Command firstmail measures how soon the first new message of a large
// initial IMAP sync shows (issue 10): from the moment a sync of a fresh
// data dir starts to the engine's first EventNewMail, and to the first
// message the store lists in the unified inbox (what the GUI reads when
// that event comes). It syncs the real Dovecot's bench user (the corpus
// of scripts/bench.sh scale) into a new temporary data dir each run and
// prints each run and the medians; scripts/firstmail.sh runs it.
//
//	go run ./scripts/firstmail -runs 3 [-full]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/mailtest"
	"github.com/tributary-mail/tributary/storage"
)

func main() {
	runs := flag.Int("runs", 3, "syncs to time, each into a fresh data dir")
	full := flag.Bool("full", false, "let each sync finish and report its whole time too (otherwise it stops once the first message is listed)")
	envFile := flag.String("env", mailtest.ServersFile(), "settings of scripts/mailservers.sh")
	user := flag.String("user", "bench@example.test", "the Dovecot user whose INBOX is synced")
	flag.Parse()
	env, err := readEnv(*envFile)
	if err != nil {
		fail(err)
	}
	// Trust the test CA as a user's system trusts real ones; read once, at
	// the first verification, which has not happened yet.
	os.Setenv("SSL_CERT_FILE", env["CA_FILE"])
	var event, listed, whole []time.Duration
	for i := range *runs {
		r, err := run(context.Background(), env, *user, *full)
		if err != nil {
			fail(fmt.Errorf("run %d: %w", i+1, err))
		}
		load, _ := os.ReadFile("/proc/loadavg")
		fmt.Printf("run %d: first EventNewMail %d ms (%d messages), first listed %d ms", i+1, r.event.Milliseconds(), r.count, r.listed.Milliseconds())
		if *full {
			fmt.Printf(", sync done %d ms with %d EventNewMail", r.whole.Milliseconds(), r.events)
		}
		fmt.Printf(", load %s\n", strings.Fields(string(load))[0])
		event, listed, whole = append(event, r.event), append(listed, r.listed), append(whole, r.whole)
	}
	fmt.Printf("median of %d: first-event-ms %d first-listed-ms %d", *runs, median(event).Milliseconds(), median(listed).Milliseconds())
	if *full {
		fmt.Printf(" sync-ms %d", median(whole).Milliseconds())
	}
	fmt.Println()
}

type result struct {
	event, listed, whole time.Duration
	count                int // messages in the first EventNewMail
	events               int // EventNewMail seen
}

// run syncs the user's mail into a fresh data dir once.
func run(ctx context.Context, env map[string]string, user string, full bool) (result, error) {
	var r result
	dir, err := os.MkdirTemp("", "firstmail-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	db, err := storage.Open(ctx, dir)
	if err != nil {
		return r, err
	}
	defer db.Close()
	e := engine.New(db, engine.Options{DataDir: dir, DialTimeout: 15 * time.Second, IOTimeout: time.Minute,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer e.Close()
	pass := ""
	for k, v := range env {
		if v == user && strings.HasPrefix(k, "USER") {
			pass = env["PASS"+strings.TrimPrefix(k, "USER")]
		}
	}
	if pass == "" {
		return r, fmt.Errorf("%s: not in the env file", user)
	}
	port, _ := strconv.Atoi(env["IMAPS_PORT"])
	a := core.Account{Name: "Bench", Email: user, PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: env["HOST"], Port: 587, Username: user, Encryption: core.EncryptionSTARTTLS, Auth: true},
		Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: env["HOST"], Port: port, Username: user,
			Encryption: core.EncryptionSSL, Method: core.MethodAutomatic, IMAPFolders: []string{"INBOX"}, Folder: core.DefaultFolder}}}
	if err := db.CreateAccount(ctx, &a); err != nil {
		return r, fmt.Errorf("create account: %w", err)
	}
	if err := e.SavePasswords(a, core.Passwords{Sources: []string{pass}}); err != nil {
		return r, fmt.Errorf("save password: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub := e.Subscribe()
	defer sub.Close()
	synced := make(chan error, 1)
	start := time.Now()
	go func() { synced <- e.SyncSource(ctx, a, a.Sources[0]) }()
	// Listed: polled as often as a person could notice, on its own
	// connection of the store, as the GUI reads beside the engine.
	listed := make(chan time.Duration, 1)
	go func() {
		for ctx.Err() == nil {
			rows, err := db.List(ctx, storage.ListQuery{Limit: 1})
			if err == nil && len(rows) > 0 {
				listed <- time.Since(start)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var gotEvent, gotListed, done bool
	var late <-chan time.Time // after the sync ended: its events are still on their way
	for !(gotEvent && gotListed && (done || !full)) {
		select {
		case ev := <-sub.C():
			if ev.Kind == engine.EventNewMail && !gotEvent {
				r.event, r.count, gotEvent = time.Since(start), len(ev.MessageIDs), true
			}
			if ev.Kind == engine.EventNewMail {
				r.events++
			}
			if ev.Kind == engine.EventError {
				return r, ev.Err
			}
		case d := <-listed:
			r.listed, gotListed = d, true
		case err := <-synced:
			if err != nil {
				return r, fmt.Errorf("sync: %w", err)
			}
			r.whole, done = time.Since(start), true
			late = time.After(10 * time.Second)
		case <-late:
			return r, fmt.Errorf("the sync ended without new mail or a listed message: is %s's INBOX empty?", user)
		}
	}
	cancel()
	if !done {
		<-synced
	}
	return r, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func readEnv(path string) (map[string]string, error) {
	env, err := mailtest.ReadServers(path)
	if err != nil {
		return nil, fmt.Errorf("the servers of scripts/mailservers.sh: %w", err)
	}
	return env, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "firstmail:", err)
	os.Exit(1)
}

// Command seedstore fills a data directory with n synthetic messages
// (storagetest.Seed: listing rows and their full-text index, no message
// files), for measuring the app and the store at 100,000 or 1,000,000
// messages without importing them, which runs at about 100 messages a
// second. Accounts named with -accounts are used when the store has them
// (scripts/firstpaint.sh adds its account through the CLI first) and made
// otherwise.
//
//	go run ./scripts/seedstore -n 1000000 -dir /tmp/million/data -accounts Work
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/storage/storagetest"
)

func main() {
	n := flag.Int("n", 100_000, "messages to add")
	dir := flag.String("dir", "", "data directory to fill (made when missing)")
	accounts := flag.String("accounts", strings.Join(storagetest.DefaultAccounts, ","), "comma-separated accounts whose inboxes get the messages, in turn")
	flag.Parse()
	if *dir == "" || *n < 1 || *accounts == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := seed(context.Background(), *dir, *n, strings.Split(*accounts, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "seedstore:", err)
		os.Exit(1)
	}
}

func seed(ctx context.Context, dir string, n int, accounts []string) error {
	start := time.Now()
	db, err := storage.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := storagetest.Seed(ctx, db, n, accounts...); err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Printf("seedstore: %d messages in %s (%.0f a second)\n", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	return nil
}

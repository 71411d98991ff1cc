// Command benchcorpus writes messages of the benchmark corpus
// (core/mailtest/corpus) into a Maildir folder, for scripts/bench.sh to
// deliver into a Dovecot mailbox without going through SMTP, which for
// 100,000 messages would take longer than the benchmark.
//
//	go run ./scripts/benchcorpus -n 20000 -dir /path/to/Maildir
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tributary-mail/tributary/core/mailtest/corpus"
)

func main() {
	n := flag.Int("n", 20000, "messages to write (message 0 to n-1)")
	dir := flag.String("dir", "", "Maildir folder to write into (cur/, new/ and tmp/ are created)")
	flag.Parse()
	if *dir == "" || *n < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := write(*dir, *n); err != nil {
		fmt.Fprintln(os.Stderr, "benchcorpus:", err)
		os.Exit(1)
	}
}

func write(dir string, n int) error {
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return err
		}
	}
	var total int64
	for i := range n {
		raw := corpus.Message(i)
		// Dovecot reads S= as the size and sorts nothing by name, but a
		// fixed-width number keeps ls and UID order alike.
		name := fmt.Sprintf("%d.M%07dP1.corpus,S=%d:2,", corpus.Base.Unix()+int64(i)*60, i, len(raw))
		if err := os.WriteFile(filepath.Join(dir, "cur", name), raw, 0o600); err != nil {
			return err
		}
		total += int64(len(raw))
	}
	fmt.Printf("%d messages, %d bytes\n", n, total)
	return nil
}

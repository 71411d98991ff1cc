package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/core/mailto"
)

func TestMailtoArg(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		rest    string
		to      string // "" when no link
		subject string
		err     bool
	}{
		{"no link", []string{"--data-dir", "d"}, "--data-dir d", "", "", false},
		{"the link alone", []string{"mailto:ann@example.com?subject=Hi&body=x"}, "", "ann@example.com", "Hi", false},
		{"after --data-dir", []string{"--data-dir", "d", "MAILTO:bob@example.com"}, "--data-dir d", "bob@example.com", "", false},
		{"a bad link", []string{"mailto:ann@example.com?subject=%zz"}, "", "", "", true},
		{"a command's argument", []string{"search", "mailto:ann@example.com"}, "search mailto:ann@example.com", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rest, link, err := mailtoArg(tt.args)
			if (err != nil) != tt.err {
				t.Fatalf("mailtoArg(%q) error = %v, want error %v", tt.args, err, tt.err)
			}
			if err != nil {
				return
			}
			if got := strings.Join(rest, " "); got != tt.rest {
				t.Errorf("mailtoArg(%q) rest = %q, want %q", tt.args, got, tt.rest)
			}
			if (link != nil) != (tt.to != "") {
				t.Fatalf("mailtoArg(%q) link = %+v, want one: %v", tt.args, link, tt.to != "")
			}
			if link != nil && (link.To[0].Address != tt.to || link.Subject != tt.subject) {
				t.Errorf("mailtoArg(%q) = %+v, want to %s, subject %q", tt.args, link, tt.to, tt.subject)
			}
		})
	}
}

// A second `tributary mailto:` hands its link to the app running on the
// data directory, which opens the composer (here a recorder); without a
// link, the running app is asked to show its window.
func TestHandOverReachesTheRunningApp(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	var composed []mailto.Message
	shown := 0
	srv, err := control.Listen(dir, &control.Local{
		Show:        func() { mu.Lock(); shown++; mu.Unlock() },
		ComposeFunc: func(m mailto.Message) { mu.Lock(); composed = append(composed, m); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	_, link, err := mailtoArg([]string{"mailto:ann@example.com?subject=Hi&body=How%20are%20you%3F&cc=bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if !handOver(context.Background(), dir, link) {
		t.Fatal("handOver with a link = false, want the running app to take it")
	}
	if !handOver(context.Background(), dir, nil) {
		t.Fatal("handOver without a link = false, want the running app to show itself")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(composed) != 1 || composed[0].Subject != "Hi" || composed[0].Body != "How are you?" || composed[0].Cc[0].Address != "bob@example.com" || shown != 1 {
		t.Errorf("the running app composed %+v and showed itself %d times; want the link once and one show", composed, shown)
	}
	// Nobody answering: this launch goes on by itself.
	if handOver(context.Background(), t.TempDir(), link) {
		t.Error("handOver with no app running = true, want false")
	}
}

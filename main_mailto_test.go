package main

import (
	"strings"
	"testing"
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

package wizard

import (
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

func TestFingerprintBreaksBetweenPairs(t *testing.T) {
	fp := strings.Repeat("0a", 32)
	got := fingerprintLines(fp)
	lines := strings.Split(got, "\n")
	if len(lines) != 4 {
		t.Fatalf("fingerprint in %d lines, want 4 of eight pairs: %q", len(lines), got)
	}
	for _, l := range lines {
		for _, pair := range strings.Split(strings.TrimSuffix(l, ":"), ":") {
			if pair != "0A" {
				t.Errorf("line %q has %q, want only whole pairs", l, pair)
			}
		}
	}
	if n, err := core.NormalizeFingerprint(strings.ReplaceAll(got, "\n", "")); err != nil || n != fp {
		t.Errorf("the lines copied back = %q, %v; want the fingerprint", n, err)
	}
}

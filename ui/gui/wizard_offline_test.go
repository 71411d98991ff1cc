package gui

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/autoconfig"
)

// offline stands in for the network in autoconfig: every step fails at
// once (or, with hang, waits for its context), and calls are counted, so
// a test shows whether the lookup went past the built-in table.
type offline struct {
	hang  bool
	calls atomic.Int32
}

func (o *offline) options() *autoconfig.Options {
	return &autoconfig.Options{Fetcher: o, Resolver: o, Prober: o, StepTimeout: 10 * time.Second}
}

func (o *offline) fail(ctx context.Context) error {
	o.calls.Add(1)
	if o.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return errors.New("offline")
}

func (o *offline) Fetch(ctx context.Context, _ string) ([]byte, error) { return nil, o.fail(ctx) }

func (o *offline) LookupMX(ctx context.Context, domain string) ([]*net.MX, error) {
	return nil, &net.DNSError{Err: o.fail(ctx).Error(), Name: domain, IsNotFound: true}
}

func (o *offline) Probe(ctx context.Context, _ autoconfig.Server) error { return o.fail(ctx) }

// hostPort splits a test server's address.
func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

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

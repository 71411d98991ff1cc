package smtp

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
)

// TestCancelWhileServerIsSilent dials a server that accepts and never
// greets: cancelling must end Send at once, not after the I/O timeout.
func TestCancelWhileServerIsSilent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	s := core.SMTPSettings{Host: "127.0.0.1", Port: p, Encryption: core.EncryptionNone}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	err = Send(ctx, s, "", "a@example.test", []string{"b@example.test"}, nil, &netconn.Options{IOTimeout: 30 * time.Second})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Send cancelled during the greeting = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v after cancel, want it to stop at once", d)
	}
}

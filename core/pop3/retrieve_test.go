package pop3

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
)

func TestRetrieveEach(t *testing.T) {
	raws := [][]byte{
		[]byte("Subject: one\r\n\r\nfirst\r\n"),
		[]byte("Subject: dots\r\n\r\n.hidden\r\n..two dots\r\n.\r\n. \r\nend\r\n"),
		[]byte("Subject: long\r\n\r\n" + strings.Repeat("y", 200<<10) + "\r\n"),
		[]byte("Subject: empty\r\n\r\n"),
	}
	for i := range 40 {
		raws = append(raws, []byte("Subject: more\r\n\r\nmessage "+strings.Repeat("z", i*100)+"\r\n"))
	}
	tests := []struct {
		name       string
		pipelining bool
	}{
		{"one command at a time", false},
		{"pipelined", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := pop3test.Start(t, pop3test.Options{
				Users:      map[string]string{alice: password},
				Messages:   map[string][][]byte{alice: raws},
				Pipelining: tt.pipelining,
			})
			c := login(t, srv.Addr, core.EncryptionNone, nil)
			if c.pipelining != tt.pipelining {
				t.Fatalf("pipelining = %v after CAPA, want %v", c.pipelining, tt.pipelining)
			}
			nums := make([]int, len(raws))
			for i := range raws {
				nums[i] = i + 1
			}
			var got []int
			err := c.RetrieveEach(t.Context(), nums, func(num int, r io.Reader) error {
				b, err := io.ReadAll(r)
				if err != nil {
					return err
				}
				if !bytes.Equal(b, raws[num-1]) {
					t.Errorf("message %d = %q, want %q", num, b, raws[num-1])
				}
				got = append(got, num)
				if tt.pipelining && num == 1 {
					// The server reads RETR 2 only once it is sent, and it
					// is sent ahead only when pipelining.
					waitFor(t, func() bool { return strings.Count(strings.Join(srv.Commands(), "\n"), "RETR") >= 2 })
				}
				return nil
			})
			if err != nil {
				t.Fatalf("RetrieveEach = %v", err)
			}
			if len(got) != len(raws) {
				t.Errorf("RetrieveEach delivered %d messages, want %d", len(got), len(raws))
			}
			// The session is in step afterwards: go-pop3 reads on.
			if err := c.Delete(t.Context(), 1); err != nil {
				t.Errorf("Delete(1) after RetrieveEach = %v", err)
			}
			if err := c.Quit(t.Context()); err != nil {
				t.Errorf("Quit() = %v", err)
			}
		})
	}
}

// waitFor polls cond for a few seconds; a condition that never holds fails.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestRetrieveLargeMessageHeap retrieves a 64 MiB message through the
// in-process server into a file and samples the heap meanwhile. The
// server holds the message before the sampling starts and writes it line
// by line, so the growth is the client's: streamed, it stays near the
// buffers' size; go-pop3's RetrRaw held the whole message in a growing
// buffer (for 200 MiB about 455 MiB of heap at the peak, issue 11). 64 MiB
// keeps the test quick under -race and still far above the bound.
func TestRetrieveLargeMessageHeap(t *testing.T) {
	const size = 64 << 20
	const bound = 24 << 20 // generous: streaming needs well under 1 MiB
	line := strings.Repeat("0123456789", 7) + "\r\n"
	raw := append([]byte("Subject: large\r\n\r\n"), bytes.Repeat([]byte(line), size/len(line))...)
	srv := pop3test.Start(t, pop3test.Options{Users: map[string]string{alice: password}, Messages: map[string][][]byte{alice: {raw}}})
	c := login(t, srv.Addr, core.EncryptionNone, nil)
	c.maxSize = size + 1<<20
	out, err := os.Create(t.TempDir() + "/message")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()

	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	n, err := c.Retrieve(t.Context(), 1, out)
	close(stop)
	<-stopped
	if err != nil || n != int64(len(raw)) {
		t.Fatalf("Retrieve(1) = %d, %v; want %d bytes", n, err, len(raw))
	}
	grew := int64(peak.Load()) - int64(base)
	t.Logf("heap grew by %.1f MiB at the peak", float64(grew)/(1<<20))
	if grew > bound {
		t.Errorf("the heap grew by %d MiB while retrieving a %d MiB message, want at most %d MiB", grew>>20, size>>20, bound>>20)
	}
}

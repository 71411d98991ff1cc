package smtp

import (
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
)

func TestScratchSlow(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil { return }
		defer c.Close()
		tc := textproto.NewConn(c)
		tc.PrintfLine("220 fake")
		inData := false
		for {
			line, err := tc.ReadLine()
			if err != nil { return }
			if inData && line != "." { continue }
			time.Sleep(300 * time.Millisecond)
			switch {
			case inData: inData = false; tc.PrintfLine("250 ok")
			case line == "DATA": inData = true; tc.PrintfLine("354 go")
			case line == "QUIT": tc.PrintfLine("221 bye"); return
			default: tc.PrintfLine("250 ok")
			}
		}
	}()
	tcp := ln.Addr().(*net.TCPAddr)
	s := core.SMTPSettings{Host: tcp.IP.String(), Port: tcp.Port, Encryption: core.EncryptionNone}
	o := options(nil)
	o.IOTimeout = time.Second
	start := time.Now()
	err := Send(t.Context(), s, "", envFrom, envRcpts, strings.NewReader(raw), o)
	t.Logf("err=%v after %v", err, time.Since(start))
}

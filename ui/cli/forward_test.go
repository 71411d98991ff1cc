package cli

import (
	"strings"
	"testing"
)

func TestForwardAsAttachment(t *testing.T) {
	for _, through := range []string{"in process", "socket"} {
		t.Run(through, func(t *testing.T) {
			f := newEngineFixture(t)
			ids := f.ids(t)
			if through == "socket" {
				f.runEngine(t)
			}
			body := writeTemp(t, "See the attached message.\n")
			mustRunOut(t, f.dir, "forward", ids[1], "--as-attachment", "--to", "dave@example.test", "--body-file", body)
			sent := f.smtp.Messages()
			if len(sent) != 1 {
				t.Fatalf("SMTP server got %d messages, want the forward", len(sent))
			}
			fwd := string(sent[0].Data)
			for _, want := range []string{
				"Subject: Fwd: cli 1", "multipart/mixed", "See the attached message.",
				"Content-Type: message/rfc822", "Content-Transfer-Encoding: 8bit", `filename="cli 1.eml"`,
				"Message-ID: <cli1@example.test>", // the original's own header, inside
			} {
				if !strings.Contains(fwd, want) {
					t.Errorf("forward as attachment lacks %q:\n%s", want, fwd)
				}
			}
			if strings.Contains(fwd, "Forwarded message") {
				t.Errorf("forward as attachment quotes the text too:\n%s", fwd)
			}
		})
	}
}

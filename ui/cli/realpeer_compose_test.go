package cli

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core/mime"
)

// TestRealRichMessageAndForwardAsAttachment sends a Markdown message with
// a picture through Postfix to Dovecot, checks what arrived, then
// forwards it as an attachment to a third user, through the same servers:
// the 8bit message/rfc822 part must arrive whole.
func TestRealRichMessageAndForwardAsAttachment(t *testing.T) {
	needServers(t)
	imapSource := []string{"--source-protocol", "imap", "--source-host", servers["HOST"], "--source-port", servers["IMAPS_PORT"], "--source-encryption", "ssl"}
	alice, bob, carol := t.TempDir(), t.TempDir(), t.TempDir()
	addAccount(t, alice, "alice", servers["USER1"], servers["PASS1"], servers["SUBMISSION_PORT"], "starttls")
	addAccount(t, bob, "bob", servers["USER2"], servers["PASS2"], servers["SUBMISSION_PORT"], "starttls", imapSource...)
	addAccount(t, carol, "carol", servers["USER3"], servers["PASS3"], servers["SUBMISSION_PORT"], "starttls", imapSource...)

	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(0, 0, color.NRGBA{R: 0xff, A: 0xff})
	var pic bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	chart := filepath.Join(t.TempDir(), "chart.png")
	if err := os.WriteFile(chart, pic.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	token := strconv.FormatInt(time.Now().UnixNano(), 10)
	body := writeTemp(t, "# Grüße\n\nThe numbers are **up**.\n\n![chart](chart.png)\n\n<script>alert(1)</script>\n")
	mustRun(t, alice, nil, "send", "--markdown", "--from", "alice", "--to", servers["USER2"], "--subject", "rich "+token, "--body-file", body, "--attach", chart)

	m := waitFor(t, bob, "bob", token)[0]
	raw := mustRun(t, bob, nil, "show", "--raw", strconv.FormatInt(m.ID, 10))
	msg, err := mime.Parse(strings.NewReader(raw), nil)
	if err != nil {
		t.Fatalf("the received message does not parse: %v", err)
	}
	if !strings.Contains(msg.Text, "**up**") || !strings.Contains(msg.HTML, "<strong>up</strong>") ||
		!strings.Contains(msg.HTML, `style="`) || !strings.Contains(msg.HTML, "&lt;script&gt;") || strings.Contains(msg.HTML, "<script") {
		t.Errorf("received text %q and HTML %q: want the Markdown as written and the HTML styled, with the script as text", msg.Text, msg.HTML)
	}
	if len(msg.Attachments) != 1 || !msg.Attachments[0].Inline || !strings.Contains(msg.HTML, "cid:"+msg.Attachments[0].ContentID) {
		t.Errorf("received attachments %+v: want the picture inline, shown by cid:", msg.Attachments)
	}
	for _, want := range []string{"multipart/related", "multipart/alternative"} {
		if !strings.Contains(raw, want) {
			t.Errorf("received message lacks %s", want)
		}
	}

	mustRun(t, bob, nil, "forward", strconv.FormatInt(m.ID, 10), "--as-attachment", "--to", servers["USER3"], "--body-file", writeTemp(t, "FYI\n"))
	f := waitFor(t, carol, "carol", token)[0]
	fraw := mustRun(t, carol, nil, "show", "--raw", strconv.FormatInt(f.ID, 10))
	fwd, err := mime.Parse(strings.NewReader(fraw), nil)
	if err != nil {
		t.Fatal(err)
	}
	if fwd.Subject != "Fwd: rich "+token || len(fwd.Attachments) != 1 || fwd.Attachments[0].ContentType != "message/rfc822" ||
		fwd.Attachments[0].Filename != "rich "+token+".eml" {
		t.Fatalf("forward arrived as %q with %+v, want Fwd: and the message attached", fwd.Subject, fwd.Attachments)
	}
	var inner bytes.Buffer
	if _, err := mime.Extract(strings.NewReader(fraw), fwd.Attachments[0].Part, &inner, nil); err != nil {
		t.Fatal(err)
	}
	orig, err := mime.Parse(&inner, nil)
	if err != nil || orig.MessageID != msg.MessageID || orig.HTML != msg.HTML || len(orig.Attachments) != 1 {
		t.Errorf("the attached message is not the original: ID %q (want %q), %d attachments, %v", orig.MessageID, msg.MessageID, len(orig.Attachments), err)
	}
}

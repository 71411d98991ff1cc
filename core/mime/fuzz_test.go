package mime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// fuzzLimits are small so that the fuzzer reaches the limits quickly.
var fuzzLimits = &Limits{MaxParts: 64, MaxDepth: 6, MaxTextBytes: 4096}

func addCorpus(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(manyParts(70)))
	f.Add([]byte(deepNesting(8)))
}

func FuzzParse(f *testing.F) {
	addCorpus(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(bytes.NewReader(raw), fuzzLimits)
		var pe *panicError
		if errors.As(err, &pe) {
			t.Fatalf("Parse panicked: %v\n%s", pe.value, pe.stack)
		}
		if m == nil {
			t.Fatal("Parse returned a nil *Message")
		}
		fields := map[string]string{"Subject": m.Subject, "Text": m.Text, "HTML": m.HTML, "MessageID": m.MessageID, "InReplyTo": m.InReplyTo}
		for i, id := range m.References {
			fields[fmt.Sprintf("References[%d]", i)] = id
		}
		for name, list := range map[string][]*mail.Address{"From": m.From, "To": m.To, "Cc": m.Cc, "ReplyTo": m.ReplyTo} {
			for i, a := range list {
				fields[fmt.Sprintf("%s[%d]", name, i)] = a.Name + a.Address
			}
		}
		for i, a := range m.Attachments {
			fields[fmt.Sprintf("Attachments[%d]", i)] = a.Filename + a.ContentType + a.ContentID
		}
		for name, s := range fields {
			if !utf8.ValidString(s) {
				t.Errorf("Parse().%s = %q, not valid UTF-8", name, s)
			}
		}
		if int64(len(m.Text)) > fuzzLimits.MaxTextBytes || int64(len(m.HTML)) > fuzzLimits.MaxTextBytes {
			t.Errorf("Parse() kept %d bytes of text and %d of HTML, want at most %d each", len(m.Text), len(m.HTML), fuzzLimits.MaxTextBytes)
		}
		if len(m.Attachments) > fuzzLimits.MaxParts {
			t.Errorf("Parse() listed %d attachments, over MaxParts %d", len(m.Attachments), fuzzLimits.MaxParts)
		}
		for i, a := range m.Attachments {
			if a.Filename == "" || SanitizeFilename(a.Filename) != a.Filename {
				t.Errorf("Parse().Attachments[%d].Filename = %q, not sanitised", i, a.Filename)
			}
			if i >= 8 {
				continue // Extract re-reads the message; a few parts suffice
			}
			n, err := Extract(bytes.NewReader(raw), a.Part, io.Discard, fuzzLimits)
			if errors.As(err, &pe) {
				t.Fatalf("Extract(%v) panicked: %v\n%s", a.Part, pe.value, pe.stack)
			}
			if n != a.Size {
				t.Errorf("Extract(%v) = %d, %v; want Parse's Size %d", a.Part, n, err, a.Size)
			}
		}
	})
}

func FuzzSanitizeHTML(f *testing.F) {
	seeds := []string{
		`<p onclick="x()">hi<script>alert(1)</script></p>`,
		`<a href="javascript:alert(1)">x</a><a href="https://example.com">y</a>`,
		`<img src="https://t.example/p.gif"><img src="cid:a" srcset="https://x/a 1x">`,
		`<table background="http://x/bg"><tr><td style="background: url(http://x/y); color: red">a</td></tr></table>`,
		`<div style="background-image: u\72l(http://x/y)">a</div>`,
		`<img src="data:image/png;base64,iVBORw0KGgo=">`,
		`<style>@import url(http://x/a.css)</style><iframe src="http://x"></iframe>`,
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, allowRemote bool) {
		out, blocked := SanitizeHTML(in, allowRemote)
		if allowRemote && blocked != 0 {
			t.Errorf("SanitizeHTML(%q, true) blocked %d, want 0", in, blocked)
		}
		checkSafeHTML(t, in, out, allowRemote)
		if !allowRemote {
			if again, n := SanitizeHTML(out, false); n != 0 {
				t.Errorf("SanitizeHTML(SanitizeHTML(%q)) = %q blocked %d more, want 0", in, again, n)
			}
		}
		if text := HTMLToText(in); !utf8.ValidString(text) {
			t.Errorf("HTMLToText(%q) = %q, not valid UTF-8", in, text)
		}
	})
}

// checkSafeHTML tokenizes sanitised output the way a browser would and
// fails on anything that could run script or, unless allowed, fetch.
func checkSafeHTML(t *testing.T, in, out string, allowRemote bool) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.DataAtom {
		case atom.Script, atom.Style, atom.Iframe, atom.Object, atom.Embed, atom.Form, atom.Input,
			atom.Link, atom.Meta, atom.Base, atom.Svg, atom.Math, atom.Frame, atom.Frameset:
			t.Fatalf("SanitizeHTML(%q) = %q keeps <%s>", in, out, tok.Data)
		}
		for _, a := range tok.Attr {
			v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			switch {
			case strings.HasPrefix(a.Key, "on"):
				t.Fatalf("SanitizeHTML(%q) = %q keeps event handler %s", in, out, a.Key)
			case strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:text"):
				t.Fatalf("SanitizeHTML(%q) = %q keeps script URL in %s", in, out, a.Key)
			case allowRemote:
			case a.Key == "srcset",
				a.Key == "src" && !embeddedURL(a.Val),
				a.Key == "background" && !embeddedURL(a.Val),
				a.Key == "style" && strings.Contains(strings.ToLower(cssUnescape(a.Val)), "url("):
				t.Fatalf("SanitizeHTML(%q, false) = %q keeps remote %s=%q", in, out, a.Key, a.Val)
			}
		}
	}
}

// FuzzSanitizeFilename: whatever the sender names a file, the result is
// stable, short enough, and hides nothing (no format character, no run of
// white space).
func FuzzSanitizeFilename(f *testing.F) {
	for _, s := range []string{"report.pdf", "invoice\u202Efdp.exe", "file.pdf      .exe", "a\u00ad\U000E0041\ufe0f.txt", "CON", "../x", " . "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := SanitizeFilename(name)
		if got == "" || len(got) > maxFilenameBytes || SanitizeFilename(got) != got {
			t.Fatalf("SanitizeFilename(%q) = %q: empty, too long or not stable", name, got)
		}
		prevBlank := false
		for _, r := range got {
			if isInvisible(r) || r < 0x20 || (isBlank(r) && (r != ' ' || prevBlank)) {
				t.Fatalf("SanitizeFilename(%q) = %q, which keeps %U", name, got, r)
			}
			prevBlank = isBlank(r)
		}
	})
}

// FuzzParseHTML: no HTML makes ParseHTML panic or exceed its bounds, its
// links only lead to the web or to mail, and only images marked Remote
// name a network URL.
func FuzzParseHTML(f *testing.F) {
	for _, seed := range []string{
		`<p>Hello <b>bold <i>both</i></b> <a href="https://example.com">link</a></p>`,
		`<ul><li>a<ol start="-5"><li>b<ul><li>c</li></ul></li></ol></li><li></li></ul>`,
		`<table><tr><td><h1>x</h1></td><td><pre>a\n\tb</pre></td></tr></table>`,
		`<blockquote><blockquote><p>q</p></blockquote></blockquote><hr><br><br>`,
		`<a href="https://x.example"><div><img src="cid:x" alt="y"></div><p>t</p></a>`,
		`<li>orphan</li></ul></ol></li></a></pre></blockquote>`,
		`<h1><h2>nested</h1></h2><pre><pre>x</pre></pre>`,
		`<div style="display:none"><p>hidden<div hidden>x`,
		`<a href="javascript:x">j</a><a href="mailto:">m</a><a href="http://">h</a><a>`,
		"\x00<\x00p>\xff\xfe<b\x00>x",
		`<plaintext><b>not a tag`,
		`<svg><script>alert(1)</script></svg><math><mi>x`,
		`<base href="https://evil.example/"><img src="a.png"><meta http-equiv="refresh" content="0;url=https://e">`,
		`<img src="//t.example/p" srcset="https://x/a 1x"><div style="background:url(http://x/y)">a</div>`,
		`<form><input value="v"><button>b</button></form>`,
		`<p>` + strings.Repeat(`<b><i>`, 300) + `deep`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d := ParseHTML(in)
		if items, _ := docSize(d.Blocks); items > MaxHTMLItems+10 {
			t.Errorf("ParseHTML(%q) made %d blocks and runs", in, items)
		}
		checkDocBlocks(t, in, d.Blocks)
		for _, img := range d.Images {
			if img.Remote != (RemoteURL(img.Src) != nil) || img.Remote && img.Embedded {
				t.Errorf("ParseHTML(%q) image %+v is misclassified", in, img)
			}
		}
		if text := d.Text(); !utf8.ValidString(text) {
			t.Errorf("ParseHTML(%q).Text() = %q, not valid UTF-8", in, text)
		}
	})
}

func checkDocBlocks(t *testing.T, in string, blocks []Block) {
	t.Helper()
	for _, b := range blocks {
		if !utf8.ValidString(b.Text) {
			t.Errorf("ParseHTML(%q) block text %q is not valid UTF-8", in, b.Text)
		}
		for _, r := range b.Runs {
			if r.Link != nil && SafeLinkURL(r.Link.String()) == nil {
				t.Fatalf("ParseHTML(%q) links to %q", in, r.Link)
			}
			if !utf8.ValidString(r.Text) {
				t.Errorf("ParseHTML(%q) run %q is not valid UTF-8", in, r.Text)
			}
		}
		if b.List != nil {
			for _, it := range b.List.Items {
				checkDocBlocks(t, in, it)
			}
		}
	}
}

package markdown

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	tmime "github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/core/smtp"
)

func TestRenderElements(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // substrings of the body, in order
	}{
		{"paragraph", "Hello", []string{`<p style="margin: 0 0 0.8em 0">Hello</p>`}},
		{"line breaks kept", "Ann\nBob", []string{"Ann<br>", "Bob"}},
		{"emphasis", "*it* **bold** ~~gone~~", []string{"<em>it</em>", "<strong>bold</strong>", "<del>gone</del>"}},
		{"heading", "# Title", []string{`<h1 style="font-size: 1.6em; font-weight: bold`, "Title</h1>"}},
		{"dashes under text are no heading", "Regards\n-- \nAnn", []string{"Regards<br>", "--", "Ann</p>"}},
		{"rule", "one\n\n---\n\ntwo", []string{"one</p>", `<hr style="border: 0; border-top: 1px solid #cccccc`, "two</p>"}},
		{"link", "[site](https://example.com/a?b=1)", []string{`<a href="https://example.com/a?b=1" rel="nofollow" style="color: #1a5fb4; text-decoration: underline"`, ">site</a>"}},
		{"bare link", "see www.example.com", []string{`<a href="http://www.example.com"`, ">www.example.com</a>"}},
		{"mailto link", "<ann@example.com>", []string{`<a href="mailto:ann@example.com"`}},
		{"quote", "> said\n> more", []string{`<blockquote style="margin: 0 0 0.8em 0; padding: 0 0 0 0.8em; border-left: 3px solid #c8c8c8`, "said<br>", "more</p>", "</blockquote>"}},
		{"code span", "run `ls -l`", []string{`<code style="font-family: Menlo, Consolas, monospace; font-size: 0.92em; background-color: #f0f0f0`, "ls -l</code>"}},
		{"code block", "```\nx := 1 < 2\n```", []string{`<pre style="font-family: Menlo, Consolas, monospace`, `white-space: pre-wrap"><code style="font-family: Menlo, Consolas, monospace">x := 1 &lt; 2`, "</code></pre>"}},
		{"list", "- one\n- two", []string{`<ul style="margin: 0 0 0.8em 0; padding-left: 1.6em">`, `<li style="margin: 0.15em 0">one</li>`, "two</li>"}},
		{"table", "| a | b |\n|:--|--:|\n| 1 | 2 |", []string{`<table style="border-collapse: collapse`, `<th style="text-align: left; border: 1px solid #cccccc`, `<td style="text-align: right; border: 1px solid #cccccc`, "2</td>"}},
		{"raw HTML is escaped", "a <b>bold</b> claim", []string{"a &lt;b&gt;bold&lt;/b&gt; claim"}},
		{"HTML block is escaped", "<div>\nhi\n</div>", []string{"&lt;div&gt;", "<br>hi", "<br>&lt;/div&gt;"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Render(tt.src, nil)
			if err != nil {
				t.Fatalf("Render(%q) = %v", tt.src, err)
			}
			rest := r.Body
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("Render(%q).Body = %q, want it to contain %q (after what came before)", tt.src, r.Body, w)
				}
				rest = rest[i+len(w):]
			}
			if !strings.Contains(r.HTML, r.Body) || !strings.HasPrefix(r.HTML, "<!DOCTYPE html>") {
				t.Errorf("Render(%q).HTML = %q, want a document around Body", tt.src, r.HTML)
			}
		})
	}
}

// TestRenderSafe renders hostile Markdown and checks the result with an
// HTML parser, not by substrings: no script, no event handler, no URL but
// http, https, mailto and cid, nothing that loads from the network.
func TestRenderSafe(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"script element", "<script>alert(1)</script>"},
		{"script inline", "hi <script>alert(1)</script> there"},
		{"event handler", `<img src=x onerror="alert(1)">`},
		{"event handler block", "<div onclick=\"alert(1)\">\nclick\n</div>"},
		{"javascript link", "[click](javascript:alert(1))"},
		{"javascript link, mixed case", "[click](JaVaScRiPt:alert(1))"},
		{"javascript link, entity", "[click](java&#x09;script:alert(1))"},
		{"javascript autolink", "<javascript:alert(1)>"},
		{"vbscript link", "[click](vbscript:msgbox)"},
		{"data link", "[click](data:text/html;base64,PHNjcmlwdD4=)"},
		{"file link", "[click](file:///etc/passwd)"},
		{"remote image", "![pixel](https://tracker.example/p.gif)"},
		{"data image", "![x](data:image/png;base64,iVBORw0KGgo=)"},
		{"image not attached", "![x](secret.png)"},
		{"style element", "<style>body{background:url(https://t.example/x)}</style>"},
		{"iframe", "<iframe src=\"https://evil.example\"></iframe>"},
		{"link reference", "[a][1]\n\n[1]: javascript:alert(1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Render(tt.src, map[string]string{"photo.png": "p@x"})
			if err != nil {
				t.Fatalf("Render(%q) = %v", tt.src, err)
			}
			checkSafe(t, r.HTML)
		})
	}
}

// checkSafe fails for what would run or load in a mail reader.
func checkSafe(t *testing.T, doc string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "style", "iframe", "object", "embed", "form", "input", "link", "base":
			t.Errorf("HTML %q has a <%s> element", doc, tok.Data)
		}
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			val := strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(key, "on"):
				t.Errorf("HTML %q has an event handler %s", doc, a.Key)
			case key == "href" && !safeLink(val):
				t.Errorf("HTML %q has a link to %q", doc, a.Val)
			case key == "src" && !strings.HasPrefix(val, "cid:"):
				t.Errorf("HTML %q loads %q", doc, a.Val)
			case key == "style" && strings.Contains(val, "url("):
				t.Errorf("HTML %q has a style that loads: %q", doc, a.Val)
			}
		}
	}
}

// safeLink accepts http, https and mailto links, and relative ones, which
// lead nowhere in mail but run nothing either.
func safeLink(href string) bool {
	u, err := url.Parse(href)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "", "http", "https", "mailto":
		return true
	}
	return false
}

func TestRenderImages(t *testing.T) {
	images := map[string]string{"photo.png": "p1@x", "my cat.jpg": "c2@x"}
	tests := []struct {
		name     string
		src      string
		want     []string
		wantUsed []string
	}{
		{"attached image", "![Photo](photo.png)", []string{`<img src="cid:p1@x" alt="Photo" style="max-width: 100%">`}, []string{"photo.png"}},
		{"name with a space", ImageRef("/home/ann/my cat.jpg"), []string{`<img src="cid:c2@x" alt="my cat"`}, []string{"my cat.jpg"}},
		{"used twice, listed once", "![a](photo.png) ![b](photo.png)", []string{`src="cid:p1@x" alt="a"`, `src="cid:p1@x" alt="b"`}, []string{"photo.png"}},
		{"remote image becomes its alt text", "before ![the chart](https://x.example/c.png) after", []string{"before the chart after"}, nil},
		{"no alt text: the address", "![](https://x.example/c.png)", []string{"https://x.example/c.png"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Render(tt.src, images)
			if err != nil {
				t.Fatalf("Render(%q) = %v", tt.src, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("Render(%q).Body = %q, want it to contain %q", tt.src, r.Body, w)
				}
			}
			if !slices.Equal(r.Used, tt.wantUsed) {
				t.Errorf("Render(%q).Used = %q, want %q", tt.src, r.Used, tt.wantUsed)
			}
		})
	}
}

func TestRenderTooLarge(t *testing.T) {
	if _, err := Render(strings.Repeat("a", MaxSource+1), nil); err != ErrTooLarge {
		t.Errorf("Render(%d bytes) = %v, want ErrTooLarge", MaxSource+1, err)
	}
}

// TestComposeMessage builds the whole message from Markdown and checks
// its structure as a recipient's parser sees it.
func TestComposeMessage(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "chart.png")
	other := filepath.Join(dir, "spare.png")
	pdf := filepath.Join(dir, "report.pdf")
	for _, p := range []string{png, other, pdf} {
		if err := os.WriteFile(p, []byte("bytes of "+filepath.Base(p)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	text := "# Results\n\nSee **this**:\n\n![Chart](chart.png)\n\n<script>alert(1)</script> [x](javascript:alert(1))\n" +
		"Again, by its path: ![Chart](" + png + ")\n"
	d := smtp.Draft{
		From:        &mail.Address{Address: "ann@example.com"},
		To:          []*mail.Address{{Address: "bob@example.org"}},
		Subject:     "Results",
		Text:        text,
		Attachments: []string{png, other, pdf},
	}
	d, err := Compose(d)
	if err != nil {
		t.Fatalf("Compose() = %v", err)
	}
	if len(d.Inline) != 1 || d.Inline[0].Path != png {
		t.Fatalf("Compose().Inline = %+v, want chart.png only", d.Inline)
	}
	if !slices.Equal(d.Attachments, []string{other, pdf}) {
		t.Errorf("Compose().Attachments = %q, want the images not shown and the PDF", d.Attachments)
	}
	var buf bytes.Buffer
	if _, err := smtp.Build(d, &buf); err != nil {
		t.Fatalf("Build() = %v", err)
	}
	msg, err := mail.ReadMessage(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	var leaves []leaf
	walk(t, mail.Header(msg.Header), msg.Body, &types, &leaves)
	wantTypes := []string{"multipart/mixed", "multipart/related", "multipart/alternative", "text/plain", "text/html", "image/png", "image/png", "application/pdf"}
	if !slices.Equal(types, wantTypes) {
		t.Fatalf("message structure = %q, want %q", types, wantTypes)
	}
	if got := strings.ReplaceAll(string(leaves[0].body), "\r\n", "\n"); got != text {
		t.Errorf("text/plain = %q, want the Markdown as written %q", got, text)
	}
	htmlPart := string(leaves[1].body)
	checkSafe(t, htmlPart)
	for _, w := range []string{`<h1 style="`, "<strong>this</strong>", `src="cid:` + d.Inline[0].ContentID + `"`, "&lt;script&gt;"} {
		if !strings.Contains(htmlPart, w) {
			t.Errorf("text/html = %q, want it to contain %q", htmlPart, w)
		}
	}
	if n := strings.Count(htmlPart, `src="cid:`+d.Inline[0].ContentID+`"`); n != 2 {
		t.Errorf("text/html shows the picture %d times, want 2 (by name and by path)", n)
	}
	if cid := leaves[2].header.Get("Content-Id"); cid != "<"+d.Inline[0].ContentID+">" {
		t.Errorf("image Content-ID = %q, want <%s>", cid, d.Inline[0].ContentID)
	}

	// Tributary's own parser, as the reader uses it, finds the image
	// embedded and the others attached.
	var again bytes.Buffer
	if _, err := smtp.Build(d, &again); err != nil {
		t.Fatal(err)
	}
	pm, err := tmime.Parse(&again, nil)
	if err != nil {
		t.Fatal(err)
	}
	var inline, attached []string
	for _, a := range pm.Attachments {
		if a.Inline {
			inline = append(inline, a.Filename)
		} else {
			attached = append(attached, a.Filename)
		}
	}
	if !slices.Equal(inline, []string{"chart.png"}) || !slices.Equal(attached, []string{"spare.png", "report.pdf"}) {
		t.Errorf("parsed inline %q, attached %q; want [chart.png], [spare.png report.pdf]", inline, attached)
	}
	if !strings.Contains(pm.HTML, "cid:") || !strings.Contains(pm.Text, "# Results") {
		t.Errorf("parsed HTML %q, text %q: want both alternatives", pm.HTML, pm.Text)
	}
}

type leaf struct {
	header mail.Header
	body   []byte
}

func walk(t *testing.T, h mail.Header, body io.Reader, types *[]string, leaves *[]leaf) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	*types = append(*types, mt)
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walk(t, mail.Header(p.Header), p, types, leaves)
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	*leaves = append(*leaves, leaf{header: h, body: b})
}

func TestImageRef(t *testing.T) {
	tests := []struct{ name, path, want string }{
		{"plain", "/tmp/photo.png", "![photo](photo.png)"},
		{"space", "/tmp/my cat.jpg", "![my cat](<my cat.jpg>)"},
		{"brackets", "/tmp/a [1].png", `![a \[1\]](<a [1].png>)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ImageRef(tt.path); got != tt.want {
				t.Errorf("ImageRef(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

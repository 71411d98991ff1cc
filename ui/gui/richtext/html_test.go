package richtext

import (
	"image"
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

func TestHTMLToRich(t *testing.T) {
	pixel := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	tests := []struct {
		name   string
		in     string
		images map[string]image.Image
		want   string
	}{
		{"paragraphs and inline styles", `<p>Hello <b>bold</b> and <i>it</i> <code>x</code>.</p><p>Next</p>`,
			nil, "Hello [b bold] and [i it] [code x].||Next"},
		{"white space collapses", "<p>  a \n\t b  </p>", nil, "a b "},
		{"breaks, blank lines capped", `a<br>b<br><br><br><br>c`, nil, "a|b||c"},
		{"headings", `<h1>Big</h1><h2>Mid</h2><h4>Small <i>x</i></h4>text`, nil, "[h1 Big]||[h2 Mid]||[h Small x]||text"},
		{"links", `see <a href="https://example.com/a">the page</a>, <a href="mailto:a@example.com">mail</a>`,
			nil, "see [a https://example.com/a the page], [a mailto:a@example.com mail]"},
		{"unsafe link is text", `<a href="javascript:alert(1)">click</a> <a href="file:///etc/passwd">f</a>`, nil, "click f"},
		{"link text naming another site", `<a href="https://evil.example/login">www.bank.example</a>`,
			nil, "[a https://evil.example/login www.bank.example [evil.example]]"},
		{"block inside a link keeps the link", `<a href="https://x.example/"><div>one</div><div>two</div></a>`,
			nil, "[a https://x.example/ one]|[a https://x.example/ two]"},
		{"lists", `<ul><li>one</li><li><b>two</b></li></ul><ol start="3"><li>three</li></ol>`,
			nil, "[ul {one} {[b two]}]||[ol {three}]|"},
		{"nested list indents", `<ul><li>a<ul><li>b</li></ul></li></ul>`, nil, "[ul {a|[b     ◦ ]b}]|"},
		{"quote", `<blockquote>said<blockquote>before</blockquote></blockquote>after`, nil, "[b > ]said|[b > > ]before||after"},
		{"pre keeps lines", "<pre>\nline 1\n\tline 2\n</pre>", nil, "[pre line 1\n    line 2]|"},
		{"table rows and cells", `<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>`, nil, "a b|c"},
		{"images: placeholder, embedded, tracking pixel", `<p>x <img src="cid:logo" alt="Logo"> <img src="https://t.example/p.gif" width="1" height="1"></p><img src="cid:pic">`,
			map[string]image.Image{"cid:pic": pixel}, "x [i [image: Logo]] ||[img]|"},
		{"remote image placeholder names its source", `<img src="https://img.example/a.png">`, nil, "[i [image: https://img.example/a.png]] "},
		{"hidden content", `<div style="display: none">preheader</div><span hidden>x</span><p>shown</p>`, nil, "shown"},
		{"scripts and styles never show", `<script>alert(1)</script><style>p{}</style><title>t</title>ok`, nil, "ok"},
		{"separator", `a<hr>b`, nil, "a|[hr]|b"},
		{"unclosed tags are closed", `<p><b>bold <i>both`, nil, "[b bold ][b both]"},
		{"stray end tags", `</div></p>a</b>`, nil, "|a"},
		{"entities", `&lt;tag&gt; &amp; &eacute;`, nil, "<tag> & é"},
		{"control characters dropped", "a\x00b\x1bc", nil, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := guitest.RichSummary(FromHTML(tt.in, tt.images).Segments)
			if got != tt.want {
				t.Errorf("htmlToRich(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestRichTextBlocksRemote: until the user allows them, remote images
// are not even placeholders (the bar above says they were blocked), and a
// link holding only one shows nothing.
func TestRichTextBlocksRemote(t *testing.T) {
	d := mime.ParseHTML(`<p>a <img src="https://t.example/banner.png" alt="Banner"> b <a href="https://x.example/"><img src="https://t.example/b.png"></a></p><img src="cid:c" alt="C">`)
	tests := []struct {
		name        string
		allowRemote bool
		want        string
	}{
		{"blocked", false, "a b ||[i [image: C]] "},
		{"allowed", true, "a [i [image: Banner]] b [a https://x.example/ [image: https://t.example/b.png]]||[i [image: C]] "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := guitest.RichSummary(FromDoc(d, nil, tt.allowRemote).Segments); got != tt.want {
				t.Errorf("docToRich(allowRemote %v) = %q, want %q", tt.allowRemote, got, tt.want)
			}
		})
	}
}

func TestHTMLToRichReportsImages(t *testing.T) {
	doc := FromHTML(`<img src="cid:a"><img src="https://x.example/b.png"><img src="cid:a"><img src="data:image/png;base64,AAAA">`, nil)
	want := "cid:a https://x.example/b.png data:image/png;base64,AAAA"
	if got := strings.Join(doc.Images, " "); got != want {
		t.Errorf("images = %q, want %q", got, want)
	}
}

func TestHTMLToRichBounds(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"long text", "<p>" + strings.Repeat("word ", mime.MaxHTMLRunes) + "</p>"},
		{"many tags", strings.Repeat("<b>x</b><i>y</i><br>", mime.MaxHTMLItems)},
		{"deep nesting", strings.Repeat("<div><ul><li><blockquote>", 5000) + "deep" + strings.Repeat("</blockquote></li></ul></div>", 5000)},
		{"huge pre", "<pre>" + strings.Repeat("x\n", mime.MaxHTMLRunes) + "</pre>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := FromHTML(tt.in, nil)
			if n := countSegments(doc.Segments); n > mime.MaxHTMLItems+10 {
				t.Errorf("htmlToRich made %d segments, want at most about %d", n, mime.MaxHTMLItems)
			}
			if n := textLength(doc.Segments); n > mime.MaxHTMLRunes+len(TruncatedNote())+1000 {
				t.Errorf("htmlToRich kept %d runes of text, want at most about %d", n, mime.MaxHTMLRunes)
			}
		})
	}
	if doc := FromHTML("<p>"+strings.Repeat("word ", mime.MaxHTMLRunes)+"</p>", nil); !doc.Truncated {
		t.Error("a text past the limit is not marked truncated")
	}
}

func countSegments(segs []widget.RichTextSegment) int {
	n := 0
	for _, s := range segs {
		n++
		if b, ok := s.(widget.RichTextBlock); ok {
			n += countSegments(b.Segments())
		}
	}
	return n
}

func textLength(segs []widget.RichTextSegment) int {
	n := 0
	for _, s := range segs {
		n += utf8.RuneCountInString(s.Textual())
		if b, ok := s.(widget.RichTextBlock); ok {
			n += textLength(b.Segments())
		}
	}
	return n
}

// FuzzHTMLToRich checks that no HTML makes the converter or the RichText
// showing its result panic, sanitised or not, and that its links only
// ever lead to the web or to mail.
func FuzzHTMLToRich(f *testing.F) {
	for _, seed := range []string{
		`<p>Hello <b>bold <i>both</i></b> <a href="https://example.com">link</a></p>`,
		`<ul><li>a<ol start="-5"><li>b<ul><li>c</li></ul></li></ol></li><li></li></ul>`,
		`<table><tr><td><h1>x</h1></td><td><pre>a\n\tb</pre></td></tr></table>`,
		`<blockquote><blockquote><p>q</p></blockquote></blockquote><hr><br><br>`,
		`<a href="https://x.example"><div><img src="cid:x" alt="y"></div><p>t</p></a>`,
		`<li>orphan</li></ul></ol></li></a></pre></blockquote>`,
		`<h1><h2>nested</h1></h2><pre><pre>x</pre></pre>`,
		`<img src="data:image/png;base64,iVBORw0KGgo=" width="0"><img>`,
		`<div style="display:none"><p>hidden<div hidden>x`,
		`<a href="javascript:x">j</a><a href="mailto:">m</a><a href="http://">h</a><a>`,
		"\x00<\x00p>\xff\xfe<b\x00>x",
		`<plaintext><b>not a tag`,
		`<svg><script>alert(1)</script></svg><math><mi>x`,
		`<ol start="99999999999999999999"><li>x`,
		`<p>` + strings.Repeat(`<b><i>`, 300) + `deep`,
	} {
		f.Add(seed)
	}
	test.NewTempApp(f)
	f.Fuzz(func(t *testing.T, in string) {
		safe, _ := mime.SanitizeHTML(in, true)
		for _, src := range []string{in, safe} {
			doc := FromHTML(src, map[string]image.Image{"cid:x": image.NewNRGBA(image.Rect(0, 0, 10, 10))})
			for _, l := range guitest.LinksIn(doc.Segments) {
				if mime.SafeLinkURL(l.URL.String()) == nil {
					t.Fatalf("htmlToRich(%q) made a link to %q", src, l.URL)
				}
			}
			rt := widget.NewRichText(doc.Segments...)
			rt.Wrapping = fyne.TextWrapWord
			rt.Resize(fyne.NewSize(300, 200))
			test.WidgetRenderer(rt).Layout(rt.Size())
			_ = rt.MinSize()
		}
	})
}

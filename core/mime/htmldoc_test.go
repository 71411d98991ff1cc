package mime

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// docSummary writes a Doc compactly, to compare with a want string: a
// line ends with "|", styles and links in brackets, a quote depth as
// leading ">".
func docSummary(blocks []Block) string {
	var b strings.Builder
	for _, bl := range blocks {
		b.WriteString(strings.Repeat(">", bl.Quote))
		switch bl.Kind {
		case BlockLine:
			for _, r := range bl.Runs {
				b.WriteString(runSummary(r))
			}
		case BlockHeading:
			fmt.Fprintf(&b, "[h%d %s]", bl.Level, bl.Text)
		case BlockPre:
			b.WriteString("[pre " + bl.Text + "]")
		case BlockRule:
			b.WriteString("[hr]")
		case BlockList:
			kind := "ul"
			if bl.List.Ordered {
				kind = fmt.Sprintf("ol%d", bl.List.Start)
			}
			b.WriteString("[" + kind)
			for _, it := range bl.List.Items {
				b.WriteString(" {" + docSummary(it) + "}")
			}
			b.WriteString("]")
		}
		b.WriteString("|")
	}
	return b.String()
}

func runSummary(r Run) string {
	var s string
	switch {
	case r.Image != nil:
		kind := "other"
		switch {
		case r.Image.Remote:
			kind = "remote"
		case r.Image.Embedded:
			kind = "embedded"
		}
		s = "[img " + kind + " " + r.Image.Src + " " + r.Image.Alt + "]"
	case r.Style&Bold != 0:
		s = "[b " + r.Text + "]"
	case r.Style&Italic != 0:
		s = "[i " + r.Text + "]"
	case r.Style&Code != 0:
		s = "[code " + r.Text + "]"
	default:
		s = r.Text
	}
	if r.Link != nil {
		s = "[a " + r.Link.String() + " " + s + "]"
	}
	return s
}

func TestParseHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
		remote         int
	}{
		{"paragraphs and inline styles", `<p>Hello <b>bold</b> and <i>it</i> <code>x</code>.</p><p>Next</p>`,
			"Hello [b bold] and [i it] [code x].||Next|", 0},
		{"white space collapses", "<p>  a \n\t b  </p>", "a b |", 0},
		{"breaks, blank lines capped", `a<br>b<br><br><br><br>c`, "a|b||c|", 0},
		{"headings", `<h1>Big</h1><h2>Mid</h2><h4>Small <i>x</i></h4>text`, "[h1 Big]||[h2 Mid]||[h4 Small x]||text|", 0},
		{"links", `see <a href="https://example.com/a">the page</a>, <a href="mailto:a@example.com">mail</a>`,
			"see [a https://example.com/a the page], [a mailto:a@example.com mail]|", 0},
		{"spaces at a link's edges stay outside it", `a<a href="https://x.example/"> b c </a>d`,
			"a [a https://x.example/ b c] d|", 0},
		{"javascript: links are text", `<a href="javascript:alert(1)">click</a> <a href=" JaVaScRiPt:x">j</a> <a href="vbscript:x">v</a>`,
			"click j v|", 0},
		{"file, data and relative links are text", `<a href="file:///etc/passwd">f</a> <a href="data:text/html,x">d</a> <a href="/rel">r</a> <a href="https:///nohost">n</a>`,
			"f d r n|", 0},
		{"base does not make relative links or images absolute", `<base href="https://evil.example/"><a href="login">in</a><img src="track.gif" alt="t">`,
			"in[img other track.gif t]|", 1},
		{"block inside a link keeps the link", `<a href="https://x.example/"><div>one</div><div>two</div></a>`,
			"[a https://x.example/ one]|[a https://x.example/ two]|", 0},
		{"lists", `<ul><li>one</li><li><b>two</b></li><li> </li></ul><ol start="3"><li>three</li></ol>`,
			"[ul {one|} {[b two]|}]||[ol3 {three|}]|", 0},
		{"nested list", `<ul><li>a<ul><li>b</li></ul>c</li></ul>`, "[ul {a|[ul {b|}]|c|}]|", 0},
		{"quote", `<blockquote>said<blockquote>before</blockquote></blockquote>after`, ">said|>>before||after|", 0},
		{"pre keeps lines", "<pre>\nline 1\n\tline 2\n</pre>", "[pre line 1\n    line 2]|", 0},
		{"table rows and cells", `<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>`, "a b|c|", 0},
		{"nested tables", `<table><tr><td><table><tr><td>in</td><td>ner</td></tr></table></td><td>out</td></tr></table>`,
			"in ner||out|", 0},
		{"images: embedded, remote, tracking pixel", `<p>x <img src="cid:logo" alt="Logo"> <img src="https://t.example/p.gif" width="1" height="1"></p><img src="//img.example/a.png">`,
			"x [img embedded cid:logo Logo]||[img remote //img.example/a.png ]|", 2},
		{"display:none is hidden", `<div style="display: none">preheader</div><span hidden>x</span><p style="DISPLAY:NONE !important">y</p><p style="visibility:hidden">z</p><div style="mso-hide:all">w</div><p>shown</p>`,
			"shown|", 0},
		{"display:none hidden behind a CSS escape", `<p style="display:\6e one">hidden</p>shown`, "shown|", 0},
		{"hidden tracking pixel still counts as remote", `<div style="display:none"><img src="https://t.example/o.gif"></div>ok`, "ok|", 1},
		{"scripts and styles never show", `<script>alert(1)</script><style>p{background:url(https://x.example/a)}</style><title>t</title>ok`, "ok|", 0},
		{"forms show their text, not their controls", `<form action="https://evil.example/steal"><p>Password:</p><input name="p" value="secret"><button>Send</button><select><option>o</option></select><textarea>t</textarea></form>after`,
			"Password:||after|", 0},
		{"meta refresh is ignored", `<head><meta http-equiv="refresh" content="0;url=https://evil.example/"></head><body>text</body>`, "text|", 0},
		{"SVG is left out", `<p>a</p><svg><image href="https://x.example/i.png"/><text>svg text</text><script>x()</script></svg><p>b</p>`, "a||b|", 0},
		{"CSS url() counts as remote", `<div style="background-image: url(https://x.example/bg.png); color: red">a</div><td background="https://x.example/t.png">b</td><td background="cid:bg">c</td>`,
			"a|b c|", 2},
		{"srcset counts as remote once per image", `<img src="cid:a" srcset="https://x.example/a.png 1x, https://x.example/b.png 2x" alt="A"><img src="https://x.example/c.png" srcset="https://x.example/c2.png 2x">`,
			"[img embedded cid:a A][img remote https://x.example/c.png ]|", 2},
		{"image without a source", `a<img alt="x"><img src=" ">b`, "a[img other  x][img other  ]b|", 0},
		{"image in a link", `<a href="https://example.com"><img src="x.png"></a>`, "[a https://example.com [img other x.png ]]|", 1},
		{"separator", `a<hr>b`, "a|[hr]|b|", 0},
		{"unclosed tags are closed", `<p><b>bold <i>both`, "[b bold ][b both]|", 0},
		{"stray end tags", `</div></p>a</b>`, "|a|", 0},
		{"entities", `&lt;tag&gt; &amp; &eacute;`, "<tag> & é|", 0},
		{"control characters dropped", "a\x00b\x1bc", "abc|", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ParseHTML(tt.in)
			if got := docSummary(d.Blocks); got != tt.want {
				t.Errorf("ParseHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if d.Remote != tt.remote {
				t.Errorf("ParseHTML(%q).Remote = %d, want %d", tt.in, d.Remote, tt.remote)
			}
			if _, blocked := SanitizeHTML(tt.in, false); blocked != d.Remote {
				t.Errorf("SanitizeHTML(%q) blocked %d, ParseHTML counts %d remote: two definitions of remote", tt.in, blocked, d.Remote)
			}
		})
	}
}

func TestParseHTMLImages(t *testing.T) {
	d := ParseHTML(`<img src="cid:a"><img src=" https://x.example/b.png "><img src="cid:a"><img src="data:image/png;base64,AAAA">` +
		`<img src="//x.example/c.png"><img src="https://t.example/p" width="0"><div hidden><img src="https://x.example/hidden.png"></div>`)
	var got []string
	for _, img := range d.Images {
		got = append(got, fmt.Sprintf("%s remote=%v embedded=%v url=%s", img.Src, img.Remote, img.Embedded, img.URL))
	}
	want := []string{
		"cid:a remote=false embedded=true url=",
		"https://x.example/b.png remote=true embedded=false url=https://x.example/b.png",
		"data:image/png;base64,AAAA remote=false embedded=true url=",
		"//x.example/c.png remote=true embedded=false url=https://x.example/c.png",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Images =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestHTMLToTextFollowsTheDoc covers what the index reads since the text
// comes from the same model as the reader: hidden text is no longer
// indexed, ordered lists keep their numbers, nested items are indented.
func TestHTMLToTextFollowsTheDoc(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"display:none text is not indexed", `<div style="display:none">cheap pills preheader</div><p>Hello</p>`, "Hello"},
		{"ordered list numbers", `<ol start="2"><li>two</li><li>three</li></ol>`, "2. two\n3. three"},
		{"nested list indents", `<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>`, "- a\n  - b\n- c"},
		{"unsafe link target not shown", `<a href="javascript:steal()">click</a> <a href="relative.html">rel</a>`, "click rel"},
		{"quote lines", `<blockquote>q1<br>q2</blockquote>a`, "q1\nq2\n\na"},
		{"non-breaking space", "a&nbsp;b", "a b"},
		{"link over several blocks names its URL once", `<a href="https://x.example/"><div><img src="cid:x"></div><div>one</div><div>two</div></a>after`, "one\ntwo <https://x.example/>\nafter"},
		{"empty mailto is no link", `<a href="mailto:">m</a>`, "m"},
		{"rule", "a<hr>b", "a\n\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTMLToText(tt.in); got != tt.want {
				t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseHTMLBounds(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		truncated bool
	}{
		{"long text", "<p>" + strings.Repeat("word ", MaxHTMLRunes) + "</p>", true},
		{"many tags", strings.Repeat("<b>x</b><i>y</i><br>", MaxHTMLItems), true},
		{"deep nesting", strings.Repeat("<div><ul><li><blockquote>", 5000) + "deep" + strings.Repeat("</blockquote></li></ul></div>", 5000), false},
		{"huge pre", "<pre>" + strings.Repeat("x\n", MaxHTMLRunes) + "</pre>", true},
		{"huge attribute values", `<a href="https://x.example/` + strings.Repeat("a", 1<<20) + `">l</a><img src="cid:x" alt="` + strings.Repeat("b ", 1<<19) + `">` +
			`<p style="` + strings.Repeat("color:red;", 1<<16) + `">s</p>`, false},
		{"many images", strings.Repeat(`<img src="cid:`, 1) + strings.Repeat(`x"><img src="cid:y`, 5000) + `">`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ParseHTML(tt.in)
			items, runes := docSize(d.Blocks)
			if items > MaxHTMLItems+10 {
				t.Errorf("ParseHTML made %d blocks and runs, want at most about %d", items, MaxHTMLItems)
			}
			if runes > MaxHTMLRunes+1000 {
				t.Errorf("ParseHTML kept %d runes, want at most about %d", runes, MaxHTMLRunes)
			}
			if len(d.Images) > MaxHTMLImages {
				t.Errorf("ParseHTML listed %d images, want at most %d", len(d.Images), MaxHTMLImages)
			}
			if d.Truncated != tt.truncated {
				t.Errorf("ParseHTML().Truncated = %v, want %v", d.Truncated, tt.truncated)
			}
		})
	}
}

func docSize(blocks []Block) (items, runes int) {
	for _, b := range blocks {
		items++
		runes += utf8.RuneCountInString(b.Text)
		for _, r := range b.Runs {
			items++
			runes += utf8.RuneCountInString(r.Text)
			if r.Image != nil {
				runes += utf8.RuneCountInString(r.Image.Alt)
			}
		}
		if b.List != nil {
			for _, it := range b.List.Items {
				i, r := docSize(it)
				items, runes = items+i, runes+r
			}
		}
	}
	return items, runes
}

func TestLinkLabel(t *testing.T) {
	tests := []struct{ name, text, href, want string }{
		{"plain text", "the page", "https://example.com/a", "the page"},
		{"text naming another site", "www.bank.example", "https://evil.example/login", "www.bank.example [evil.example]"},
		{"text naming the site", "bank.example", "https://www.bank.example/", "bank.example"},
		{"subdomain of the named site", "bank.example", "https://login.bank.example/", "bank.example"},
		{"long text is shortened", strings.Repeat("x", 100), "https://example.com", strings.Repeat("x", 80) + "…"},
		{"mailto", "a@example.com", "mailto:a@example.com", "a@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.href)
			if err != nil {
				t.Fatal(err)
			}
			if got := LinkLabel(tt.text, u); got != tt.want {
				t.Errorf("LinkLabel(%q, %q) = %q, want %q", tt.text, tt.href, got, tt.want)
			}
		})
	}
}

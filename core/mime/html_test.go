package mime

import (
	"strings"
	"testing"
)

func TestSanitizeHTML(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		allowRemote bool
		contains    []string
		absent      []string
		blocked     int
	}{
		{
			name:     "script element",
			in:       `<p>hi</p><script>alert(1)</script>`,
			contains: []string{"<p>hi</p>"},
			absent:   []string{"script", "alert"},
		},
		{
			name:     "event handler",
			in:       `<body onload="steal()"><p onclick="x()">text</p></body>`,
			contains: []string{"<p>text</p>"},
			absent:   []string{"onload", "onclick", "steal"},
		},
		{
			name:     "javascript: link",
			in:       `<a href="javascript:alert(1)">click</a> <a href="JaVaScRiPt:alert(2)">again</a>`,
			contains: []string{"click", "again"},
			absent:   []string{"javascript", "JaVaScRiPt", "href"},
		},
		{
			name:     "https link kept",
			in:       `<a href="https://example.com/a">link</a>`,
			contains: []string{`href="https://example.com/a"`},
		},
		{
			name:   "forms, iframes, styles and objects",
			in:     `<form action="https://evil.example"><input name=p></form><iframe src="https://evil.example"></iframe><style>body{}</style><object data="x"></object>`,
			absent: []string{"form", "input", "iframe", "style", "object", "evil"},
		},
		{
			name:     "remote image removed and counted",
			in:       `<p>a<img src="https://tracker.example/p.gif" width="1">b<img src="http://x.example/i.png"></p>`,
			contains: []string{"<p>ab</p>"},
			absent:   []string{"img", "tracker"},
			blocked:  2,
		},
		{
			name:    "protocol-relative image removed",
			in:      `<img src="//tracker.example/p.gif">`,
			absent:  []string{"tracker"},
			blocked: 1,
		},
		{
			name:        "remote image kept when allowed",
			in:          `<img src="https://example.com/logo.png" alt="logo">`,
			allowRemote: true,
			contains:    []string{`<img src="https://example.com/logo.png" alt="logo">`},
		},
		{
			name:     "cid image kept",
			in:       `<img src="cid:logo@example.com" alt="logo">`,
			contains: []string{`src="cid:logo@example.com"`},
		},
		{
			name:     "data image kept",
			in:       `<img src="data:image/png;base64,iVBORw0KGgo=">`,
			contains: []string{`src="data:image/png;base64,iVBORw0KGgo="`},
		},
		{
			name:   "data URL that is not an image",
			in:     `<img src="data:text/html;base64,PHNjcmlwdD4=">`,
			absent: []string{"data:"},
		},
		{
			name:     "srcset removed",
			in:       `<img src="cid:a" srcset="https://x.example/a.png 1x, https://x.example/b.png 2x">`,
			contains: []string{`src="cid:a"`},
			absent:   []string{"srcset", "x.example"},
			blocked:  1,
		},
		{
			name:     "background attribute removed",
			in:       `<table background="https://x.example/bg.png"><tr><td background="cid:bg">a</td></tr></table>`,
			contains: []string{`background="cid:bg"`},
			absent:   []string{"x.example"},
			blocked:  1,
		},
		{
			name:     "style url removed, other declarations kept",
			in:       `<div style="color: red; background-image: url(https://x.example/bg.png); font-weight: bold">a</div>`,
			contains: []string{"color: red", "font-weight: bold", ">a</div>"},
			absent:   []string{"url", "x.example"},
			blocked:  1,
		},
		{
			name:        "style url kept when allowed",
			in:          `<div style="background-image: url(https://x.example/bg.png)">a</div>`,
			allowRemote: true,
			contains:    []string{"url(https://x.example/bg.png)"},
		},
		{
			name:   "dangerous CSS",
			in:     `<div style="position: fixed; top: 0; behavior: url(x.htc); width: expression(alert(1))">a</div>`,
			absent: []string{"position", "behavior", "expression"},
		},
		{
			name:     "mail layout attributes kept",
			in:       `<table width="600" cellpadding="0" bgcolor="#ffffff"><tr><td align="center" valign="top"><font color="red" face="Arial">x</font></td></tr></table>`,
			contains: []string{`width="600"`, `cellpadding="0"`, `bgcolor="#ffffff"`, `align="center"`, `valign="top"`, `<font color="red" face="Arial">`},
		},
		{
			name:     "text is escaped",
			in:       `<p>&lt;script&gt; &amp; more</p>`,
			contains: []string{"<p>&lt;script&gt; &amp; more</p>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, blocked := SanitizeHTML(tt.in, tt.allowRemote)
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("SanitizeHTML(%q, %v) = %q, want it to contain %q", tt.in, tt.allowRemote, got, s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(strings.ToLower(got), strings.ToLower(s)) {
					t.Errorf("SanitizeHTML(%q, %v) = %q, want no %q", tt.in, tt.allowRemote, got, s)
				}
			}
			if blocked != tt.blocked {
				t.Errorf("SanitizeHTML(%q, %v) blocked = %d, want %d", tt.in, tt.allowRemote, blocked, tt.blocked)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"paragraphs", "<p>one</p><p>two</p>", "one\n\ntwo"},
		{"line breaks", "a<br>b<br/><br>c", "a\nb\n\nc"},
		{"list items", "<ul><li>x</li><li>y</li></ul>after", "- x\n- y\n\nafter"},
		{"headings", "<h1>Title</h1>text", "Title\n\ntext"},
		{"link", `see <a href="https://example.com/x">the page</a>.`, "see the page <https://example.com/x>."},
		{"link whose text is the url", `<a href="https://example.com">https://example.com</a>`, "https://example.com"},
		{"mailto link", `<a href="mailto:a@example.com">a@example.com</a>`, "a@example.com"},
		{"image link", `<a href="https://example.com"><img src="x.png"></a>`, "<https://example.com>"},
		{"fragment and script links", `<a href="#top">top</a> <a href="javascript:x()">js</a>`, "top js"},
		{"scripts and styles dropped", "<style>p{}</style><script>var a = '<p>';</script>kept", "kept"},
		{"head dropped", "<html><head><title>T</title><meta charset=utf-8></head><body>body</body></html>", "body"},
		{"entities", "caf&eacute; &amp; &lt;tag&gt; &#x263A;&nbsp;!", "café & <tag> ☺ !"},
		{"whitespace collapsed", "  many \n\n  spaces\t here  ", "many spaces here"},
		{"pre kept", "<pre>a  b\n  c</pre>d", "a  b\n  c\n\nd"},
		{"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"nested blocks do not pile up", "<div><div><p>x</p></div></div><div>y</div>", "x\n\ny"},
		{"unclosed tags", "<p>a<b>b<i>c", "abc"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTMLToText(tt.in); got != tt.want {
				t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

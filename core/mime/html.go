package mime

import (
	"bytes"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// SanitizeHTML returns HTML that is safe to render: it keeps bluemonday's
// UGC policy (no scripts, style elements, event handlers, forms, frames or
// embedded objects; links limited to http, https and mailto) plus what mail
// layouts rely on: presentational table and font attributes, and inline
// styles limited to harmless properties.
//
// Unless allowRemote, every reference that would fetch something from the
// network when the message is shown (img src, srcset, the background
// attribute, CSS url()) is removed, because such fetches tell the sender
// that and when the message was read. blocked counts the removals so the UI
// can offer "Load remote images". Images embedded in the message (cid:) and
// data:image URLs are kept, as they reveal nothing.
func SanitizeHTML(s string, allowRemote bool) (safe string, blocked int) {
	safe = htmlPolicy().Sanitize(s)
	if allowRemote {
		return safe, 0
	}
	return blockRemote(safe)
}

var htmlPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("cid")
	p.AllowDataURIImages()

	color := regexp.MustCompile(`(?i)^(#[0-9a-f]{3,8}|[a-z]{3,20})$`)
	cells := []string{"table", "thead", "tbody", "tfoot", "tr", "td", "th", "col", "colgroup"}
	p.AllowElements("center")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`(?i)^(left|right|center|justify)$`)).
		OnElements(append([]string{"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "caption"}, cells...)...)
	p.AllowAttrs("valign").Matching(regexp.MustCompile(`(?i)^(top|middle|bottom|baseline)$`)).OnElements(cells...)
	p.AllowAttrs("bgcolor").Matching(color).OnElements(cells...)
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements(cells...)
	p.AllowAttrs("border", "cellpadding", "cellspacing").Matching(bluemonday.Integer).OnElements("table")
	p.AllowAttrs("color").Matching(color).OnElements("font")
	p.AllowAttrs("face").Matching(regexp.MustCompile(`^[\p{L}\p{N} ,\-_'"]{1,200}$`)).OnElements("font")
	p.AllowAttrs("size").Matching(regexp.MustCompile(`^[+-]?[1-7]$`)).OnElements("font")

	// bluemonday checks URLs only in the attributes it knows (href, src,
	// cite), so these two get a pattern that admits no other scheme.
	p.AllowAttrs("background").Matching(regexp.MustCompile(`(?i)^\s*(https?://|cid:)[^\s"'<>()\\]*\s*$`)).
		OnElements(cells...)
	p.AllowAttrs("srcset").Matching(regexp.MustCompile(
		`(?i)^\s*https?://[^\s,"'<>()\\]+(\s+[0-9.]+[wx])?(\s*,\s*https?://[^\s,"'<>()\\]+(\s+[0-9.]+[wx])?)*\s*$`)).
		OnElements("img")

	// bluemonday validates each value against the property; positioning is
	// left out so that a message cannot draw over the client's own UI.
	p.AllowStyles(
		"color", "background", "background-color", "background-image", "background-repeat", "background-position", "background-size",
		"font", "font-family", "font-size", "font-style", "font-weight", "font-variant",
		"text-align", "text-decoration", "text-indent", "text-transform", "line-height",
		"letter-spacing", "word-spacing", "vertical-align", "white-space", "word-break", "word-wrap", "overflow-wrap",
		"direction", "display", "list-style-type",
		"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
		"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
		"border", "border-top", "border-right", "border-bottom", "border-left",
		"border-color", "border-style", "border-width", "border-radius", "border-collapse", "border-spacing",
		"width", "height", "max-width", "min-width", "max-height", "min-height", "table-layout",
	).Globally()
	return p
})

// blockRemote removes what would load from the network from HTML that
// SanitizeHTML's policy already cleaned, so only tags need rewriting; text,
// end tags and comments are copied byte for byte.
func blockRemote(s string) (string, int) {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s))
	blocked := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String(), blocked
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := z.Raw()
			if !mayLoad(raw) {
				b.Write(raw)
				continue
			}
			tok := z.Token()
			if tok.DataAtom == atom.Img && hasRemoteSrc(tok) {
				blocked++
				continue
			}
			attrs := tok.Attr[:0]
			for _, a := range tok.Attr {
				switch a.Key {
				case "srcset":
					blocked++
					continue
				case "background":
					if !embeddedURL(a.Val) {
						blocked++
						continue
					}
				case "style":
					var n int
					a.Val, n = stripCSSURLs(a.Val)
					blocked += n
					if a.Val == "" {
						continue
					}
				}
				attrs = append(attrs, a)
			}
			tok.Attr = attrs
			b.WriteString(tok.String())
		default:
			b.Write(z.Raw())
		}
	}
}

// mayLoad reports whether a tag has an attribute that can load something.
// bluemonday writes attribute names in lower case followed by '=', so the
// tags without one, most of them, are copied without tokenizing further.
func mayLoad(tag []byte) bool {
	return bytes.Contains(tag, []byte(" src")) || bytes.Contains(tag, []byte(" background=")) || bytes.Contains(tag, []byte(" style="))
}

func hasRemoteSrc(tok html.Token) bool {
	for _, a := range tok.Attr {
		if a.Key == "src" {
			return !embeddedURL(a.Val)
		}
	}
	return false
}

// embeddedURL reports whether a URL points into the message itself.
func embeddedURL(u string) bool {
	u = strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(u, "cid:") || strings.HasPrefix(u, "data:image/")
}

// stripCSSURLs drops the declarations of an inline style that load
// anything, and returns how many it dropped.
func stripCSSURLs(style string) (string, int) {
	var kept []string
	dropped := 0
	for _, decl := range splitCSS(style) {
		if strings.TrimSpace(decl) == "" {
			continue
		}
		norm := strings.ToLower(cssUnescape(decl))
		norm = strings.Join(strings.Fields(norm), "")
		if strings.Contains(norm, "url(") || strings.Contains(norm, "image-set(") || strings.Contains(norm, "image(") {
			dropped++
			continue
		}
		kept = append(kept, strings.TrimSpace(decl))
	}
	return strings.Join(kept, "; "), dropped
}

// splitCSS splits declarations at semicolons outside strings and brackets.
func splitCSS(s string) []string {
	var out []string
	var quote byte
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ';' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[min(start, len(s)):])
}

// cssUnescape resolves CSS escapes (\75 rl, \u) so they cannot hide url(.
func cssUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		var r rune
		for j < len(s) && j < i+7 && isHex(s[j]) {
			r = r*16 + rune(hexVal(s[j]))
			j++
		}
		if j == i+1 {
			b.WriteByte(s[j])
			i = j
			continue
		}
		b.WriteRune(r)
		if j < len(s) && s[j] == ' ' {
			j++
		}
		i = j - 1
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// HTMLToText turns HTML into readable plain text for the index, snippets
// and plain-text replies. It is ParseHTML's Doc written as text (see
// Doc.Text): what the reader shows, without what the sender hid, and with
// links as "text <url>".
func HTMLToText(s string) string {
	return parseHTML(s, textLimits).Text()
}

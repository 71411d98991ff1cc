package markdown

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// monospace is the font stack for code; quoted names with spaces would be
// valid CSS, but some clients' sanitisers drop quotes in style attributes.
const monospace = "Menlo, Consolas, monospace"

// bodyStyle is the text's own style, on the div that wraps it.
const bodyStyle = "font-family: Helvetica, Arial, sans-serif; font-size: 14px; line-height: 1.45; color: #222222"

// styles are the inline styles each element gets. They are modest, so
// that the message looks like a written letter, not a web page, in
// clients with light and dark themes alike.
var styles = map[atom.Atom]string{
	atom.P:          "margin: 0 0 0.8em 0",
	atom.H1:         "font-size: 1.6em; font-weight: bold; margin: 0.6em 0 0.4em 0",
	atom.H2:         "font-size: 1.35em; font-weight: bold; margin: 0.6em 0 0.4em 0",
	atom.H3:         "font-size: 1.15em; font-weight: bold; margin: 0.6em 0 0.4em 0",
	atom.H4:         "font-size: 1em; font-weight: bold; margin: 0.6em 0 0.4em 0",
	atom.H5:         "font-size: 1em; font-weight: bold; margin: 0.6em 0 0.4em 0",
	atom.H6:         "font-size: 1em; font-weight: bold; margin: 0.6em 0 0.4em 0",
	atom.A:          "color: #1a5fb4; text-decoration: underline",
	atom.Blockquote: "margin: 0 0 0.8em 0; padding: 0 0 0 0.8em; border-left: 3px solid #c8c8c8; color: #555555",
	atom.Code:       "font-family: " + monospace + "; font-size: 0.92em; background-color: #f0f0f0; padding: 0 0.2em",
	atom.Pre:        "font-family: " + monospace + "; font-size: 0.92em; background-color: #f6f6f6; border: 1px solid #dddddd; padding: 0.6em; margin: 0 0 0.8em 0; white-space: pre-wrap",
	atom.Ul:         "margin: 0 0 0.8em 0; padding-left: 1.6em",
	atom.Ol:         "margin: 0 0 0.8em 0; padding-left: 1.6em",
	atom.Li:         "margin: 0.15em 0",
	atom.Table:      "border-collapse: collapse; margin: 0 0 0.8em 0",
	atom.Th:         "border: 1px solid #cccccc; padding: 0.3em 0.6em; background-color: #f0f0f0; font-weight: bold",
	atom.Td:         "border: 1px solid #cccccc; padding: 0.3em 0.6em",
	atom.Hr:         "border: 0; border-top: 1px solid #cccccc; margin: 1em 0",
	atom.Img:        "max-width: 100%",
}

// codeInPre is code's style inside a block, whose pre has the frame.
const codeInPre = "font-family: " + monospace

// inlineStyles adds styles to the elements of goldmark's output. goldmark
// writes no style attributes but a table cell's alignment, which is kept
// before ours.
func inlineStyles(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s) * 2)
	pre := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			style, ok := styles[tok.DataAtom]
			if tok.DataAtom == atom.Pre && tt == html.StartTagToken {
				pre++
			}
			if tok.DataAtom == atom.Code && pre > 0 {
				style = codeInPre
			}
			if !ok {
				b.WriteString(tok.String())
				continue
			}
			tok.Attr = withStyle(tok.Attr, style)
			b.WriteString(tok.String())
		case html.EndTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) == atom.Pre && pre > 0 {
				pre--
			}
			b.Write(z.Raw())
		default:
			b.Write(z.Raw())
		}
	}
}

// withStyle appends style to the element's style attribute.
func withStyle(attrs []html.Attribute, style string) []html.Attribute {
	for i, a := range attrs {
		if a.Key == "style" {
			attrs[i].Val = strings.TrimRight(a.Val, "; ") + "; " + style
			return attrs
		}
	}
	return append(attrs, html.Attribute{Key: "style", Val: style})
}

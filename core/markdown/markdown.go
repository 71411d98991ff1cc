// Package markdown turns what the composer writes, Markdown, into the
// HTML alternative of an outgoing message: rendered by goldmark, styled
// with inline style attributes (mail clients drop <style> elements and
// stylesheets), and sanitised by the same policy that cleans incoming
// mail (core/mime), so that nothing a recipient's client would run or
// fetch leaves this machine.
//
// The subset is CommonMark without setext headings, plus three GitHub
// extensions: tables (whose header row has a pipe), ~~strikethrough~~ and
// bare links (www.example.com). Every line break the user typed is kept,
// as mail readers expect. Raw HTML in the Markdown is escaped, shown as
// the characters typed, never interpreted: the plain text alternative
// shows it the same way. Images are only those sent with the message:
// ![alt](name) where name is an attached picture becomes a cid: reference
// to it; any other image (a remote URL, a file not attached) becomes its
// alt text, because a remote image in mail is a read receipt the
// recipient did not agree to. docs/COMPOSE.md says it for users.
package markdown

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/tributary-mail/tributary/core/mime"
)

// MaxSource bounds the Markdown rendered: a message body larger than this
// is sent as plain text only, since nobody composes 2 MiB by hand and
// goldmark's cost grows with pathological nesting.
const MaxSource = 2 << 20

// ErrTooLarge is returned for Markdown longer than MaxSource.
var ErrTooLarge = fmt.Errorf("markdown: the text is larger than %d bytes; send it as plain text", MaxSource)

// Rendered is a message body as HTML.
type Rendered struct {
	// HTML is a complete, sanitised HTML document.
	HTML string
	// Body is the sanitised, styled fragment HTML wraps: what a preview
	// shows.
	Body string
	// Used lists the image names (keys of the images passed to Render)
	// the text showed, each once, in order of first use.
	Used []string
}

// Render renders src. images maps the names an image may be written with
// (![alt](name)) to the Content-ID of the part that carries it.
func Render(src string, images map[string]string) (Rendered, error) {
	if len(src) > MaxSource {
		return Rendered{}, ErrTooLarge
	}
	imgs := &imageRefs{cids: images}
	md := goldmark.New(
		goldmark.WithParser(newParser()),
		goldmark.WithExtensions(extension.Strikethrough, extension.Linkify),
		goldmark.WithParserOptions(
			parser.WithASTTransformers(util.Prioritized(imgs, 100), util.Prioritized(extension.NewTableASTTransformer(), 0)),
			parser.WithParagraphTransformers(util.Prioritized(pipeTables{extension.NewTableParagraphTransformer()}, 200)),
		),
		goldmark.WithRendererOptions(
			// A line break typed in a mail is meant: addresses, signatures.
			html.WithHardWraps(),
			renderer.WithNodeRenderers(util.Prioritized(escapedHTML{}, 100), util.Prioritized(extension.NewTableHTMLRenderer(), 500)),
		),
	)
	var b bytes.Buffer
	if err := md.Convert([]byte(src), &b); err != nil {
		return Rendered{}, fmt.Errorf("markdown: render: %w", err)
	}
	// Styles are added after sanitising: they are this package's
	// constants, and checking them again for every element (bluemonday
	// parses each style attribute as CSS) was three quarters of the time.
	safe, _ := mime.SanitizeHTML(b.String(), false)
	body := inlineStyles(safe)
	return Rendered{HTML: document(body), Body: body, Used: imgs.used}, nil
}

// newParser is goldmark's default parser without setext headings: in
// mail a line of dashes under text is a signature separator ("-- ") or a
// hand-drawn rule, not a heading. ATX headings ("# Title") stay.
func newParser() parser.Parser {
	setext := reflect.TypeOf(parser.NewSetextHeadingParser())
	var blocks []util.PrioritizedValue
	for _, b := range parser.DefaultBlockParsers() {
		if reflect.TypeOf(b.Value) == setext {
			continue
		}
		blocks = append(blocks, b)
	}
	return parser.NewParser(
		parser.WithBlockParsers(blocks...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	)
}

// pipeTables are GFM tables whose header row has a pipe: goldmark also
// takes "Regards\n--\nAnn" for a one-column table, and mail is full of
// such lines.
type pipeTables struct{ parser.ParagraphTransformer }

// Transform implements parser.ParagraphTransformer.
func (p pipeTables) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	lines := node.Lines()
	if lines.Len() < 2 {
		return
	}
	first := lines.At(0)
	if !bytes.ContainsRune(first.Value(reader.Source()), '|') {
		return
	}
	p.ParagraphTransformer.Transform(node, reader, pc)
}

// document wraps a sanitised fragment; the wrapper is constant, so the
// whole stays safe. The outer div carries the text style, since many
// clients ignore a body's attributes.
func document(body string) string {
	return "<!DOCTYPE html>\n<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>\n" +
		"<body><div style=\"" + bodyStyle + "\">\n" + body + "</div></body></html>\n"
}

// imageRefs points images at the parts that carry them and drops the
// others, keeping their alt text.
type imageRefs struct {
	cids map[string]string
	used []string
}

// Transform implements parser.ASTTransformer.
func (r *imageRefs) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var images []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			images = append(images, img)
		}
		return ast.WalkContinue, nil
	})
	for _, img := range images {
		name := string(img.Destination)
		if cid, ok := r.cids[name]; ok {
			img.Destination = []byte("cid:" + cid)
			if !contains(r.used, name) {
				r.used = append(r.used, name)
			}
			continue
		}
		alt := strings.TrimSpace(string(altText(img, src)))
		if alt == "" {
			alt = name
		}
		parent := img.Parent()
		parent.ReplaceChild(parent, img, ast.NewString([]byte(alt)))
	}
}

// altText is the plain text of an image's description.
func altText(n ast.Node, src []byte) []byte {
	var b bytes.Buffer
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(src))
		case *ast.String:
			b.Write(t.Value)
		default:
			b.Write(altText(c, src))
		}
	}
	return b.Bytes()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// escapedHTML renders raw HTML as the text it is, where goldmark would
// drop it ("raw HTML omitted"): what the user typed reaches the reader
// either way, and in both alternatives alike.
type escapedHTML struct{}

// RegisterFuncs implements renderer.NodeRenderer.
func (escapedHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := range segs.Len() {
				seg := segs.At(i)
				w.Write(util.EscapeHTML(seg.Value(src)))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		b := n.(*ast.HTMLBlock)
		if !entering {
			if b.HasClosure() {
				w.Write(util.EscapeHTML(b.ClosureLine.Value(src)))
				w.WriteString("</p>\n")
			}
			return ast.WalkContinue, nil
		}
		// A paragraph keeps the lines apart, as they were typed.
		w.WriteString("<p>")
		lines := b.Lines()
		for i := range lines.Len() {
			line := lines.At(i)
			if i > 0 {
				w.WriteString("<br>")
			}
			w.Write(util.EscapeHTML(bytes.TrimRight(line.Value(src), "\r\n")))
			w.WriteString("\n")
		}
		if !b.HasClosure() {
			w.WriteString("</p>\n")
		} else {
			w.WriteString("<br>")
		}
		return ast.WalkContinue, nil
	})
}

var (
	_ parser.ASTTransformer       = (*imageRefs)(nil)
	_ parser.ParagraphTransformer = pipeTables{}
	_ renderer.NodeRenderer       = escapedHTML{}
)

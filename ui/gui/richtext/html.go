package richtext

import (
	"fmt"
	"image"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

// Fyne has no HTML engine, so the reader shows a message's HTML as
// widget.RichText. The HTML itself is read once, by mime.ParseHTML, into
// a Doc that already says what is a line, a heading, a list, a safe link
// or a remote image; this file only walks that Doc into segments, which
// it does again (without reading the HTML) when images arrive.
const richMaxAltText = 60

// richTruncatedNote ends a message too long to show formatted.
func TruncatedNote() string {
	return lang.L("The rest of this message is too long to show here. Use “Plain text” to read it all.")
}

// richDoc is a Doc made into segments.
type Doc struct {
	Segments []widget.RichTextSegment
	// images lists the Doc's image sources, in order, so the reader can
	// tell which attachments are shown in place.
	Images    []string
	Truncated bool
}

// htmlToRich reads HTML and converts it, showing remote images as
// placeholders unless loaded: the reader parses once and calls docToRich,
// the Markdown preview and the tests call this.
func FromHTML(src string, loaded map[string]image.Image) Doc {
	return FromDoc(mime.ParseHTML(src), loaded, true)
}

// tryHTMLToRich converts, turning a panic (a bug, which the fuzz targets
// exist to find) into an error, so that the caller falls back to the
// text rather than crash.
func TryFromHTML(src string, loaded map[string]image.Image) (doc Doc, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("html to rich text: %v", r) // i18n:ignore (for the log; the reader shows a note of its own)
		}
	}()
	return FromHTML(src, loaded), nil
}

// docToRich makes segments of d. Images whose source is in loaded are
// shown; those not embedded in the message are left out until
// allowRemote (the reader says how many it blocked), and the others stand
// as "[image: …]" placeholders.
func FromDoc(d mime.Doc, loaded map[string]image.Image, allowRemote bool) Doc {
	w := &richWalk{loaded: loaded, allowRemote: allowRemote}
	out := trimBreaks(w.blocks(nil, d.Blocks, 0))
	if d.Truncated {
		st := widget.RichTextStyleParagraph
		st.TextStyle.Italic = true
		out = append(out, lineBreak(), &widget.TextSegment{Style: st, Text: TruncatedNote()})
	}
	doc := Doc{Segments: out, Truncated: d.Truncated}
	for _, img := range d.Images {
		doc.Images = append(doc.Images, img.Src)
	}
	return doc
}

type richWalk struct {
	loaded      map[string]image.Image
	allowRemote bool
}

// lineBreak ends the current line; on an empty line it makes a blank one.
func lineBreak() *widget.TextSegment {
	return &widget.TextSegment{Style: widget.RichTextStyleParagraph}
}

// appendText adds inline text, into the last segment when it has the
// same style, so that a line costs few widgets.
func appendText(out []widget.RichTextSegment, s string, st widget.RichTextStyle) []widget.RichTextSegment {
	if n := len(out); n > 0 {
		if t, ok := out[n-1].(*widget.TextSegment); ok && t.Style.Inline && t.Style == st {
			t.Text += s
			return out
		}
	}
	return append(out, &widget.TextSegment{Style: st, Text: s})
}

func inlineStyle(s mime.Style) widget.RichTextStyle {
	st := widget.RichTextStyleInline
	st.TextStyle = fyne.TextStyle{Bold: s&mime.Bold != 0, Italic: s&mime.Italic != 0, Monospace: s&mime.Code != 0}
	return st
}

// quoteMarker starts each line of quoted text.
func quoteMarker(depth int) *widget.TextSegment {
	st := widget.RichTextStyleInline
	st.ColorName = theme.ColorNamePrimary
	st.TextStyle.Bold = true
	return &widget.TextSegment{Style: st, Text: strings.Repeat("> ", depth)}
}

func (w *richWalk) blocks(out []widget.RichTextSegment, bs []mime.Block, depth int) []widget.RichTextSegment {
	for _, b := range bs {
		switch b.Kind {
		case mime.BlockLine:
			out = w.line(out, b)
		case mime.BlockHeading:
			if b.Quote > 0 {
				out = append(out, quoteMarker(b.Quote))
			}
			st := widget.RichTextStyleParagraph
			st.TextStyle.Bold = true
			switch b.Level {
			case 1:
				st = widget.RichTextStyleHeading
			case 2:
				st = widget.RichTextStyleSubHeading
			}
			out = append(out, &widget.TextSegment{Style: st, Text: b.Text})
		case mime.BlockPre:
			if b.Quote > 0 {
				out = append(out, quoteMarker(b.Quote))
			}
			out = append(out, &widget.TextSegment{Style: widget.RichTextStyleCodeBlock, Text: b.Text})
		case mime.BlockRule:
			out = append(out, &widget.SeparatorSegment{})
		case mime.BlockList:
			out = w.list(out, b.List, depth)
		}
	}
	return out
}

// list puts a list in place. A top-level list is Fyne's ListSegment; a
// nested one is drawn with indented markers, since ListSegment does not
// indent.
func (w *richWalk) list(out []widget.RichTextSegment, l *mime.List, depth int) []widget.RichTextSegment {
	var items [][]widget.RichTextSegment
	for _, it := range l.Items {
		if segs := trimBreaks(w.blocks(nil, it, depth+1)); len(segs) > 0 {
			items = append(items, segs)
		}
	}
	if len(items) == 0 {
		return out
	}
	if depth == 0 {
		ls := &widget.ListSegment{Ordered: l.Ordered}
		ls.SetStartNumber(l.Start)
		for _, it := range items {
			ls.Items = append(ls.Items, &widget.ParagraphSegment{Texts: it})
		}
		return append(out, ls)
	}
	if n := len(out); n > 0 && out[n-1].Inline() {
		out = append(out, lineBreak())
	}
	indent := strings.Repeat("    ", min(depth, 6))
	for i, it := range items {
		marker := "◦ "
		if l.Ordered {
			marker = strconv.Itoa(l.Start+i) + ". "
		}
		out = append(out, &widget.TextSegment{Style: widget.RichTextStyleStrong, Text: indent + marker})
		out = append(out, it...)
		if it[len(it)-1].Inline() {
			out = append(out, lineBreak())
		}
	}
	return out
}

// line writes one line: its runs, a hyperlink for each link, and its
// images, shown on lines of their own when loaded.
func (w *richWalk) line(out []widget.RichTextSegment, b mime.Block) []widget.RichTextSegment {
	if len(b.Runs) == 0 {
		return append(out, lineBreak())
	}
	empty := true // nothing on the line yet
	space := true // the line ends with white space
	begin := func() {
		if empty && b.Quote > 0 {
			out = append(out, quoteMarker(b.Quote))
		}
		empty = false
	}
	runs := b.Runs
	for i := 0; i < len(runs); i++ {
		r := runs[i]
		if img := r.Image; img != nil {
			if img.Outside() && !w.allowRemote {
				continue // blocked: counted in the bar above the message
			}
			if pic := w.loaded[img.Src]; pic != nil {
				if bounds := pic.Bounds(); bounds.Dx() <= 2 || bounds.Dy() <= 2 {
					continue // a spacer or a tracking pixel
				}
				if !empty {
					out = append(out, lineBreak())
					empty = true
				}
				begin()
				out = append(out, newImageSegment(pic, img.Alt))
				empty, space = true, true
				continue
			}
		}
		if r.Link != nil {
			// One hyperlink for the run of runs of this link, placeholders
			// of its images included.
			var label strings.Builder
			j := i
			for ; j < len(runs) && runs[j].Link == r.Link; j++ {
				if img := runs[j].Image; img != nil {
					if w.loaded[img.Src] != nil {
						break // shown as an image after the link
					}
					if !img.Outside() || w.allowRemote {
						label.WriteString(" " + imageLabel(img) + " ")
					}
					continue
				}
				label.WriteString(runs[j].Text)
			}
			i = j - 1
			text := strings.Join(strings.Fields(label.String()), " ")
			if text == "" {
				continue
			}
			begin()
			out = append(out, &widget.HyperlinkSegment{Text: mime.LinkLabel(text, r.Link), URL: r.Link})
			space = false
			continue
		}
		if img := r.Image; img != nil {
			begin()
			if !space {
				out = appendText(out, " ", inlineStyle(0))
			}
			st := inlineStyle(0)
			st.TextStyle.Italic = true
			st.ColorName = theme.ColorNamePlaceHolder
			out = appendText(out, imageLabel(img), st)
			out = appendText(out, " ", inlineStyle(0))
			space = true
			continue
		}
		if empty && strings.Trim(r.Text, " ") == "" {
			continue
		}
		begin()
		out = appendText(out, r.Text, inlineStyle(r.Style))
		space = strings.HasSuffix(r.Text, " ")
	}
	if !empty {
		out = append(out, lineBreak())
	}
	return out
}

// imageLabel is the placeholder of an image not shown.
func imageLabel(img *mime.Image) string {
	switch {
	case img.Alt != "":
		return lang.L("[image: {{.Name}}]", map[string]any{"Name": kit.ClipRunes(img.Alt, richMaxAltText)})
	case img.Remote:
		return lang.L("[image: {{.Name}}]", map[string]any{"Name": kit.ClipRunes(img.Src, richMaxAltText)})
	}
	return lang.L("[image]")
}

// trimBreaks drops trailing line breaks, which would leave blank lines.
func trimBreaks(segs []widget.RichTextSegment) []widget.RichTextSegment {
	for len(segs) > 0 {
		t, ok := segs[len(segs)-1].(*widget.TextSegment)
		if !ok || t.Text != "" || t.Style.Inline {
			break
		}
		segs = segs[:len(segs)-1]
	}
	return segs
}

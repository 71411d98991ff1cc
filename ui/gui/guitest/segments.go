package guitest

import (
	"image"
	"strings"

	"fyne.io/fyne/v2/widget"
)

// RichSummary writes segments compactly, to compare with a want string:
// text as is, styles in brackets, a line break as "|".
func RichSummary(segs []widget.RichTextSegment) string {
	var b strings.Builder
	for _, s := range segs {
		switch s := s.(type) {
		case *widget.TextSegment:
			switch {
			case s.Text == "" && !s.Style.Inline:
				b.WriteString("|")
				continue
			case s.Style == widget.RichTextStyleHeading:
				b.WriteString("[h1 " + s.Text + "]|")
				continue
			case s.Style == widget.RichTextStyleSubHeading:
				b.WriteString("[h2 " + s.Text + "]|")
				continue
			case s.Style == widget.RichTextStyleCodeBlock:
				b.WriteString("[pre " + s.Text + "]|")
				continue
			}
			st := s.Style.TextStyle
			switch {
			case st.Bold && !s.Style.Inline:
				b.WriteString("[h " + s.Text + "]|")
			case st.Bold:
				b.WriteString("[b " + s.Text + "]")
			case st.Italic:
				b.WriteString("[i " + s.Text + "]")
			case st.Monospace:
				b.WriteString("[code " + s.Text + "]")
			default:
				b.WriteString(s.Text)
			}
		case *widget.HyperlinkSegment:
			b.WriteString("[a " + s.URL.String() + " " + s.Text + "]")
		case *widget.ListSegment:
			kind := "ul"
			if s.Ordered {
				kind = "ol"
			}
			b.WriteString("[" + kind)
			for _, it := range s.Items {
				b.WriteString(" {" + RichSummary(it.(*widget.ParagraphSegment).Texts) + "}")
			}
			b.WriteString("]|")
		case *widget.SeparatorSegment:
			b.WriteString("[hr]|")
		case interface{ Image() image.Image }: // richtext.ImageSegment
			b.WriteString("[img]|")
		default:
			b.WriteString("[?]")
		}
	}
	return b.String()
}

// LinksIn lists the hyperlinks of a document, nested ones included.
func LinksIn(segs []widget.RichTextSegment) []*widget.HyperlinkSegment {
	var out []*widget.HyperlinkSegment
	for _, s := range segs {
		switch s := s.(type) {
		case *widget.HyperlinkSegment:
			out = append(out, s)
		case widget.RichTextBlock:
			out = append(out, LinksIn(s.Segments())...)
		}
	}
	return out
}

// RichText is the text of segments, lists included.
func RichText(segs []widget.RichTextSegment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.Textual())
		if blk, ok := s.(widget.RichTextBlock); ok {
			b.WriteString(RichText(blk.Segments()))
		}
	}
	return b.String()
}

func HasImage(segs []widget.RichTextSegment) bool {
	for _, s := range segs {
		if _, ok := s.(interface{ Image() image.Image }); ok { // richtext.ImageSegment
			return true
		}
	}
	return false
}

// hasStyled reports whether a segment holding text has a style ok likes.
func HasStyled(segs []widget.RichTextSegment, text string, ok func(widget.RichTextStyle) bool) bool {
	for _, s := range segs {
		if ts, is := s.(*widget.TextSegment); is && strings.Contains(ts.Text, text) && ok(ts.Style) {
			return true
		}
		if blk, is := s.(widget.RichTextBlock); is && HasStyled(blk.Segments(), text, ok) {
			return true
		}
	}
	return false
}

package markdown

import (
	"strings"
	"testing"
)

// BenchmarkRender renders a reply as the composer sends it: a few lines
// over a quote of QuoteMax (100 KiB), the largest core/reply makes.
func BenchmarkRender(b *testing.B) {
	var src strings.Builder
	src.WriteString("Thanks, **Ann**. See [the notes](https://example.com/n).\n\nOn Mon, Ann wrote:\n")
	for src.Len() < 100<<10 {
		src.WriteString("> A line of the original message, quoted, with *some* words and a link https://example.com/x.\n>\n")
	}
	text := src.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := Render(text, nil); err != nil {
			b.Fatal(err)
		}
	}
}

package markdown

import (
	"strings"
	"testing"
)

// FuzzRender: whatever is typed, the HTML has nothing that runs or
// loads, and rendering never fails.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"# Title\n\n**bold** [link](https://example.com)",
		"<script>alert(1)</script>",
		"[x](javascript:alert(1))",
		"![x](https://t.example/p.gif) ![y](photo.png)",
		"| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | 2 |",
		"```\n<b>code</b>\n```",
		"> > > nested\n- - - list",
		"<div style=\"background:url(https://t.example)\">\nx\n</div>",
		"[a]: <javascript:alert(1)>\n\n[a]",
		"<a href=\"javascript:x\">y</a>",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		r, err := Render(src, map[string]string{"photo.png": "p@x"})
		if err != nil {
			t.Fatalf("Render(%q) = %v", src, err)
		}
		checkSafe(t, r.HTML)
		if strings.Contains(strings.ToLower(r.Body), "<script") {
			t.Fatalf("Render(%q) has a script: %q", src, r.Body)
		}
	})
}

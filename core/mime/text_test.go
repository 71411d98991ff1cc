package mime

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSnippet(t *testing.T) {
	long := strings.Repeat("word ", 100)
	tests := []struct {
		name, in, want string
	}{
		{"short", "Hello there", "Hello there"},
		{"whitespace collapsed", "  Hello\n\n\tthere  \r\n  friend ", "Hello there friend"},
		{"quoted lines skipped", "Sure.\n> old text\n>> older\n  > indented quote\nThanks", "Sure. Thanks"},
		{"long text cut", long, strings.TrimSpace(long[:160]) + "…"},
		{"mid-word cut backs off to a word boundary", strings.Repeat("abcde ", 40), strings.TrimSpace(strings.Repeat("abcde ", 26)) + "…"},
		{"runes not bytes", strings.Repeat("ü", 200), strings.Repeat("ü", 160) + "…"},
		{"exactly 160", strings.Repeat("a", 160), strings.Repeat("a", 160)},
		{"control characters", "a\x00b\x1bc", "a b c"},
		{"only quotes", "> a\n> b", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Snippet(tt.in)
			if got != tt.want {
				t.Errorf("Snippet(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > 161 {
				t.Errorf("Snippet(%q) has %d runes, want at most 161", tt.in, n)
			}
		})
	}
}

func TestSanitizeFilename(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "report.pdf", "report.pdf"},
		{"path traversal", "../../etc/passwd", "passwd"},
		{"windows path", `C:\Users\bob\evil.exe`, "evil.exe"},
		{"mixed separators", `a/b\c.txt`, "c.txt"},
		{"dot dot", "..", "attachment"},
		{"trailing separator", "dir/", "attachment"},
		{"empty", "", "attachment"},
		{"spaces only", "   ", "attachment"},
		{"forbidden characters", `a<b>c:d"e|f?g*h.txt`, "a_b_c_d_e_f_g_h.txt"},
		{"control characters", "a\x00b\nc\x7fd.txt", "abcd.txt"},
		{"bidi override", "invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"bidi isolates and marks", "a\u2066b\u2069\u200e\u200f\u061cc.txt", "abc.txt"},
		{"soft hyphen", "in\u00advoice.pdf", "invoice.pdf"},
		{"word joiner and zero width", "a\u2060b\u200bc\u200dd\ufeff.pdf", "abcd.pdf"},
		{"invisible operators", "a\u2061\u2062\u2063\u2064b.pdf", "ab.pdf"},
		{"tag characters", "photo\U000E0065\U000E0078\U000E0065.jpg\U000E007F", "photo.jpg"},
		{"language tag", "\U000E0001a.txt", "a.txt"},
		{"variation selectors", "a\ufe0f\ufe00b\U000E0100\U000E01EF.pdf", "ab.pdf"},
		{"extension pushed out of sight", "file.pdf" + strings.Repeat(" ", 60) + ".exe", "file.pdf .exe"},
		{"unicode spaces collapse", "file.pdf\u00a0\u2003\u3000\u205f.exe", "file.pdf .exe"},
		{"look-alike blanks collapse", "file.pdf\u3164\u3164\u2800\u115f.exe", "file.pdf .exe"},
		{"invisible between spaces", "a \u200b \u00ad b.txt", "a b.txt"},
		{"spaces around a dot are kept once", "report  final .pdf", "report final .pdf"},
		{"trailing dots and spaces", "name.txt. . ", "name.txt"},
		{"hidden file", ".bashrc", "bashrc"},
		{"reserved name", "CON", "_CON"},
		{"reserved name with extension", "nul.txt", "_nul.txt"},
		{"reserved name any case", "Com1.log", "_Com1.log"},
		{"reserved superscript", "LPT¹.txt", "_LPT¹.txt"},
		{"not reserved", "CONFIG.SYS", "CONFIG.SYS"},
		{"com10 is not reserved", "COM10", "COM10"},
		{"invalid UTF-8", "a\xffb.txt", "a_b.txt"},
		{"unicode kept", "Grüße 日本.pdf", "Grüße 日本.pdf"},
		{"long name keeps extension", strings.Repeat("a", 300) + ".pdf", strings.Repeat("a", 196) + ".pdf"},
		{"long name cut on a rune", strings.Repeat("ü", 150) + ".pdf", strings.Repeat("ü", 98) + ".pdf"},
		{"long extension is not kept", "a." + strings.Repeat("b", 300), "a." + strings.Repeat("b", 198)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeFilename(tt.in)
			if got != tt.want {
				t.Errorf("SanitizeFilename(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > maxFilenameBytes || got == "" || !utf8.ValidString(got) {
				t.Errorf("SanitizeFilename(%q) = %q: empty, invalid UTF-8 or over %d bytes", tt.in, got, maxFilenameBytes)
			}
			if again := SanitizeFilename(got); again != got {
				t.Errorf("SanitizeFilename(%q) = %q, want it unchanged (idempotent)", got, again)
			}
		})
	}
}

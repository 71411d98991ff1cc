package guitest

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
)

// Screenshot writes what c shows to name in the directory
// TRIBUTARY_DE_SCREENSHOTS names, when it names one.
func Screenshot(t *testing.T, c fyne.Canvas, name string) {
	dir := os.Getenv("TRIBUTARY_DE_SCREENSHOTS")
	if dir == "" {
		return
	}
	out, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, c.Capture()); err != nil {
		t.Fatal(err)
	}
}

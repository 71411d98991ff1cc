package gui

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// guiImports lists, for each package under ui/gui, the packages of the
// GUI it may import (its own tests may also import guitest). The window
// packages stand on shell and kit alone, never on ui/gui itself; one
// window uses another only through what that one exports, and only where
// listed here. docs/ARCHITECTURE.md draws the same table.
var guiImports = map[string][]string{
	"composer": {"ui/gui/kit", "ui/gui/richtext", "ui/gui/shell"},
	"contacts": {"ui/gui/composer", "ui/gui/kit", "ui/gui/shell"},
	"guitest":  {"ui/gui/shell"},
	"maillist": {"ui/gui/kit", "ui/gui/mailtext"},
	"mailtext": nil,
	"reader":   {"ui/gui/kit", "ui/gui/mailtext", "ui/gui/richtext", "ui/gui/shell"},
	"kit":      nil,
	"richtext": {"ui/gui/kit"},
	"tray":     {"ui/gui/shell"},
	"settings": {"ui/gui/kit", "ui/gui/shell", "ui/gui/wizard"},
	"shell":    {"ui/gui/kit"},
	"wizard":   {"ui/gui/kit", "ui/gui/shell"},
}

// TestGUIPackagesKeepTheirLayers reads each GUI package's imports and
// fails on one the table does not allow, and on a package the table does
// not know.
func TestGUIPackagesKeepTheirLayers(t *testing.T) {
	const module = "github.com/tributary-mail/tributary/"
	dirs, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == "testdata" {
			continue
		}
		allowed, known := guiImports[d.Name()]
		if !known {
			t.Errorf("ui/gui/%s is not in guiImports: add what it may import there and in docs/ARCHITECTURE.md", d.Name())
			continue
		}
		seen++
		files, err := filepath.Glob(filepath.Join(d.Name(), "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range files {
			f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			test := strings.HasSuffix(p, "_test.go")
			for _, im := range f.Imports {
				path := strings.Trim(im.Path.Value, `"`)
				rel, ours := strings.CutPrefix(path, module)
				if !ours || !strings.HasPrefix(rel, "ui/gui") {
					continue
				}
				if slices.Contains(allowed, rel) || test && rel == "ui/gui/guitest" {
					continue
				}
				t.Errorf("%s imports %s; ui/gui/%s may import only %v", p, rel, d.Name(), allowed)
			}
		}
	}
	if seen != len(guiImports) {
		t.Errorf("guiImports names %d packages, ui/gui has %d of them", len(guiImports), seen)
	}
}

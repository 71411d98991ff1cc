package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/language"
)

// A use is one lookup in the code: lang.L, N, X or XN with its key and
// the English text the code gives.
type use struct {
	key, english string
	plural       bool
	pos          string
}

// root is the module's top directory, two levels above this package.
const root = "../.."

// sources are the files whose strings people read: the GUI, the CLI and
// main. The man-page generator writes English for the build.
func sources(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"ui"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || d.Name() == "genman" || d.Name() == "guitest") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return append(out, filepath.Join(root, "main.go"))
}

func parse(t *testing.T) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, p := range sources(t) {
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = f
	}
	return fset, files
}

// langCall returns the lang function a call is to ("L", "N", "X",
// "XN"), or "".
func langCall(c *ast.CallExpr) string {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "lang" {
		return ""
	}
	switch sel.Sel.Name {
	case "L", "N", "X", "XN", "Localize", "LocalizePlural", "LocalizeKey", "LocalizePluralKey":
		return sel.Sel.Name
	}
	return ""
}

func literal(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func uses(t *testing.T) []use {
	t.Helper()
	fset, files := parse(t)
	var out []use
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn := langCall(c)
			if fn == "" {
				return true
			}
			pos := fset.Position(c.Pos()).String()
			switch fn {
			case "L", "N":
				k, ok := literal(c.Args[0])
				if !ok {
					t.Errorf("%s: lang.%s needs a string literal, so that the check can see it", pos, fn)
					return true
				}
				out = append(out, use{key: k, english: k, plural: fn == "N", pos: pos})
			case "X", "XN":
				k, ok1 := literal(c.Args[0])
				e, ok2 := literal(c.Args[1])
				if !ok1 || !ok2 {
					t.Errorf("%s: lang.%s needs string literals, so that the check can see them", pos, fn)
					return true
				}
				out = append(out, use{key: k, english: e, plural: fn == "XN", pos: pos})
			default:
				t.Errorf("%s: write lang.L, N, X or XN, not lang.%s", pos, fn)
			}
			return true
		})
	}
	return out
}

var (
	verb  = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?[\d*]*(\.[\d*]*)?[a-zA-Z%]`)
	field = regexp.MustCompile(`{{\s*\.(\w+)`)
)

// holes are the places a text takes values in: fmt verbs and template
// fields, sorted, so that a translation must keep every one of them.
func holes(s string) string {
	h := verb.FindAllString(s, -1)
	for _, m := range field.FindAllStringSubmatch(s, -1) {
		h = append(h, "{{."+m[1]+"}}")
	}
	sort.Strings(h)
	return strings.Join(h, " ")
}

// TestEveryStringTranslated is the check CI runs: every string the code
// looks up is in every shipped language, in the right form (plural
// forms for lang.N), with the same values filled in; English says what
// the code says; and no file keeps strings the code no longer uses.
func TestEveryStringTranslated(t *testing.T) {
	all := uses(t)
	if len(all) == 0 {
		t.Fatal("found no lang calls at all")
	}
	used := map[string]bool{}
	for _, u := range all {
		used[u.key] = true
	}
	for _, l := range Shipped {
		code := l.String()
		msgs, err := Messages(code)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range all {
			v, ok := msgs[u.key]
			if !ok {
				t.Errorf("%s: %q is missing from the %s translations", u.pos, u.key, code)
				continue
			}
			forms := map[string]string{}
			switch v := v.(type) {
			case string:
				if u.plural {
					t.Errorf("%s: %q is counted (lang.N): give its %s translation the forms one and other", u.pos, u.key, code)
					continue
				}
				forms["other"] = v
			case map[string]any:
				if !u.plural {
					t.Errorf("%s: %q is not counted, but its %s translation has plural forms", u.pos, u.key, code)
					continue
				}
				for _, need := range []string{"one", "other"} {
					s, ok := v[need].(string)
					if !ok {
						t.Errorf("%s: the %s translation of %q has no %q form", u.pos, code, u.key, need)
					}
					forms[need] = s
				}
			default:
				t.Errorf("%q in %s is neither a text nor plural forms", u.key, code)
				continue
			}
			if code == "en" && forms["other"] != u.english {
				t.Errorf("%s: the English file says %q for %q, the code %q", u.pos, forms["other"], u.key, u.english)
			}
			for form, s := range forms {
				if s == "" {
					t.Errorf("%s: the %s translation of %q is empty", u.pos, code, u.key)
				}
				if form == "other" && holes(s) != holes(u.english) {
					t.Errorf("%s: the %s translation of %q fills in %q, the English %q", u.pos, code, u.key, holes(s), holes(u.english))
				}
			}
		}
		for k := range msgs {
			if !used[k] {
				t.Errorf("the %s translations hold %q, which the code no longer uses", code, k)
			}
		}
	}
}

// TestFilesPaired checks that each area's files hold the same strings in
// every shipped language, so a translator works from one file.
func TestFilesPaired(t *testing.T) {
	en, err := fs.Glob(files, "translations/*.en.json")
	if err != nil || len(en) == 0 {
		t.Fatalf("no English files: %v", err)
	}
	for _, p := range en {
		area := strings.TrimSuffix(filepath.Base(p), ".en.json")
		for _, l := range Shipped[1:] {
			a, b := keys(t, p), keys(t, "translations/"+area+"."+l.String()+".json")
			if !slices.Equal(a, b) {
				t.Errorf("%s: the %s file holds other strings than the English one", area, l)
			}
		}
	}
	// One text may be in several areas' files (each part of the program
	// keeps its own), but then with one translation.
	for _, l := range Shipped {
		seen := map[string]string{} // a key → the file it was first seen in
		paths, _ := fs.Glob(files, "translations/*."+l.String()+".json")
		for _, p := range paths {
			m, err := readJSON(p)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range m {
				first, dup := seen[k]
				if !dup {
					seen[k] = p
					continue
				}
				f, _ := readJSON(first)
				if fmt.Sprint(f[k]) != fmt.Sprint(v) {
					t.Errorf("%q is translated as %v in %s and as %v in %s: give it one translation", k, f[k], first, v, p)
				}
			}
		}
	}
	// go-i18n reads a file with one of these keys (in any case) as a
	// single message, and every other string in it is lost.
	reserved := []string{"id", "description", "hash", "leftdelim", "rightdelim", "zero", "one", "two", "few", "many", "other"}
	for _, l := range Shipped {
		msgs, err := Messages(l.String())
		if err != nil {
			t.Fatal(err)
		}
		for k := range msgs {
			if slices.Contains(reserved, strings.ToLower(k)) {
				t.Errorf("%q is a word go-i18n keeps for itself: look it up as lang.X(\"some.key\", %q)", k, k)
			}
		}
	}
	all, _ := fs.Glob(files, "translations/*")
	for _, p := range all {
		parts := strings.Split(filepath.Base(p), ".")
		if len(parts) != 3 || parts[2] != "json" || !shipped(parts[1]) {
			t.Errorf("%s: name translation files AREA.LANG.json, for a shipped LANG", p)
		}
	}
}

func keys(t *testing.T, path string) []string {
	t.Helper()
	m, err := readJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func shipped(code string) bool {
	return slices.ContainsFunc(Shipped, func(l language.Tag) bool { return l.String() == code })
}

// shown are the functions whose string arguments people read: Fyne's
// widgets and dialogs, the GUI's own helpers, and what the CLI prints. A
// string literal with letters given to one of them, outside a lang call,
// is a string that escaped translation. A line may say why it is not
// translated with a comment "i18n:ignore".
var shown = map[string]bool{
	// Fyne
	"NewLabel": true, "NewLabelWithStyle": true, "NewButton": true, "NewButtonWithIcon": true,
	"NewCheck": true, "NewMenuItem": true, "NewMenu": true, "NewConfirm": true, "ShowConfirm": true,
	"NewInformation": true, "ShowInformation": true, "NewCustom": true, "NewCustomConfirm": true,
	"ShowCustom": true, "ShowCustomConfirm": true, "NewCustomWithoutButtons": true, "NewFormItem": true,
	"NewHyperlink": true, "SetPlaceHolder": true, "SetText": true, "SetTitle": true, "NewWindow": true,
	"NewTabItem": true, "NewTabItemWithIcon": true, "NewSelect": true, "NewRadioGroup": true,
	"NewRichTextWithText": true, "NewNotification": true, "SetConfirmText": true, "SetDismissText": true,
	"NewTextGridFromString": true, "Set": true, "NewForm": true,
	"SetToolTip": true,
	// the GUI's own
	"labelled": true, "startTransfer": true, "button": true, "askSavePath": true,
	"linkLabel": true, "setStatus": true, "setErr": true, "show": true,
	"setNote": true, "newField": true, "setProblem": true, "setWarning": true,
	// the same, shared by the windows (ui/gui/kit)
	"Heading": true, "Wrapped": true, "Bold": true, "Selectable": true, "NewToolButton": true, "Show": true,
	// what the CLI prints, and errors anywhere
	"Fprintf": true, "Fprintln": true, "Fprint": true, "Printf": true, "Println": true, "Print": true,
	"printLine": true, "Errorf": true,
}

// shownName returns the name of the function a call is to when it is
// one of shown, or errors.New.
func shownName(c *ast.CallExpr) string {
	switch fn := c.Fun.(type) {
	case *ast.Ident:
		if shown[fn.Name] {
			return fn.Name
		}
	case *ast.SelectorExpr:
		if id, ok := fn.X.(*ast.Ident); ok && id.Name == "errors" && fn.Sel.Name == "New" {
			return "errors.New"
		}
		if id, ok := fn.X.(*ast.Ident); ok && (id.Name == "slog" || id.Name == "log") {
			return "" // the log is for whoever reads it in English
		}
		if shown[fn.Sel.Name] {
			return fn.Sel.Name
		}
	}
	return ""
}

// words reports whether s, with its fmt verbs and template fields taken
// out, has a letter that is not part of an all-capitals word (protocol
// names such as IMAP or TLS, the same in every language).
func words(s string) bool {
	s = verb.ReplaceAllString(s, " ")
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if strings.ToUpper(w) != w {
			return true
		}
	}
	return false
}

// TestNoStringEscapesTranslation looks for string literals with words
// given straight to something that shows them.
func TestNoStringEscapesTranslation(t *testing.T) {
	fset, files := parse(t)
	for path, f := range files {
		ignored := map[int]bool{}
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if strings.Contains(c.Text, "i18n:ignore") {
					ignored[fset.Position(c.Pos()).Line] = true
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || shownName(c) == "" {
				return true
			}
			for _, arg := range c.Args {
				ast.Inspect(arg, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.CallExpr:
						if langCall(n) != "" || shownName(n) != "" {
							return false // a lookup, or a call checked on its own
						}
						if id, ok := n.Fun.(*ast.SelectorExpr); ok && (id.Sel.Name == "Join" || id.Sel.Name == "Quote") {
							return true
						}
					case *ast.FuncLit:
						return false // its own calls are checked on their own
					case *ast.BasicLit:
						s, ok := literal(n)
						line := fset.Position(n.Pos()).Line
						if ok && words(s) && !ignored[line] {
							t.Errorf("%s:%d: %q is shown by %s without lang", path, line, s, shownName(c))
						}
					}
					return true
				})
			}
			return true
		})
	}
}

// TestFyneOnlyIsFynes checks fyneOnly against the translations of the
// Fyne module this build uses.
func TestFyneOnlyIsFynes(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "fyne.io/fyne/v2").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "lang", "translations")
	names, err := filepath.Glob(filepath.Join(dir, "base.*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no Fyne translations in %s: %v", dir, err)
	}
	var fynes []string
	for _, n := range names {
		code := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(n), "base."), ".json")
		if !shipped(code) {
			fynes = append(fynes, code)
		}
	}
	sort.Strings(fynes)
	want := slices.Clone(fyneOnly)
	sort.Strings(want)
	if !slices.Equal(fynes, want) {
		t.Errorf("Fyne translates into %v beyond the shipped languages; fyneOnly says %v", fynes, want)
	}
}

package wizard

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/i18n/i18ntest"
)

// In German the wizard speaks German, the Select choices still mean what
// they say, and the certificate's date is written the German way.
func TestWizardInGerman(t *testing.T) {
	i18ntest.Use(t, "de")
	f := newWizardFixture(t)

	w := f.newAccountWizard()
	guitest.OnUI(func() {
		if got := w.win.Title(); got != "E-Mail-Konto hinzufügen" {
			t.Errorf("wizard title = %q", got)
		}
		text := strings.Join(guitest.VisibleText(w.win.Content()), "\n")
		for _, want := range []string{"E-Mail-Adresse", "Passwort", "Ihr Name", "Weiter", "Abbrechen"} {
			if !strings.Contains(text, want) {
				t.Errorf("step 1 does not show %q:\n%s", want, text)
			}
		}
	})
	w.start(t, "ann@example.test", "", "Ann")
	guitest.OnUI(func() {
		// The choice shown is German; the form still reads it as None.
		if got := w.smtpEncryption.Options[0]; got != "Keine" {
			t.Errorf("first encryption choice = %q, want Keine", got)
		}
		w.smtpAuth.SetChecked(true)
		w.smtpEncryption.SetSelected("Keine")
		if got := encryptionOf(w.smtpEncryption.Selected); got != core.EncryptionNone {
			t.Errorf("Keine reads as %q, want %q", got, core.EncryptionNone)
		}
		if got := w.fields["smtp.encryption"].warning.Text; !strings.HasPrefix(got, "Ohne Verschlüsselung") {
			t.Errorf("warning under Keine = %q", got)
		}
		w.store.SetSelected("Passwortdatei (nur für Sie lesbar)")
		if got := storeOf(w.store.Selected); got != core.PasswordStoreFile {
			t.Errorf("the password file choice reads as %q", got)
		}
		if b := guitest.FindButton(w.win.Content(), "Verbindung testen"); b == nil {
			t.Errorf("step 2 has no Verbindung testen:\n%s", strings.Join(guitest.VisibleText(w.win.Content()), "\n"))
		}
		// To look at it: TRIBUTARY_DE_SCREENSHOTS=/tmp go test -run TestWizardInGerman ./ui/gui/wizard
		guitest.Screenshot(t, w.win.Canvas(), "wizard-de.png")

		// The certificate dialog's date, and its expiry.
		at := time.Date(2025, time.December, 1, 18, 5, 0, 0, time.Local)
		w.askTrust(&core.CertificateError{Server: "mail.example.test:993", Subject: "CN=mail.example.test", Issuer: "CN=Example CA",
			NotAfter: at, Fingerprint: strings.Repeat("ab", 32)})
		guitest.Screenshot(t, w.win.Canvas(), "certificate-de.png")
		text := guitest.DialogText(w.win)
		for _, want := range []string{"Nicht vertrauenswürdiges Zertifikat", "Läuft ab", "Mo., 1. Dez. 2025, 18:05 (abgelaufen)", "Diesem Zertifikat vertrauen", "Inhaber"} {
			if !strings.Contains(text, want) {
				t.Errorf("certificate dialog does not show %q:\n%s", want, text)
			}
		}
		w.win.Close()
	})
}

// Every note core/autoconfig writes (its built-in providers' and the one
// for guessed settings) has its translation in providerNote: a note
// changed or added there without one would show in English.
func TestProviderNotesTranslated(t *testing.T) {
	notes := autoconfigNotes(t)
	if len(notes) < 5 {
		t.Fatalf("found %d notes in core/autoconfig, want the built-in providers'", len(notes))
	}
	i18ntest.Use(t, "de")
	for _, n := range notes {
		if got := providerNote(n); got == n {
			t.Errorf("no German for the note %q", n)
		}
	}
}

// autoconfigNotes reads the note texts written in core/autoconfig's
// source: the values of fields named note or Note.
func autoconfigNotes(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "..", "core", "autoconfig", "*.go"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no core/autoconfig sources: %v", err)
	}
	var out []string
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			if k, ok := kv.Key.(*ast.Ident); ok && (k.Name == "note" || k.Name == "Note") {
				if s, ok := joinedLiteral(kv.Value); ok {
					out = append(out, s)
				}
			}
			return true
		})
	}
	return out
}

// joinedLiteral is the text of a string literal, or of literals joined
// with +.
func joinedLiteral(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := joinedLiteral(e.X)
		b, ok2 := joinedLiteral(e.Y)
		return a + b, ok1 && ok2
	}
	return "", false
}

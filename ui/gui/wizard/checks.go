package wizard

import (
	"net"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// validate checks the whole form, shows every problem under its field,
// and allows Test and Save only when there is none.
func (w *wizard) validate() bool {
	_, _, problems := w.collect()
	w.showProblems(problems)
	w.updateWarnings()
	w.valid = len(problems) == 0
	w.updateButtons()
	return w.valid
}

func (w *wizard) updateButtons() {
	setEnabled(w.save, w.valid && !w.busy)
	setEnabled(w.test, w.valid && !w.busy)
	setEnabled(w.addSourceButton, !w.busy)
	if !w.busy {
		if w.valid {
			if w.status.Text == invalidHint() {
				w.status.SetText("")
			}
		} else {
			w.status.SetText(invalidHint())
		}
	}
}

func invalidHint() string {
	return lang.L("Correct the settings marked in red to test the connection or save.")
}

// setBusy marks a test or save under way, with what it is doing.
func (w *wizard) setBusy(busy bool, status string) {
	w.busy = busy
	if busy {
		w.spinner.Show()
		w.spinner.Start()
	} else {
		w.spinner.Stop()
		w.spinner.Hide()
	}
	w.status.SetText(status)
	w.updateButtons()
	w.relayout()
}

// confirmCleartext asks before a password is sent without encryption,
// then runs next; it runs next at once when no password would be, or when
// the user already agreed for exactly these servers.
func (w *wizard) confirmCleartext(a core.Account, next func()) {
	servers := cleartextServers(a)
	if len(servers) == 0 || w.cleartextConfirmed == strings.Join(servers, "\n") {
		next()
		return
	}
	msg := kit.Wrapped(lang.L("Encryption is set to None for {{.Servers}}, with a login. The password would travel in clear: anyone on the network between you and the server could read it. Choose SSL/TLS or STARTTLS unless the server is on this computer or a network you trust.",
		map[string]any{"Servers": strings.Join(servers, lang.L(" and "))}))
	kit.ShowConfirm(lang.L("Send the password in clear?"), lang.L("Send in clear"), lang.L("Cancel"), msg, func(ok bool) {
		if ok {
			w.cleartextConfirmed = strings.Join(servers, "\n")
			next()
		}
	}, w.win, fyne.NewSize(480, 260))
}

// onTest runs "Test connection" on the form as it is.
func (w *wizard) onTest() {
	if w.busy || !w.validate() {
		return
	}
	a, pw, _ := w.collect()
	w.confirmCleartext(a, func() { w.runTest(a, pw) })
}

func (w *wizard) runTest(a core.Account, pw core.Passwords) {
	w.results.RemoveAll()
	w.setBusy(true, lang.L("Testing the connection to each server…"))
	ctx := w.ctx
	w.run("test connection", func() {
		results := w.sh.Engine.CheckAccount(ctx, a, &pw)
		w.sh.Do(func() {
			if w.closed {
				return
			}
			w.setBusy(false, "")
			w.showResults(a, results)
			for _, r := range results {
				if c := r.Certificate(); c != nil {
					w.askTrust(c)
					return
				}
			}
		})
	})
}

// showResults writes one line per server.
func (w *wizard) showResults(a core.Account, results []engine.CheckResult) {
	w.results.RemoveAll()
	failed := 0
	first := 0 // an OAuth2 account's token result comes before SMTP's
	if len(results) > 0 && results[0].Role == "OAuth2" {
		first = 1
	}
	for i, r := range results {
		l := kit.Wrapped(resultLine(a, i-first, r))
		l.Importance = widget.SuccessImportance
		if r.Err != nil {
			l.Importance = widget.DangerImportance
			failed++
		}
		w.results.Add(l)
	}
	if failed == 0 {
		w.status.SetText(lang.L("Every server answered and accepted the login."))
	} else {
		w.status.SetText(lang.N("{{.Failed}} of {{.Count}} servers failed the test.", len(results),
			map[string]any{"Failed": i18n.Number(failed), "Count": i18n.Number(len(results))}))
	}
	w.relayout()
}

// resultLine words one server's result: "SMTP mail.example.com:587 —
// connected, TLS OK, login OK", or the failure as the engine words it.
// Result 0 is SMTP, result i the source i-1, as CheckAccount orders them.
func resultLine(a core.Account, i int, r engine.CheckResult) string {
	head := strings.TrimSpace(r.Role + " " + r.Server)
	if r.Err != nil {
		// The engine's errors name the server first; the line already does.
		return head + " — " + strings.TrimPrefix(r.Err.Error(), r.Server+": ")
	}
	if i < 0 {
		return head + " — " + lang.L("token OK")
	}
	enc, login := core.EncryptionSSL, true
	if i == 0 {
		enc, login = a.SMTP.Encryption, a.SMTP.Auth
	} else if i-1 < len(a.Sources) {
		enc = a.Sources[i-1].Encryption
	}
	parts := []string{lang.L("connected"), lang.L("TLS OK"), lang.L("login OK")}
	if a.UsesOAuth() {
		parts[2] = lang.L("token OK, login OK")
	}
	if enc == core.EncryptionNone {
		parts[1] = lang.L("no encryption")
	}
	if !login {
		parts[2] = lang.L("no login (authentication is off)")
	}
	return head + " — " + strings.Join(parts, ", ")
}

// fingerprintLines writes a fingerprint as pairs in lines of eight, so that
// it breaks between pairs, never inside one, and can be read out pair by
// pair against the provider's.
func fingerprintLines(fp string) string {
	pairs := strings.Split(core.FormatFingerprint(fp), ":")
	var lines []string
	for len(pairs) > 8 {
		lines, pairs = append(lines, strings.Join(pairs[:8], ":")+":"), pairs[8:]
	}
	return strings.Join(append(lines, strings.Join(pairs, ":")), "\n")
}

// serverHost is the host of a host:port.
func serverHost(server string) string {
	if h, _, err := net.SplitHostPort(server); err == nil {
		return h
	}
	return server
}

// askTrust shows an untrusted certificate; trusting pins it for that
// server, as the CLI's "account trust" does, and tests again.
func (w *wizard) askTrust(c *core.CertificateError) {
	expires := i18n.DateTime(c.NotAfter.Local())
	if !c.NotAfter.IsZero() && c.NotAfter.Before(time.Now()) {
		expires = lang.L("{{.Date}} (expired)", map[string]any{"Date": expires})
	}
	fingerprint := widget.NewLabelWithStyle(fingerprintLines(c.Fingerprint), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	fingerprint.Selectable = true
	why := lang.L("it is not trusted")
	if c.Err != nil {
		why = c.Err.Error()
	}
	content := container.NewVBox(
		kit.Wrapped(lang.L("The server {{.Server}} presented a certificate that Tributary cannot verify: {{.Reason}}.", map[string]any{"Server": c.Server, "Reason": why})),
		container.New(layout.NewFormLayout(),
			widget.NewLabel(lang.X("certificate.subject", "Subject")), kit.Wrapped(c.Subject),
			widget.NewLabel(lang.L("Issuer")), kit.Wrapped(c.Issuer),
			widget.NewLabel(lang.L("Expires")), widget.NewLabel(expires),
			widget.NewLabel(lang.L("SHA-256 fingerprint")), fingerprint),
		kit.Wrapped(lang.L("Trust it only if this fingerprint matches the one your provider or administrator gave you. Tributary will then accept this certificate, and only this one, from {{.Host}}, on this port and its others.", map[string]any{"Host": serverHost(c.Server)})),
	)
	kit.ShowConfirm(lang.L("Untrusted certificate"), lang.L("Trust this certificate"), lang.L("Cancel"), content, func(ok bool) {
		if ok {
			w.trust(c)
		}
	}, w.win, fyne.NewSize(600, 420))
}

func (w *wizard) trust(c *core.CertificateError) {
	w.setBusy(true, lang.L("Trusting the certificate of {{.Server}}…", map[string]any{"Server": c.Server}))
	w.run("pin certificate", func() {
		err := w.sh.Engine.PinCertificate(w.sh.Ctx, c)
		w.sh.Do(func() {
			if w.closed {
				return
			}
			w.setBusy(false, "")
			if err != nil {
				w.status.SetText(lang.L("The certificate could not be trusted: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			w.sh.Log.Info("certificate trusted", "server", c.Server, "fingerprint", c.Fingerprint)
			if w.validate() {
				a, pw, _ := w.collect()
				w.runTest(a, pw)
			}
		})
	})
}

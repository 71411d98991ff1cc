package settings

import (
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core/applog"
	"github.com/tributary-mail/tributary/core/autostart"
	"github.com/tributary-mail/tributary/core/diag"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

// problemsInDiagnostics is how many of the last logged warnings and
// errors "Copy diagnostics" takes.
const problemsInDiagnostics = 20

// startAtLogin is the Preferences choice behind autostart: read from the
// system when Settings opens, since the entry lives outside the app.
func (s *settingsWindow) startAtLogin() *widget.Check {
	check := widget.NewCheck(lang.L("Start Tributary when I log in, in the tray"), nil)
	on, err := autostart.Enabled()
	if err != nil {
		check.Disable()
		check.Text = lang.L("Start Tributary when I log in (cannot tell: {{.Error}})", map[string]any{"Error": err})
		return check
	}
	check.Checked = on
	check.OnChanged = func(on bool) {
		var err error
		if on {
			var exe string
			exe, err = os.Executable()
			if err == nil {
				err = autostart.Enable(exe)
			}
		} else {
			err = autostart.Disable()
		}
		if err != nil {
			s.setStatus(lang.L("Cannot change starting at login: {{.Error}}", map[string]any{"Error": err}))
		}
	}
	return check
}

// about says which Tributary this is and where it keeps the mail and its
// log, selectable, to back up or to attach to a report, and copies the
// diagnostics a bug report needs.
func (s *settingsWindow) about() fyne.CanvasObject {
	version := s.owner.Version
	if version == "" {
		version = lang.L("(development build)")
	}
	logFile := s.owner.LogFile
	if logFile == "" {
		logFile = lang.L("(none: the log goes to the terminal)")
	}
	copyDiag := widget.NewButton(lang.L("Copy diagnostics"), s.copyDiagnostics)
	return container.NewVBox(
		container.New(layout.NewFormLayout(),
			kit.Bold(lang.L("Version")), widget.NewLabel("Tributary "+version), // i18n:ignore (the program's name)
			kit.Bold(lang.L("Data directory")), kit.Selectable(s.sh.DB.Dir()),
			kit.Bold(lang.L("Log file")), kit.Selectable(logFile)),
		container.NewHBox(copyDiag),
		kit.Wrapped(lang.L("Diagnostics name your servers and ports and the last problems logged, never a password; addresses are shortened.")))
}

// copyDiagnostics puts the diagnostics report on the clipboard.
func (s *settingsWindow) copyDiagnostics() {
	s.run("copy diagnostics", func() {
		accounts, err := s.sh.DB.Accounts(s.sh.Ctx)
		if err != nil {
			s.sh.Do(func() { s.setStatus(lang.L("Cannot read the accounts: {{.Error}}", map[string]any{"Error": err})) })
			return
		}
		var problems []string
		if s.owner.LogFile != "" {
			if problems, err = applog.Problems(s.owner.LogFile, problemsInDiagnostics); err != nil {
				problems = []string{"cannot read the log: " + err.Error()} // the report is English, for whoever reads the bug
			}
		}
		report := diag.Report(diag.Info{Version: s.owner.Version, DataDir: s.sh.DB.Dir(), LogFile: s.owner.LogFile, Accounts: accounts, Problems: problems})
		s.sh.Do(func() {
			s.sh.Fyne.Clipboard().SetContent(report)
			s.setStatus(lang.L("Diagnostics copied: paste them into your report."))
		})
	})
}

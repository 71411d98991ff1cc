package shell

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

// AskSavePath asks where to save, offering name in the folder last saved
// to, and has write fill the file in the background. The path is an
// entry, kept as typed: an absolute path is used as it is (the Fyne file
// dialog would put it under its own folder), a relative one is taken
// from the folder offered, and ~ is the home folder. Browse… picks the
// folder. Replacing a file asks first.
func (a *Shell) AskSavePath(title, name string, win fyne.Window, write func(io.WriteCloser) error) {
	path := widget.NewEntry()
	path.SetText(filepath.Join(a.SaveDir(), name))
	browse := widget.NewButtonWithIcon(lang.L("Browse…"), theme.FolderOpenIcon(), func() {
		dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
			if err == nil && dir != nil {
				path.SetText(filepath.Join(dir.Path(), filepath.Base(path.Text)))
			}
		}, win)
	})
	form := container.NewBorder(nil, nil, nil, browse, path)
	kit.ShowConfirm(title, lang.L("Save"), lang.L("Cancel"), form, func(ok bool) {
		if !ok {
			return
		}
		target, err := a.savePath(path.Text)
		if err != nil {
			dialog.ShowError(err, win)
			return
		}
		save := func() {
			a.Fyne.Preferences().SetString(PrefSaveDir, filepath.Dir(target))
			a.Background("save file", func() {
				err := saveAs(target, write)
				a.Do(func() {
					if err != nil {
						dialog.ShowError(err, win)
					}
				})
			})
		}
		if _, err := os.Stat(target); err == nil {
			dialog.ShowConfirm(lang.L("Replace the file?"), lang.L("{{.Path}} exists already. Replace it?", map[string]any{"Path": target}), func(ok bool) {
				if ok {
					save()
				}
			}, win)
			return
		}
		save()
	}, win, fyne.NewSize(560, 0))
}

// SaveDir is the folder attachments are offered to be saved in: the last
// one used, else Downloads, else the home folder.
func (a *Shell) SaveDir() string {
	if dir := a.Fyne.Preferences().String(PrefSaveDir); dir != "" {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "."
	}
	if info, err := os.Stat(filepath.Join(home, "Downloads")); err == nil && info.IsDir() {
		return filepath.Join(home, "Downloads")
	}
	return home
}

// savePath reads the path typed in the save dialog.
func (a *Shell) savePath(typed string) (string, error) {
	p := strings.TrimSpace(typed)
	if p == "" {
		return "", errors.New(lang.L("type where to save the file"))
	}
	p = kit.ExpandHome(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(a.SaveDir(), p)
	}
	p = filepath.Clean(p)
	if info, err := os.Stat(filepath.Dir(p)); err != nil || !info.IsDir() {
		return "", errors.New(lang.L("the folder {{.Path}} does not exist", map[string]any{"Path": filepath.Dir(p)}))
	}
	if info, err := os.Stat(p); err == nil && info.IsDir() {
		return "", errors.New(lang.L("{{.Path}} is a folder; add a file name", map[string]any{"Path": p}))
	}
	return p, nil
}

// saveAs has write fill a temporary file beside target and renames it
// into place, so that a failure never leaves half a file or spoils the
// file it was to replace.
func saveAs(target string, write func(io.WriteCloser) error) error {
	name := filepath.Base(target)
	tmp, err := os.CreateTemp(filepath.Dir(target), ".tributary-save-*")
	if err != nil {
		return fmt.Errorf("%s: %w", lang.L("cannot save {{.Name}}", map[string]any{"Name": name}), err)
	}
	if err := write(tmp); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("%s: %w", lang.L("cannot save {{.Name}}", map[string]any{"Name": name}), err)
	}
	return nil
}

// PrefSaveDir is the folder a file was last saved in.
const PrefSaveDir = "saveDir"

package control

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailbox"
)

// ExportStore is what Export reads. It only reads, so an export runs
// beside a running engine, from the CLI or the app.
type ExportStore interface {
	Folders(ctx context.Context) ([]core.Folder, error)
	// FolderMessages lists a folder's messages oldest first, as mbox
	// files and other clients keep them.
	FolderMessages(ctx context.Context, folderID int64) ([]core.MessageSummary, error)
	Message(ctx context.Context, id int64) (core.MessageSummary, string, error)
	OpenBlob(hash string) (*os.File, error)
}

// Export formats.
const (
	FormatMbox    = "mbox"
	FormatMaildir = "maildir"
)

// ExportRequest writes stored mail out byte for byte as it was received.
// With one folder in Folders, Dest is that folder's mbox file or Maildir;
// with several, Dest is a directory holding, for each account, a
// Maildir++ tree or an mbox file per folder.
type ExportRequest struct {
	Folders []core.Folder
	Format  string // FormatMbox or FormatMaildir
	Dest    string
	// Progress, when set, hears the count of messages written so far,
	// after each one.
	Progress func(written int)
}

// ExportReport says what an export wrote.
type ExportReport struct {
	Messages int
	Folders  int
}

// Export writes req's folders. It refuses to write over anything: Dest
// must be new, or an empty directory. One message that cannot be read
// stops nothing; the errors come back joined with the report.
func Export(ctx context.Context, store ExportStore, req ExportRequest) (ExportReport, error) {
	if req.Format != FormatMbox && req.Format != FormatMaildir {
		return ExportReport{}, fmt.Errorf("export format %q: mbox or maildir", req.Format)
	}
	if len(req.Folders) == 0 {
		return ExportReport{}, errors.New("no folders to export: add an account first")
	}
	if err := checkDest(req.Dest); err != nil {
		return ExportReport{}, err
	}
	ex := &exporter{store: store, progress: req.Progress}
	if len(req.Folders) == 1 {
		err := ex.folder(ctx, req.Folders[0], req.Format, req.Dest)
		return ExportReport{Messages: ex.n, Folders: 1}, errors.Join(append([]error{err}, ex.errs...)...)
	}
	var errs []error
	for _, f := range req.Folders {
		base := filepath.Join(req.Dest, FileName(f.Account))
		var dest string
		if req.Format == FormatMbox {
			dest = filepath.Join(base, FileName(f.Name)+".mbox")
		} else {
			name := f.Name
			if f.Role == core.RoleInbox {
				name = "" // the Maildir++ root is the inbox
			}
			dest = mailbox.MaildirFolderDir(base, name)
		}
		if err := ex.folder(ctx, f, req.Format, dest); err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", f.Account, f.Name, err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	return ExportReport{Messages: ex.n, Folders: len(req.Folders)}, errors.Join(append(errs, ex.errs...)...)
}

// WriteMessage copies one message's bytes, as received, to w: the
// .eml of `tributary export --format eml` and of the app's Save as.
func WriteMessage(ctx context.Context, store ExportStore, id int64, w io.Writer) error {
	_, blob, err := store.Message(ctx, id)
	if err != nil {
		return err
	}
	raw, err := store.OpenBlob(blob)
	if err != nil {
		return err
	}
	defer raw.Close()
	_, err = io.Copy(w, raw)
	return err
}

// checkDest refuses to write over anything: dest must be new, or an
// empty directory.
func checkDest(dest string) error {
	fi, err := os.Stat(dest)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		if entries, err := os.ReadDir(dest); err == nil && len(entries) == 0 {
			return nil
		}
	}
	return fmt.Errorf("%s exists: export writes to a new file or directory (or an empty directory) only", dest)
}

// FileName makes an account's or folder's name usable as one path
// element on every system.
func FileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
	if s == "" || s[0] == '.' {
		s = "_" + s
	}
	return s
}

// exporter copies stored messages out, counting them.
type exporter struct {
	store    ExportStore
	progress func(int)
	n        int
	errs     []error // per message, so that one missing file stops nothing
}

func (ex *exporter) folder(ctx context.Context, f core.Folder, format, dest string) error {
	if format == FormatMbox {
		return ex.mbox(ctx, f, dest)
	}
	return ex.maildir(ctx, f, dest)
}

// each calls fn with every message's raw bytes in turn.
func (ex *exporter) each(ctx context.Context, f core.Folder, fn func(core.MessageSummary, io.Reader) error) error {
	list, err := ex.store.FolderMessages(ctx, f.ID)
	if err != nil {
		return err
	}
	for _, m := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, blob, err := ex.store.Message(ctx, m.ID)
		var raw *os.File
		if err == nil {
			raw, err = ex.store.OpenBlob(blob)
		}
		if err != nil {
			ex.errs = append(ex.errs, fmt.Errorf("message %d: %w", m.ID, err))
			continue
		}
		err = fn(m, raw)
		raw.Close()
		if err != nil {
			return fmt.Errorf("message %d: %w", m.ID, err)
		}
		ex.n++
		if ex.progress != nil {
			ex.progress(ex.n)
		}
	}
	return nil
}

func (ex *exporter) mbox(ctx context.Context, f core.Folder, path string) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	w := mailbox.NewMboxWriter(out)
	err = ex.each(ctx, f, func(m core.MessageSummary, raw io.Reader) error {
		return w.Write(mailbox.Envelope{Sender: m.FromAddr, Date: m.Date}, raw)
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err == nil {
		err = out.Sync()
	}
	return err
}

func (ex *exporter) maildir(ctx context.Context, f core.Folder, dir string) error {
	md, err := mailbox.CreateMaildir(dir)
	if err != nil {
		return err
	}
	return ex.each(ctx, f, func(m core.MessageSummary, raw io.Reader) error {
		_, err := md.Add(raw, m.Flags, m.Date)
		return err
	})
}

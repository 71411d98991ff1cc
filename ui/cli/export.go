package cli

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
	"github.com/tributary-mail/tributary/storage"
)

// runExport writes stored mail out in the formats other clients read,
// byte for byte as it was received: one folder (--folder) as an mbox
// file or a Maildir at DEST; an account (--account) or everything as a
// directory DEST holding a Maildir++ tree or an mbox file per folder for
// each account; one message as an .eml file. It only reads, so it works
// while the app runs.
func runExport(ctx context.Context, c *call) error {
	account := c.fs.String("account", "", "account name (default: every account)")
	folder := c.fs.String("folder", "", "one folder (default: every folder)")
	format := c.fs.String("format", "", "mbox, maildir or eml")
	if err := c.parse(); err != nil {
		return errUsage
	}
	switch {
	case *format == "eml" && len(c.args) == 2 && *account == "" && *folder == "":
		return c.exportEML(ctx, c.args[0], c.args[1])
	case (*format == "mbox" || *format == "maildir") && len(c.args) == 1:
	default:
		return errUsage
	}
	dest := c.args[0]
	if err := c.open(ctx, false); err != nil {
		return err
	}
	folders, err := c.exportFolders(ctx, *account, *folder)
	if err != nil {
		return err
	}
	if err := checkDest(dest); err != nil {
		return err
	}
	ex := &exporter{c: c}
	if *folder != "" { // one folder: DEST is the mbox file or the Maildir
		f := folders[0]
		if *format == "mbox" {
			err = ex.mbox(ctx, f, dest)
		} else {
			err = ex.maildir(ctx, f, dest)
		}
		printLine(c.env.Stdout, "exported %s from %s/%s to %s", plural(ex.n, "message"), f.Account, f.Name, dest)
		return errors.Join(append([]error{err}, ex.errs...)...)
	}
	var errs []error
	for _, f := range folders {
		var err error
		base := filepath.Join(dest, fileName(f.Account))
		if *format == "mbox" {
			err = ex.mbox(ctx, f, filepath.Join(base, fileName(f.Name)+".mbox"))
		} else {
			name := f.Name
			if f.Role == core.RoleInbox {
				name = "" // the Maildir++ root is the inbox
			}
			err = ex.maildir(ctx, f, mailbox.MaildirFolderDir(base, name))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", f.Account, f.Name, err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	printLine(c.env.Stdout, "exported %s from %s to %s", plural(ex.n, "message"), plural(len(folders), "folder"), dest)
	return errors.Join(append(errs, ex.errs...)...)
}

// exportFolders picks the folders to export.
func (c *call) exportFolders(ctx context.Context, account, folder string) ([]core.Folder, error) {
	var accountID int64
	if account != "" {
		a, err := c.db.AccountByName(ctx, account)
		if err != nil {
			return nil, err
		}
		accountID = a.ID
	}
	var folderID int64
	if folder != "" {
		id, err := c.findFolder(ctx, accountID, folder)
		if err != nil {
			return nil, err
		}
		folderID = id
	}
	all, err := c.db.Folders(ctx)
	if err != nil {
		return nil, err
	}
	var out []core.Folder
	for _, f := range all {
		if (accountID == 0 || f.AccountID == accountID) && (folderID == 0 || f.ID == folderID) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no folders to export: add an account first")
	}
	return out, nil
}

// checkDest refuses to write over anything: DEST must be new, or an
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

// fileName makes an account's or folder's name usable as one path
// element on every system.
func fileName(s string) string {
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
	c    *call
	n    int
	errs []error // per message, so that one missing file stops nothing
}

// messages lists a folder's messages, oldest first as mbox files and
// other clients keep them.
func (ex *exporter) messages(ctx context.Context, f core.Folder) ([]core.MessageSummary, error) {
	const page = 500
	var all []core.MessageSummary
	for {
		list, err := ex.c.db.List(ctx, storage.ListQuery{FolderID: f.ID, Limit: page, Offset: len(all)})
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
		if len(list) < page {
			break
		}
	}
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	return all, nil
}

// each calls fn with every message's raw bytes in turn.
func (ex *exporter) each(ctx context.Context, f core.Folder, fn func(core.MessageSummary, io.Reader) error) error {
	list, err := ex.messages(ctx, f)
	if err != nil {
		return err
	}
	for _, m := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, blob, err := ex.c.db.Message(ctx, m.ID)
		var raw *os.File
		if err == nil {
			raw, err = ex.c.db.OpenBlob(blob)
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

// exportEML writes one message's bytes to a new file.
func (c *call) exportEML(ctx context.Context, idArg, dest string) (err error) {
	id, err := parseMessageID(idArg)
	if err != nil {
		return err
	}
	if err := c.open(ctx, false); err != nil {
		return err
	}
	_, blob, err := c.db.Message(ctx, id)
	if err != nil {
		return err
	}
	raw, err := c.db.OpenBlob(blob)
	if err != nil {
		return err
	}
	defer raw.Close()
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: choose a new file name", dest)
	}
	if err != nil {
		return err
	}
	_, err = io.Copy(out, raw)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dest)
		return fmt.Errorf("write %s: %w", dest, err)
	}
	printLine(c.env.Stdout, "exported message %d to %s", id, dest)
	return nil
}

package control

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/mailbox"
)

// ImportRequest brings mail from other clients into an account: .eml and
// mbox files into Folder, and Maildir trees with their root into Folder
// and each Maildir++ subfolder (.Sent) into the folder of its name. Paths
// are absolute, as the running engine may have another working directory.
type ImportRequest struct {
	Account string             `json:"account"`
	Folder  string             `json:"folder"`
	Paths   []string           `json:"paths"`
	Mbox    mailbox.MboxFormat `json:"mbox"`
	// Progress, when set, hears how many messages have been read so far,
	// after each one; the app shows it. It stays in the process.
	Progress func(seen int) `json:"-"`
}

// ImportReport says what an import did.
type ImportReport struct {
	Seen     int      `json:"seen"`
	Imported int      `json:"imported"` // new in their folders
	Into     []string `json:"into"`     // the folders something went into
}

// Import implements Ops. One bad message or file stops nothing: the
// errors come back joined, with the report of what went in.
func (l *Local) Import(ctx context.Context, req ImportRequest) (ImportReport, error) {
	if err := core.CheckFolderName(req.Folder); err != nil {
		return ImportReport{}, fmt.Errorf("folder: %w", err)
	}
	a, err := l.Store.AccountByName(ctx, req.Account)
	if err != nil {
		return ImportReport{}, err
	}
	imp := &importer{e: l.Engine, account: a, folder: req.Folder, mbox: req.Mbox, progress: req.Progress, folderIDs: map[string]int64{}, into: map[string]bool{}}
	if _, err := imp.folderID(ctx, req.Folder); err != nil {
		return ImportReport{}, err
	}
	var errs []error
	for _, path := range req.Paths {
		if !filepath.IsAbs(path) {
			errs = append(errs, fmt.Errorf("%s: not an absolute path", path))
			continue
		}
		if err := imp.path(ctx, path); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	// What was read before a Cancel is stored, as the count said.
	imp.flush(context.WithoutCancel(ctx))
	errs = append(errs, imp.errs...)
	rep := ImportReport{Seen: imp.seen, Imported: imp.imported}
	for f := range imp.into {
		rep.Into = append(rep.Into, f)
	}
	sort.Strings(rep.Into)
	return rep, errors.Join(errs...)
}

// importer delivers messages into one account, counting them.
type importer struct {
	e         *engine.Engine
	account   core.Account
	folder    string // for .eml, mbox and a Maildir's root
	mbox      mailbox.MboxFormat
	progress  func(int)
	folderIDs map[string]int64
	into      map[string]bool // the folders something went into
	seen      int
	imported  int
	errs      []error // per message, so that one bad message stops nothing
	// pending are staged messages waiting to be stored, importBatch at a
	// time, with the folder each goes into; first and last say which
	// messages they are, for errors.
	pending     []core.Pending
	folders     []string
	first, last string
}

// importBatch is how many messages go into one transaction, as a sync
// stores them.
const importBatch = 250

func (imp *importer) folderID(ctx context.Context, name string) (int64, error) {
	if id, ok := imp.folderIDs[name]; ok {
		return id, nil
	}
	id, err := imp.e.EnsureFolder(ctx, imp.account.ID, name)
	if err != nil {
		return 0, fmt.Errorf("folder %s: %w", name, err)
	}
	imp.folderIDs[name] = id
	return id, nil
}

// deliver stores one message; where says which, for errors.
func (imp *importer) deliver(ctx context.Context, folder string, raw io.Reader, flags core.Flags, date time.Time, where string) error {
	imp.seen++
	if imp.progress != nil {
		defer imp.progress(imp.seen)
	}
	// A message the other client only marked for deletion comes in
	// visible: an import that hid some of what it counted would look
	// like mail lost.
	flags.Deleted = false
	id, err := imp.folderID(ctx, folder)
	if err != nil {
		return err // the folder, not the message: stop this argument
	}
	staged, err := imp.e.Stage(ctx, raw)
	if err != nil {
		imp.errs = append(imp.errs, fmt.Errorf("%s: %w", where, err))
		return nil
	}
	imp.pending = append(imp.pending, core.Pending{Delivery: core.Delivery{AccountID: imp.account.ID, FolderID: id, Flags: flags, InternalDate: date}, Staged: staged})
	if len(imp.pending) == 1 {
		imp.first = where
	}
	imp.last = where
	imp.folders = append(imp.folders, folder)
	if len(imp.pending) >= importBatch {
		imp.flush(ctx)
	}
	return nil
}

// flush stores the pending messages. When the batch fails (the disk is
// full, say), none of it is stored, and the error names its first and
// last message.
func (imp *importer) flush(ctx context.Context) {
	if len(imp.pending) == 0 {
		return
	}
	res, err := imp.e.ImportBatch(ctx, imp.pending)
	if err != nil {
		imp.errs = append(imp.errs, fmt.Errorf("%s to %s: not imported: %w", imp.first, imp.last, err))
	}
	for i, r := range res {
		imp.into[imp.folders[i]] = true
		if r.IsNew {
			imp.imported++
		}
	}
	imp.pending, imp.folders = imp.pending[:0], imp.folders[:0]
}

// path imports one command-line argument: a Maildir tree, an mbox file
// or an .eml file.
func (imp *importer) path(ctx context.Context, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return imp.maildir(ctx, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(len("From "))
	if !mailbox.IsMbox(head) {
		return imp.deliver(ctx, imp.folder, br, core.Flags{}, time.Time{}, path)
	}
	r := mailbox.NewMboxReader(br, imp.mbox)
	for n := 1; ctx.Err() == nil; n++ {
		env, msg, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("message %d: %w", n, err)
		}
		where := fmt.Sprintf("%s: message %d", path, n)
		flags, msg, err := mailbox.MboxFlags(msg)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := imp.deliver(ctx, imp.folder, msg, flags, env.Date, where); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// maildir imports a Maildir tree, keeping each message's flags and
// taking its file's time as its arrival time.
func (imp *importer) maildir(ctx context.Context, root string) error {
	folders, err := mailbox.MaildirFolders(root)
	if err != nil {
		return err
	}
	for _, mf := range folders {
		name := mf.Name
		if name == "" {
			name = imp.folder
		}
		if err := core.CheckFolderName(name); err != nil {
			return fmt.Errorf("folder %q: %w", name, err)
		}
		msgs, err := mailbox.MaildirMessages(mf.Dir)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err := imp.maildirMessage(ctx, name, m); err != nil {
				return err
			}
		}
	}
	return nil
}

func (imp *importer) maildirMessage(ctx context.Context, folder string, m mailbox.MaildirMessage) error {
	f, err := os.Open(m.Path)
	if err != nil {
		imp.seen++
		imp.errs = append(imp.errs, err)
		return nil
	}
	defer f.Close()
	var date time.Time
	if fi, err := f.Stat(); err == nil {
		date = fi.ModTime()
	}
	return imp.deliver(ctx, folder, f, m.Flags, date, m.Path)
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/i18n"
)

var _ control.ExportStore = (*storage.DB)(nil)

// runExport writes stored mail out in the formats other clients read,
// byte for byte as it was received: one folder (--folder) as an mbox
// file or a Maildir at DEST; an account (--account) or everything as a
// directory DEST holding a Maildir++ tree or an mbox file per folder for
// each account; one message as an .eml file. It only reads, so it works
// while the app runs.
func runExport(ctx context.Context, c *call) error {
	account := c.fs.String("account", "", lang.L("account name (default: every account)"))
	folder := c.fs.String("folder", "", lang.L("one folder (default: every folder)"))
	format := c.fs.String("format", "", lang.L("mbox, maildir or eml"))
	if err := c.parse(); err != nil {
		return errUsage
	}
	switch {
	case *format == "eml" && len(c.args) == 2 && *account == "" && *folder == "":
		return c.exportEML(ctx, c.args[0], c.args[1])
	case (*format == control.FormatMbox || *format == control.FormatMaildir) && len(c.args) == 1:
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
	rep, err := control.Export(ctx, c.db, control.ExportRequest{Folders: folders, Format: *format, Dest: dest})
	if *folder != "" {
		f := folders[0]
		printLine(c.env.Stdout, "%s", lang.N("exported {{.Count}} messages from {{.Folder}} to {{.Dest}}", rep.Messages,
			map[string]any{"Count": i18n.Number(rep.Messages), "Folder": f.Account + "/" + f.Name, "Dest": dest}))
	} else {
		folders := lang.XN("cli.export.folders", "{{.Count}} folders", rep.Folders, map[string]any{"Count": i18n.Number(rep.Folders)})
		printLine(c.env.Stdout, "%s", lang.N("exported {{.Count}} messages from {{.Folders}} to {{.Dest}}", rep.Messages,
			map[string]any{"Count": i18n.Number(rep.Messages), "Folders": folders, "Dest": dest}))
	}
	return err
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
		return nil, errors.New(lang.L("no folders to export: add an account first"))
	}
	return out, nil
}

// exportEML writes one message's bytes to a new file.
func (c *call) exportEML(ctx context.Context, idArg, dest string) error {
	id, err := parseMessageID(idArg)
	if err != nil {
		return err
	}
	if err := c.open(ctx, false); err != nil {
		return err
	}
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf(lang.L("%s exists: choose a new file name"), dest)
	}
	if err != nil {
		return err
	}
	err = control.WriteMessage(ctx, c.db, id, out)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dest) // never half a message
		return fmt.Errorf(lang.L("write %s: %w"), dest, err)
	}
	printLine(c.env.Stdout, lang.L("exported message %d to %s"), id, dest)
	return nil
}

package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/core/mailbox"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// runImport stores mail from other clients in an account, byte for byte,
// as if it had been retrieved: .eml files and mbox files into the chosen
// folder, and Maildir trees with their root into the chosen folder and
// each Maildir++ subfolder (.Sent) into the folder of its name. Each
// argument's kind is recognised from its content. A running engine does
// the import when there is one.
func runImport(ctx context.Context, c *call) error {
	account := c.fs.String("account", "", lang.L("account name"))
	folder := c.fs.String("folder", core.DefaultFolder, lang.L("local folder"))
	mboxFlavour := c.fs.String("mbox", "rd", lang.L("how the mbox files quote From lines: rd (mboxrd) or o (mboxo)"))
	if err := c.parse(); err != nil || *account == "" || len(c.args) == 0 {
		return errUsage
	}
	format := map[string]mailbox.MboxFormat{"rd": mailbox.MboxRD, "o": mailbox.MboxO}
	mformat, ok := format[*mboxFlavour]
	if !ok {
		return fmt.Errorf(lang.L("--mbox %q: use rd or o"), *mboxFlavour)
	}
	if err := core.CheckFolderName(*folder); err != nil {
		return fmt.Errorf(lang.L("folder: %w"), err)
	}
	req := control.ImportRequest{Account: *account, Folder: *folder, Mbox: mformat}
	for _, p := range c.args {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		req.Paths = append(req.Paths, abs)
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	rep, err := ops.Import(ctx, req)
	if rep.Seen == 0 && err != nil {
		return err // nothing was read: the account, the folder or the files
	}
	into := rep.Into
	if len(into) == 0 {
		into = []string{*folder}
	}
	printLine(c.env.Stdout, "%s", lang.N("imported {{.Imported}} of {{.Count}} messages into {{.Into}}", rep.Seen,
		map[string]any{"Imported": i18n.Number(rep.Imported), "Count": i18n.Number(rep.Seen), "Into": *account + "/" + strings.Join(into, ", ")}))
	return err
}

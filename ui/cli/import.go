package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tributary-mail/tributary/core"
)

// runImport stores .eml files in an account's folder, byte for byte, as
// if they had been retrieved: for moving mail over from another client.
func runImport(ctx context.Context, c *call) error {
	account := c.fs.String("account", "", "account name")
	folder := c.fs.String("folder", core.DefaultFolder, "local folder")
	if err := c.parse(); err != nil || *account == "" || len(c.args) == 0 {
		return errUsage
	}
	if err := core.CheckFolderName(*folder); err != nil {
		return fmt.Errorf("folder: %w", err)
	}
	if err := c.open(ctx, true); err != nil {
		return err
	}
	a, err := c.db.AccountByName(ctx, *account)
	if err != nil {
		return err
	}
	folderID, err := c.db.EnsureFolder(ctx, a.ID, *folder, "")
	if err != nil {
		return err
	}
	var errs []error
	imported := 0
	for _, path := range c.args {
		f, err := os.Open(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_, isNew, err := c.db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: folderID}, f)
		f.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		if isNew {
			imported++
		}
	}
	printLine(c.env.Stdout, "imported %d of %d messages into %s/%s", imported, len(c.args), a.Name, *folder)
	return errors.Join(errs...)
}

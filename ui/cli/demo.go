package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core/demo"
	"github.com/tributary-mail/tributary/core/engine"
)

// GUI starts the desktop app on a data directory and returns when it
// quits. main sets it (only main may create the Fyne app); nil means this
// build has no GUI, and tributary demo then needs --headless.
var GUI func(ctx context.Context, dataDir string) error

// DemoDataDir is where tributary demo keeps its data when neither
// --data-dir nor TRIBUTARY_DATA_DIR names one: Tributary-demo beside the
// default data directory, so the demo never touches real mail.
func DemoDataDir(getenv func(string) string) string {
	if d := getenv("TRIBUTARY_DATA_DIR"); d != "" {
		return d
	}
	return filepath.Join(filepath.Dir(DataDir(func(string) string { return "" })), "Tributary-demo")
}

// runDemo starts the demo servers, configures the two demo accounts in
// the demo data directory, and then opens the app on it, or with
// --headless runs the engine until interrupted (tributary inbox and the
// other commands work on the same directory meanwhile).
func runDemo(ctx context.Context, c *call) error {
	headless := c.fs.Bool("headless", false, lang.L("run the servers and the engine without a window until interrupted"))
	if err := c.parse(); err != nil || len(c.args) > 0 {
		return errUsage
	}
	if !*headless && GUI == nil {
		return errors.New(lang.L("demo: this build has no desktop app; run tributary demo --headless"))
	}
	if c.dataDir == "" {
		c.dataDir = DemoDataDir(c.env.Getenv)
	}
	servers, err := demo.Start(ctx, nil)
	if err != nil {
		return fmt.Errorf(lang.L("demo: start the servers: %w"), err)
	}
	defer servers.Close()
	if err := c.open(ctx, true); err != nil {
		return err
	}
	existing, err := c.db.Accounts(ctx)
	if err != nil {
		return fmt.Errorf(lang.L("demo: read the accounts: %w"), err)
	}
	if err := servers.Configure(ctx, c.engine(), existing); err != nil {
		return err
	}
	printLine(c.env.Stdout, lang.L("demo: data in %s; accounts %q (IMAP %s) and %q (POP3 %s), sending through SMTP %s; password %q"),
		c.dataDir, demo.IMAPAccount, servers.IMAP.Addr(), demo.POP3Account, servers.POP3.Addr(), servers.SMTP.Addr(), demo.Password)
	if *headless {
		return c.runEngine(ctx)
	}
	// The app opens the store and takes the lock itself.
	c.close()
	c.eng, c.db, c.unlock = nil, nil, nil
	return GUI(ctx, c.dataDir)
}

// The engine stores the demo accounts.
var _ demo.AccountSaver = (*engine.Engine)(nil)

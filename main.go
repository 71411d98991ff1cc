// Command tributary is a multi-account desktop mail client. With a
// command it runs headless (see ui/cli); without one it starts the app.
// This file only wires the pieces together.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"golang.org/x/term"

	"github.com/tributary-mail/tributary/assets"
	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/cli"
	"github.com/tributary-mail/tributary/ui/gui"
)

func main() {
	args := os.Args[1:]
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "help" {
			cli.Usage(os.Stdout)
			return
		}
	}
	ctx := context.Background()
	if cli.HasCommand(args) {
		env := cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
		if term.IsTerminal(int(os.Stdin.Fd())) {
			env.ReadPassword = readPassword
		}
		os.Exit(cli.Run(ctx, args, env))
	}
	if err := runGUI(ctx, cli.GlobalDataDir(args, os.Getenv)); err != nil {
		fmt.Fprintln(os.Stderr, "tributary:", err)
		os.Exit(1)
	}
}

func readPassword(prompt string) (string, error) {
	fmt.Fprint(os.Stderr, prompt)
	pw, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	return string(pw), err
}

func runGUI(ctx context.Context, dataDir string) error {
	if os.Getenv("LANG") == "" {
		os.Setenv("LANG", "en_US.UTF-8") // Fyne cannot parse the C locale
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	unlock, lockErr := storage.Lock(dataDir)
	if errors.Is(lockErr, storage.ErrLocked) && showRunning(ctx, dataDir) {
		return nil // the app already running has brought its window forward
	}
	db, err := storage.Open(ctx, dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	e := engine.New(db, engine.Options{DataDir: dataDir})
	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt)
	defer cancel()
	fa := app.NewWithID("io.github.tributary")
	fa.SetIcon(assets.Icon)
	a := gui.New(ctx, fa, db, e)
	engineDone := make(chan struct{})
	served := make(chan struct{})
	if lockErr == nil {
		defer unlock()
		if err := db.RemoveStaleFiles(); err != nil {
			slog.Warn("cannot tidy the message directory", "error", err)
		}
		go func() {
			defer close(engineDone)
			if err := e.Run(ctx); err != nil {
				slog.Error("engine stopped", "error", err)
			}
		}()
		serveControl(ctx, dataDir, &control.Local{Engine: e, Store: db, Running: true, Show: a.ShowMain}, served)
	} else {
		close(engineDone)
		close(served)
		slog.Warn("not retrieving or sending", "error", lockErr)
	}
	go func() {
		<-ctx.Done() // Ctrl+C in the terminal quits the app too
		fyne.Do(fa.Quit)
	}()
	a.Run()
	// Let the engine, the control socket's requests and background work
	// finish their writes before the store closes.
	cancel()
	<-served
	<-engineDone
	a.Wait()
	return nil
}

// showRunning asks the app already running on dataDir to bring its
// window forward. False means nobody did (it is `tributary sync`, say),
// and this launch goes on without an engine of its own.
func showRunning(ctx context.Context, dataDir string) bool {
	c, err := control.Dial(ctx, dataDir)
	if err == nil {
		err = c.ShowWindow(ctx)
	}
	if err != nil {
		slog.Info("the running Tributary did not show its window", "error", err)
		return false
	}
	return true
}

// serveControl serves CLI commands and later launches on the control
// socket until ctx is done, then closes served.
func serveControl(ctx context.Context, dataDir string, ops control.Ops, served chan<- struct{}) {
	srv, err := control.Listen(dataDir, ops)
	if err != nil {
		slog.Warn("other Tributary commands cannot reach this app", "error", err)
		close(served)
		return
	}
	go func() {
		defer close(served)
		if err := srv.Serve(ctx); err != nil {
			slog.Warn("control socket stopped", "error", err)
		}
	}()
}

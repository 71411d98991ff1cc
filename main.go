// Command tributary is a multi-account desktop mail client. With a
// command it runs headless (see ui/cli); without one it starts the app.
// This file only wires the pieces together.
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	// First, for its init: Fyne reads the locale in its own init.
	_ "github.com/tributary-mail/tributary/ui/fynelocale"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"
	"golang.org/x/term"

	"github.com/tributary-mail/tributary/assets"
	"github.com/tributary-mail/tributary/core/applog"
	"github.com/tributary-mail/tributary/core/autostart"
	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/mailto"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/cli"
	"github.com/tributary-mail/tributary/ui/gui"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// fyneApp is FyneApp.toml, where the version is kept for Fyne's
// packager; embedding it lets the binary print its version with no
// display and no Fyne app.
//
//go:embed FyneApp.toml
var fyneApp []byte

func main() {
	netconn.LoadRoots()
	i18n.Load()
	if v, err := cli.ParseAppVersion(fyneApp); err == nil {
		cli.Version = v
	}
	// The desktop runs the mail handler as `tributary mailto:...`.
	args, link, err := mailtoArg(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tributary:", err) // i18n:ignore (the program's name)
		os.Exit(2)
	}
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "help" {
			cli.Usage(os.Stdout)
			return
		}
	}
	ctx := context.Background()
	if !cli.HasCommand(args) {
		for _, a := range args {
			if a == "--version" || a == "-version" {
				fmt.Println("tributary " + cli.Version) // i18n:ignore (what scripts read as the version)
				return
			}
		}
		if !hasDisplay(os.Getenv) {
			fmt.Fprintln(os.Stderr, "tributary:", lang.L("the desktop app needs a display (neither DISPLAY nor WAYLAND_DISPLAY is set); without one, run a command: {{.Commands}} (tributary help shows them)", // i18n:ignore (the program's name)
				map[string]any{"Commands": strings.Join(cli.CommandNames(), ", ")}))
			os.Exit(2)
		}
	}
	cli.GUI = func(ctx context.Context, dataDir string) error {
		if !hasDisplay(os.Getenv) {
			return errors.New(lang.L("the desktop app needs a display (neither DISPLAY nor WAYLAND_DISPLAY is set); try tributary demo --headless"))
		}
		return runGUI(ctx, dataDir, nil, false)
	}
	if cli.HasCommand(args) {
		env := cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
		if term.IsTerminal(int(os.Stdin.Fd())) {
			env.ReadPassword = readPassword
		}
		os.Exit(cli.Run(ctx, args, env))
	}
	if err := runGUI(ctx, cli.GlobalDataDir(args, os.Getenv), link, slices.Contains(args, autostart.MinimizedFlag)); err != nil {
		fmt.Fprintln(os.Stderr, "tributary:", err) // i18n:ignore (the program's name)
		os.Exit(1)
	}
}

func readPassword(prompt string) (string, error) {
	fmt.Fprint(os.Stderr, prompt)
	pw, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	return string(pw), err
}

// hasDisplay reports whether a window can open. On Linux and the BSDs
// that needs an X11 or Wayland display, which GLFW otherwise fails on
// with a panic; Windows and macOS always have one.
func hasDisplay(getenv func(string) string) bool {
	switch runtime.GOOS {
	case "windows", "darwin", "android", "ios":
		return true
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// mailtoArg takes a mailto: link off the command line and parses it; nil
// when there is none. A link is the app's argument only: with a command
// (`tributary search mailto:`) the arguments stay the command's.
func mailtoArg(args []string) ([]string, *mailto.Message, error) {
	for i, a := range args {
		if mailto.Is(a) {
			rest := slices.Delete(slices.Clone(args), i, i+1)
			if cli.HasCommand(rest) {
				return args, nil, nil
			}
			m, err := mailto.Parse(a)
			if err != nil {
				return nil, nil, err
			}
			if len(m.Ignored) > 0 {
				slog.Info("mailto: fields left out", "fields", m.Ignored)
			}
			return rest, &m, nil
		}
	}
	return args, nil, nil
}

// runGUI runs the app on dataDir, with a composer filled from link when
// it is not nil; when the app already runs there, it is asked to do it.
// Minimized keeps the main window in the tray (start at login).
func runGUI(ctx context.Context, dataDir string, link *mailto.Message, minimized bool) error {
	// Absolute, as Settings shows it and the control socket names it.
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	logFile := startLog(dataDir)
	if logFile != nil {
		defer logFile.Close()
	}
	unlock, lockErr := storage.Lock(dataDir)
	if errors.Is(lockErr, storage.ErrLocked) && handOver(ctx, dataDir, link) {
		return nil // the app already running has brought its window forward, or opened the composer
	}
	db, err := storage.Open(ctx, dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	e := engine.New(db, engine.Options{DataDir: dataDir})
	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt)
	defer cancel()
	if err := openDisplay(); err != nil {
		return errors.New(lang.L("the desktop app cannot open its window: {{.Error}}; without a display, run a command (tributary help shows them)", map[string]any{"Error": err.Error()}))
	}
	fa := app.NewWithID("io.github.tributary")
	fa.SetIcon(assets.Icon)
	a := gui.New(ctx, fa, db, e)
	a.OfferDemo(startDemo)
	a.SetVersion(cli.Version)
	if logFile != nil {
		a.SetLogFile(logFile.Path)
	}
	if minimized {
		a.StartMinimized()
	}
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
		serveControl(ctx, dataDir, &control.Local{Engine: e, Store: db, Running: true, Show: a.ShowMain, ComposeFunc: a.ComposeMailto}, served)
	} else {
		close(engineDone)
		close(served)
		slog.Warn("not retrieving or sending", "error", lockErr)
	}
	go func() {
		<-ctx.Done() // Ctrl+C in the terminal quits the app too
		fyne.Do(fa.Quit)
	}()
	if link != nil {
		// From another goroutine, fyne.Do waits for the app to run.
		go a.ComposeMailto(*link)
	}
	a.Run()
	// Let the engine, the control socket's requests and background work
	// finish their writes before the store closes.
	cancel()
	<-served
	<-engineDone
	a.Wait()
	return nil
}

// startLog sends the app's log to its file (see cli.LogFile), and to
// the terminal too when the app was started from one. Without a file the
// log stays on stderr, and the app runs anyway.
func startLog(dataDir string) *applog.Log {
	path, err := cli.LogFile(dataDir, os.Getenv)
	var l *applog.Log
	if err == nil {
		var tty io.Writer
		if term.IsTerminal(int(os.Stderr.Fd())) {
			tty = os.Stderr
		}
		l, err = applog.Open(path, slog.LevelInfo, tty)
	}
	if err != nil {
		slog.Warn("logging to the terminal only", "error", err)
		return nil
	}
	slog.SetDefault(l.Logger)
	return l
}

// handOver asks the app already running on dataDir to bring its window
// forward, or with a link to open a composer filled from it. False means
// nobody did (it is `tributary sync`, say), and this launch goes on
// without an engine of its own.
func handOver(ctx context.Context, dataDir string, link *mailto.Message) bool {
	c, err := control.Dial(ctx, dataDir)
	if err == nil && link != nil {
		err = c.Compose(ctx, *link)
	} else if err == nil {
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

// startDemo runs `tributary demo` as a process of its own, on the demo
// data directory beside the default one: never the directory this app
// runs on, whatever TRIBUTARY_DATA_DIR says.
func startDemo() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir := cli.DemoDataDir(func(string) string { return "" })
	cmd := exec.Command(exe, "--data-dir", dir, "demo")
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reaped when the demo window closes
	return nil
}

// Package cli is Tributary's headless command line. It drives the same
// engine and storage as the GUI, so everything the app does can be
// scripted and tested without a display.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// Env is what a command may touch of the outside world; tests replace it.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// ReadPassword prompts on the terminal without echo. Nil means there
	// is no terminal, so passwords must come from the environment.
	ReadPassword func(prompt string) (string, error)
	// Engine options, for tests (clock, timeouts, secrets).
	Engine engine.Options
}

// errUsage marks a mistake in the command line itself. Run prints the
// usage line instead of its text.
var errUsage = errors.New("usage") // i18n:ignore (never shown)

// command is one subcommand.
type command struct {
	usage string
	run   func(ctx context.Context, c *call) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"account":     {"account add|list|remove NAME|test NAME|trust NAME --fingerprint SHA256|signin NAME", runAccount},
		"autoconfig":  {"autoconfig ADDR [--json]", runAutoconfig},
		"source":      {"source add --account NAME --source-protocol pop3|imap --source-host H ...", runSource},
		"sync":        {"sync [--account NAME] [--once]", runSync},
		"send":        {"send --from ACCOUNT|ADDR --to ADDR[,ADDR] [--cc ...] [--bcc ...] --subject S [--body-file F] [--attach FILE]... [--markdown] [--queue | --at TIME | --delay DURATION]", runSend},
		"identity":    {"identity add --account NAME --email ADDR [--display-name N] [--reply-to ADDR] [--bcc-self] [--signature-file F] [--plain-text] | identity list [--account NAME] [--json] | identity remove --account NAME --email ADDR", runIdentity},
		"inbox":       {"inbox [--account NAME] [--folder NAME] [--threads] [--limit N] [--json]", runInbox},
		"show":        {"show ID [--raw]", runShow},
		"thread":      {"thread ID [--json]", runThread},
		"search":      {"search QUERY... [--limit N] [--json]", runSearch},
		"outbox":      {"outbox [--json] | outbox retry ID | outbox delete ID | outbox resolve ID --as sent|resend | outbox cancel ID | outbox send [--account NAME]", runOutbox},
		"import":      {"import --account NAME [--folder NAME] [--mbox rd|o] FILE.eml|FILE.mbox|MAILDIR...", runImport},
		"export":      {"export [--account NAME] [--folder NAME] --format mbox|maildir DEST | export --format eml ID DEST", runExport},
		"version":     {"version", runVersion},
		"diagnostics": {"diagnostics", runDiagnostics},
		"mark":        {"mark ID... --read|--unread|--flag|--unflag", runMark},
		"move":        {"move ID... --to FOLDER", runMove},
		"delete":      {"delete ID...", runDelete},
		"junk":        {"junk ID...", runFile(core.RoleJunk, movedToJunk)},
		"notjunk":     {"notjunk ID...", runFile(core.RoleInbox, movedToInbox)},
		"archive":     {"archive ID...", runFile(core.RoleArchive, archived)},
		"reply":       {"reply ID [--all] [--body-file F] [--queue]", runReply},
		"forward":     {"forward ID --to ADDR[,ADDR] [--as-attachment] [--body-file F] [--queue]", runForward},
		"demo":        {"demo [--headless]", runDemo},
		"rule":        {"rule add --name NAME --match QUERY --action move=FOLDER|copy=FOLDER|read|flag|delete|stop ... | rule list [--json] | rule remove NAME | rule run NAME [--folder F] | rule export FILE | rule import FILE", runRule},
		"contacts":    {"contacts list [--json] | contacts import FILE.vcf | contacts export FILE.vcf", runContacts},
	}
}

// Usage prints the list of commands. The synopses stay as they are in
// every language: they are what one types.
func Usage(w io.Writer) {
	printUsage(w, "[--data-dir DIR] [COMMAND [ARGS]]")
	fmt.Fprintln(w, lang.L("With no command, the desktop app starts. Commands:"))
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintln(w, "  tributary "+commands[n].usage) // i18n:ignore (a synopsis, typed as it is)
	}
}

// printUsage writes one usage line: the word translated, the synopsis as
// it is typed.
func printUsage(w io.Writer, synopsis string) {
	fmt.Fprintln(w, lang.L("usage:")+" tributary "+synopsis) // i18n:ignore (the program's name)
}

// printProblem writes one line of a problem on stderr, after the
// program's name as Unix tools do.
func printProblem(w io.Writer, msg string) {
	printLine(w, "tributary: %s", msg) // i18n:ignore (the program's name)
}

// call is one invocation: its flags, positional arguments and environment.
type call struct {
	env     Env
	fs      *flag.FlagSet
	raw     []string // arguments after the command name
	args    []string // positional, after parse
	dataDir string
	// verbName is the subcommand verb took, for messages.
	verbName string
	db       *storage.DB
	eng      *engine.Engine
	unlock   func()
}

// parse parses flags that may come before, between or after positional
// arguments: "show 12 --raw" and "show --raw 12" mean the same.
func (c *call) parse() error {
	args := c.raw
	for {
		if err := c.fs.Parse(args); err != nil {
			return errUsage
		}
		args = c.fs.Args()
		if len(args) == 0 {
			return nil
		}
		c.args = append(c.args, args[0])
		args = args[1:]
	}
}

// open opens storage; with lock, it also takes the engine lock, which
// commands that retrieve, send or change state need.
func (c *call) open(ctx context.Context, lock bool) error {
	if c.dataDir == "" {
		c.dataDir = DataDir(c.env.Getenv)
	}
	if lock {
		if err := c.lock(); err != nil {
			return err
		}
	}
	db, err := storage.Open(ctx, c.dataDir)
	if err != nil {
		return err
	}
	c.db = db
	if lock {
		return db.RemoveStaleFiles()
	}
	return nil
}

// lock takes the engine lock of the data directory.
func (c *call) lock() error {
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return err
	}
	unlock, err := storage.Lock(c.dataDir)
	if errors.Is(err, storage.ErrLocked) {
		return &runningError{command: strings.TrimSpace(c.fs.Name() + " " + c.verbName)}
	}
	if err != nil {
		return err
	}
	c.unlock = unlock
	return nil
}

// verb takes a subcommand such as "add" off the front of the arguments.
func (c *call) verb() string {
	if len(c.raw) > 0 && !strings.HasPrefix(c.raw[0], "-") {
		v := c.raw[0]
		c.raw = c.raw[1:]
		c.verbName = v
		return v
	}
	return ""
}

func (c *call) close() {
	if c.eng != nil {
		c.eng.Close()
	}
	if c.db != nil {
		c.db.Close()
	}
	if c.unlock != nil {
		c.unlock()
	}
}

// engine is the command's one engine, so that all its work shares the
// sources' connections.
func (c *call) engine() *engine.Engine {
	if c.eng == nil {
		opts := c.env.Engine
		opts.DataDir = c.dataDir
		c.eng = engine.New(c.db, opts)
	}
	return c.eng
}

// DataDir is where Tributary keeps its data: TRIBUTARY_DATA_DIR, or
// Tributary inside the user's configuration directory.
func DataDir(getenv func(string) string) string {
	if d := getenv("TRIBUTARY_DATA_DIR"); d != "" {
		return d
	}
	base, err := os.UserConfigDir()
	if err != nil {
		base = "."
	}
	return filepath.Join(base, "Tributary")
}

// Run runs one command line (without the program name) and returns the
// exit status: 0 when everything asked succeeded, 1 otherwise, with one
// line per problem on stderr.
func Run(ctx context.Context, args []string, env Env) int {
	i18n.Load()
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	name, rest, dataDir, err := splitGlobal(args)
	if err != nil {
		printProblem(env.Stderr, err.Error())
		return 1
	}
	cmd, ok := commands[name]
	if !ok {
		printProblem(env.Stderr, fmt.Sprintf(lang.L("unknown command %q"), name))
		Usage(env.Stderr)
		return 1
	}
	c := &call{env: env, fs: flag.NewFlagSet(name, flag.ContinueOnError), dataDir: dataDir, raw: rest}
	c.fs.SetOutput(env.Stderr)
	c.fs.Usage = func() {
		// The flag package's own heading, translated like the flags'
		// help below it.
		fmt.Fprintf(env.Stderr, lang.L("Usage of %s:")+"\n", name)
		c.fs.PrintDefaults()
	}
	c.fs.StringVar(&c.dataDir, "data-dir", dataDir, lang.L("data directory"))
	defer c.close()
	err = cmd.run(ctx, c)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		printUsage(env.Stderr, cmd.usage)
	default:
		for _, line := range strings.Split(err.Error(), "\n") {
			printProblem(env.Stderr, line)
		}
	}
	return 1
}

// splitGlobal finds the command name and the global --data-dir, which may
// come before the command.
func splitGlobal(args []string) (name string, rest []string, dataDir string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--data-dir" || a == "-data-dir":
			if i+1 >= len(args) {
				return "", nil, "", errors.New(lang.L("--data-dir needs a directory"))
			}
			dataDir = args[i+1]
			i++
		case strings.HasPrefix(a, "--data-dir="):
			dataDir = strings.TrimPrefix(a, "--data-dir=")
		case name == "" && !strings.HasPrefix(a, "-"):
			name = a
		default:
			rest = append(rest, a)
		}
	}
	return name, rest, dataDir, nil
}

// HasCommand reports whether args name a command, as opposed to only
// global flags, which start the GUI.
func HasCommand(args []string) bool {
	name, _, _, err := splitGlobal(args)
	return err != nil || name != ""
}

// GlobalDataDir returns the data directory a command line asks for.
func GlobalDataDir(args []string, getenv func(string) string) string {
	if _, _, d, _ := splitGlobal(args); d != "" {
		return d
	}
	return DataDir(getenv)
}

// The CLI hands a *storage.DB to the engine.
var _ engine.Store = (*storage.DB)(nil)

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/autoconfig"
)

// autoconfigJSON is `tributary autoconfig ADDR --json`.
type autoconfigJSON struct {
	Provider string             `json:"provider"`
	Source   string             `json:"source"`
	Note     string             `json:"note"`
	Incoming []autoconfigServer `json:"incoming"`
	Outgoing []autoconfigServer `json:"outgoing"`
}

type autoconfigServer struct {
	Protocol   string `json:"protocol"`
	Host       string `json:"host"`
	Port       int    `json:"port"`
	Encryption string `json:"encryption"`
	Auth       string `json:"auth"` // "password" or "oauth2"
	Username   string `json:"username"`
}

func authName(m core.AuthMethod) string {
	if m == "" {
		return string(core.AuthPassword)
	}
	return string(m)
}

func serversJSON(list []autoconfig.Server) []autoconfigServer {
	out := make([]autoconfigServer, 0, len(list))
	for _, s := range list {
		out = append(out, autoconfigServer{Protocol: s.Protocol, Host: s.Host, Port: s.Port, Encryption: string(s.Encryption), Auth: authName(s.Auth), Username: s.Username})
	}
	return out
}

// runAutoconfig is `tributary autoconfig ADDR [--json]`: the settings the
// account wizard would propose for an address.
func runAutoconfig(ctx context.Context, c *call) error {
	asJSON := c.fs.Bool("json", false, lang.L("print JSON"))
	if err := c.parse(); err != nil || len(c.args) != 1 {
		return errUsage
	}
	cfg, err := autoconfig.Lookup(ctx, c.args[0], nil)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(c.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(autoconfigJSON{Provider: cfg.Provider, Source: cfg.Source, Note: cfg.Note,
			Incoming: serversJSON(cfg.Incoming), Outgoing: serversJSON(cfg.Outgoing)})
	}
	printLine(c.env.Stdout, lang.L("%s (found by %s)"), cfg.Provider, cfg.Source)
	for _, group := range []struct {
		label string
		list  []autoconfig.Server
	}{{lang.L("incoming"), cfg.Incoming}, {lang.L("outgoing"), cfg.Outgoing}} {
		for _, s := range group.list {
			printLine(c.env.Stdout, lang.L("  %s %s %s:%d %s, sign in with %s as %s"), group.label, s.Protocol, s.Host, s.Port, s.Encryption, authName(s.Auth), s.Username)
		}
	}
	if cfg.Note != "" {
		printLine(c.env.Stdout, lang.L("note: %s"), cfg.Note)
	}
	return nil
}

// fromAutoconfig fills the servers of a from the proposal for its
// address, for `account add --email ADDR` without server flags: the
// preferred incoming and outgoing server, and OAuth2 where the provider
// takes it, unless --auth was given.
func fromAutoconfig(ctx context.Context, c *call, a *core.Account, src *sourceFlags, of *oauthFlags) error {
	if a.Email == "" {
		return errors.New(lang.L("give --email, or the servers with --smtp-host and --source-host"))
	}
	cfg, err := autoconfig.Lookup(ctx, a.Email, nil)
	if err != nil {
		return err
	}
	in, out := cfg.Incoming[0], cfg.Outgoing[0]
	a.SMTP.Host, a.SMTP.Port, a.SMTP.Encryption = out.Host, out.Port, out.Encryption
	if !flagSet(c.fs, "smtp-username") {
		a.SMTP.Username = out.Username
	}
	src.protocol, src.host, src.port, src.encryption = in.Protocol, in.Host, in.Port, string(in.Encryption)
	if src.username == "" {
		src.username = in.Username
	}
	if in.Auth == core.AuthOAuth2 && !flagSet(c.fs, "auth") {
		of.auth = string(core.AuthOAuth2)
		if of.provider == "" && of.issuer == "" {
			of.provider = cfg.OAuth
		}
	}
	printLine(c.env.Stdout, lang.L("using the settings of %s (found by %s): %s %s:%d and SMTP %s:%d"), cfg.Provider, cfg.Source,
		in.Protocol, in.Host, in.Port, out.Host, out.Port)
	if cfg.Note != "" {
		printLine(c.env.Stdout, lang.L("note: %s"), cfg.Note)
	}
	return nil
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

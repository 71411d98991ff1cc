package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
)

// identityJSON is the shape scripts read from identity list --json.
type identityJSON struct {
	Account       string `json:"account"`
	Position      int    `json:"position"`
	DisplayName   string `json:"display_name"`
	Email         string `json:"email"`
	ReplyTo       string `json:"reply_to,omitempty"`
	BccSelf       bool   `json:"bcc_self"`
	Signature     string `json:"signature,omitempty"`
	PlainTextOnly bool   `json:"plain_text_only"`
}

func runIdentity(ctx context.Context, c *call) error {
	switch c.verb() {
	case "add":
		return identityAdd(ctx, c)
	case "list":
		return identityList(ctx, c)
	case "remove":
		return identityRemove(ctx, c)
	}
	return errUsage
}

func identityAdd(ctx context.Context, c *call) error {
	var id core.Identity
	var account, sigFile string
	c.fs.StringVar(&account, "account", "", lang.L("the account the identity sends through"))
	c.fs.StringVar(&id.Email, "email", "", lang.L("the identity's address"))
	c.fs.StringVar(&id.DisplayName, "display-name", "", lang.L("the name shown with the address"))
	c.fs.StringVar(&id.ReplyTo, "reply-to", "", lang.L("the address answers should go to"))
	c.fs.BoolVar(&id.BccSelf, "bcc-self", false, lang.L("send a blind copy of every message to the identity"))
	c.fs.StringVar(&sigFile, "signature-file", "", lang.L("a file with the signature (plain text)"))
	c.fs.BoolVar(&id.PlainTextOnly, "plain-text", false, lang.L("compose in plain text only"))
	if err := c.parse(); err != nil || len(c.args) > 0 || account == "" || id.Email == "" {
		return errUsage
	}
	if sigFile != "" {
		sig, err := os.ReadFile(sigFile)
		if err != nil {
			return fmt.Errorf(lang.L("read the signature: %w"), err)
		}
		id.Signature = string(sig)
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	added, err := ops.IdentityAdd(ctx, account, id)
	if err != nil {
		return err
	}
	printLine(c.env.Stdout, lang.L("added identity %s to account %s"), added.Email, account)
	return nil
}

func identityRemove(ctx context.Context, c *call) error {
	account := c.fs.String("account", "", lang.L("the identity's account"))
	email := c.fs.String("email", "", lang.L("the identity's address"))
	if err := c.parse(); err != nil || len(c.args) > 0 || *account == "" || *email == "" {
		return errUsage
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	if err := ops.IdentityRemove(ctx, *account, *email); err != nil {
		return err
	}
	printLine(c.env.Stdout, lang.L("removed identity %s from account %s"), *email, *account)
	return nil
}

func identityList(ctx context.Context, c *call) error {
	account := c.fs.String("account", "", lang.L("only this account"))
	asJSON := c.fs.Bool("json", false, lang.L("print JSON"))
	if err := c.parse(); err != nil || len(c.args) > 0 {
		return errUsage
	}
	if err := c.open(ctx, false); err != nil {
		return err
	}
	var ids []core.Identity
	var err error
	if *account != "" {
		a, aerr := c.db.AccountByName(ctx, *account)
		if aerr != nil {
			return aerr
		}
		ids, err = c.db.AccountIdentities(ctx, a.ID)
	} else {
		ids, err = c.db.Identities(ctx)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]identityJSON, len(ids))
		for i, id := range ids {
			out[i] = identityJSON{id.Account, id.Position, id.DisplayName, id.Email, id.ReplyTo, id.BccSelf, id.Signature, id.PlainTextOnly}
		}
		return printJSON(c.env.Stdout, out)
	}
	if len(ids) == 0 {
		fmt.Fprintln(c.env.Stdout, lang.L("no accounts; add one with: tributary account add"))
		return nil
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{lang.L("ACCOUNT"), lang.L("IDENTITY"), lang.L("REPLY-TO"), lang.L("OPTIONS")}, "\t"))
	for _, id := range ids {
		var opts string
		if id.Primary() {
			opts += lang.L("own") + " "
		}
		if id.BccSelf {
			opts += "bcc-self "
		}
		if id.PlainTextOnly {
			opts += "plain-text "
		}
		if id.Signature != "" {
			opts += lang.L("signature")
		}
		who := core.Identity{DisplayName: id.DisplayName, Email: id.Email}.Label()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cell(id.Account, 0), cell(who, 60), cell(id.ReplyTo, 40), opts)
	}
	return tw.Flush()
}

package rules

import (
	"errors"
	"fmt"
	"io"

	"github.com/BurntSushi/toml"
)

// file is the exported form of a list of rules: TOML, one [[rule]] table
// per rule, in order, so that people can keep their rules in their
// dotfiles and read them:
//
//	[[rule]]
//	name = "Announcements"
//	match = "header:List-Id:announce.example.org"
//	actions = ["move=Lists", "read", "stop"]
type file struct {
	Rule []fileRule `toml:"rule"`
}

type fileRule struct {
	Name    string   `toml:"name"`
	Match   string   `toml:"match"`
	Actions []string `toml:"actions"`
}

// Export writes rules as TOML, in their order.
func Export(w io.Writer, rs []Rule) error {
	var f file
	for _, r := range rs {
		fr := fileRule{Name: r.Name, Match: r.Match, Actions: []string{}}
		for _, a := range r.Actions {
			fr.Actions = append(fr.Actions, a.String())
		}
		f.Rule = append(f.Rule, fr)
	}
	if err := toml.NewEncoder(w).Encode(f); err != nil {
		return fmt.Errorf("rules: write: %w", err)
	}
	return nil
}

// Import reads rules written by Export (or by hand), in the file's order,
// and validates every one: a file with one malformed rule is refused
// whole, with that rule's name and the reason.
func Import(r io.Reader) ([]Rule, error) {
	var f file
	md, err := toml.NewDecoder(r).Decode(&f)
	if err != nil {
		return nil, fmt.Errorf("rules: read: %w", err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("rules: read: unknown key %q (known are name, match and actions under [[rule]]): %w", und[0].String(), ErrInvalid)
	}
	var out []Rule
	seen := map[string]bool{}
	for i, fr := range f.Rule {
		rule := Rule{Name: fr.Name, Match: fr.Match, Position: i}
		for _, s := range fr.Actions {
			a, err := ParseAction(s)
			if err != nil {
				var re *Error
				if errors.As(err, &re) {
					re.Rule = fr.Name
				}
				return nil, err
			}
			rule.Actions = append(rule.Actions, a)
		}
		if err := rule.Validate(); err != nil {
			return nil, err
		}
		if seen[fr.Name] {
			return nil, &Error{Rule: fr.Name, Field: "name", Err: errors.New("two rules have this name")}
		}
		seen[fr.Name] = true
		out = append(out, rule)
	}
	return out, nil
}

// Package rules is what Tributary does to mail as it arrives: a rule is a
// query in the search language (core/query) and a list of actions. The
// store applies the rules of a newly stored message in the transaction
// that stores it; this package only says what a rule is, checks it, and
// works out what a list of rules does to one message (Evaluate), so the
// same decision serves arrival and "run now".
package rules

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tributary-mail/tributary/core/query"
)

// ActionKind is what an action does.
type ActionKind string

// The actions. Move and Copy name a folder of the message's account,
// created when missing; Delete moves to the account's Trash; Stop ends
// the processing of the rules after this one.
const (
	Move   ActionKind = "move"
	Copy   ActionKind = "copy"
	Read   ActionKind = "read"
	Flag   ActionKind = "flag"
	Delete ActionKind = "delete"
	Stop   ActionKind = "stop"
)

// Action is one thing a rule does.
type Action struct {
	Kind   ActionKind
	Folder string // for Move and Copy
}

// String writes the action as ParseAction reads it: "move=Lists", "read".
func (a Action) String() string {
	if a.Kind == Move || a.Kind == Copy {
		return string(a.Kind) + "=" + a.Folder
	}
	return string(a.Kind)
}

// ErrInvalid is wrapped by every error about a malformed rule.
var ErrInvalid = errors.New("rules: invalid rule")

// Error says what is wrong with a rule, in words for the user. Err wraps
// the query's *query.SyntaxError when the match is malformed.
type Error struct {
	Rule  string // the rule's name, when known
	Field string // "name", "match" or "action"
	Err   error
}

func (e *Error) Error() string {
	where := e.Field
	if e.Rule != "" {
		where = fmt.Sprintf("rule %q, %s", e.Rule, e.Field)
	}
	return fmt.Sprintf("%s: %v", where, e.Err)
}

// Unwrap gives the reason and ErrInvalid, for errors.Is and errors.As.
func (e *Error) Unwrap() []error { return []error{ErrInvalid, e.Err} }

// ParseAction reads an action as typed after --action: move=FOLDER,
// copy=FOLDER, read, flag, delete or stop.
func ParseAction(s string) (Action, error) {
	kind, folder, hasFolder := strings.Cut(strings.TrimSpace(s), "=")
	a := Action{Kind: ActionKind(strings.ToLower(strings.TrimSpace(kind))), Folder: strings.TrimSpace(folder)}
	switch a.Kind {
	case Move, Copy:
		if a.Folder == "" {
			return Action{}, &Error{Field: "action", Err: fmt.Errorf("%s needs a folder, as in %s=Lists", a.Kind, a.Kind)}
		}
		return a, nil
	case Read, Flag, Delete, Stop:
		if hasFolder {
			return Action{}, &Error{Field: "action", Err: fmt.Errorf("%s takes no folder, found %q", a.Kind, s)}
		}
		return a, nil
	}
	return Action{}, &Error{Field: "action", Err: fmt.Errorf("unknown action %q; known are move=FOLDER, copy=FOLDER, read, flag, delete and stop", s)}
}

// Rule is a query and what to do with the messages it matches. Rules run
// in the user's order (Position, lowest first).
type Rule struct {
	ID       int64
	Name     string
	Match    string // a query in the search language
	Actions  []Action
	Position int
}

// Validate checks a rule before it is saved, so that a malformed rule is
// refused then, never at arrival. A malformed query is refused with the
// query package's own words (the error wraps the *query.SyntaxError).
func (r Rule) Validate() error {
	if strings.TrimSpace(r.Name) == "" {
		return &Error{Field: "name", Err: errors.New("a rule needs a name")}
	}
	q, err := query.Parse(r.Match)
	if err != nil {
		return &Error{Rule: r.Name, Field: "match", Err: err}
	}
	if len(q.Terms) == 0 {
		return &Error{Rule: r.Name, Field: "match", Err: errors.New("a rule needs a query; it would match every message")}
	}
	if len(r.Actions) == 0 {
		return &Error{Rule: r.Name, Field: "action", Err: errors.New("a rule needs at least one action")}
	}
	for _, a := range r.Actions {
		if _, err := ParseAction(a.String()); err != nil {
			var re *Error
			if errors.As(err, &re) {
				re.Rule = r.Name
			}
			return err
		}
	}
	return nil
}

// Outcome is what a list of rules does to one message.
type Outcome struct {
	Matched []string // the names of the rules that matched, in order
	Move    string   // the folder to file it in; "" to leave it
	Copies  []string // folders that get a copy
	Read    bool
	Flag    bool
	Delete  bool // to the Trash; wins over Move
}

// Changed reports whether the outcome does anything.
func (o Outcome) Changed() bool {
	return o.Move != "" || len(o.Copies) > 0 || o.Read || o.Flag || o.Delete
}

// Quiet reports whether new mail with this outcome is announced no more:
// it was filed away, deleted or marked read.
func (o Outcome) Quiet() bool { return o.Move != "" || o.Delete || o.Read }

// Evaluate runs rules, in order, over one message: matches reports
// whether a rule's query holds for it. Actions add up over the rules that
// match; the first move decides where the message goes (a later rule's
// move is ignored: use copy to file it twice), delete wins over move, and
// stop ends the processing after the rule that has it.
func Evaluate(rs []Rule, matches func(Rule) (bool, error)) (Outcome, error) {
	var o Outcome
	for _, r := range rs {
		ok, err := matches(r)
		if err != nil {
			return o, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		if !ok {
			continue
		}
		o.Matched = append(o.Matched, r.Name)
		stop := false
		for _, a := range r.Actions {
			switch a.Kind {
			case Move:
				if o.Move == "" {
					o.Move = a.Folder
				}
			case Copy:
				if !containsFold(o.Copies, a.Folder) {
					o.Copies = append(o.Copies, a.Folder)
				}
			case Read:
				o.Read = true
			case Flag:
				o.Flag = true
			case Delete:
				o.Delete = true
			case Stop:
				stop = true
			}
		}
		if stop {
			break
		}
	}
	return o, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Run is what running one rule over stored mail did.
type Run struct {
	Matched int     // messages the rule's query matched
	Sources []int64 // IMAP sources with journalled changes to replay
}

package core

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/tributary-mail/tributary/core/termsafe"
)

// AddressError says in words what is wrong with an address a person typed,
// instead of net/mail's parser terms ("no angle-addr", "expected single
// address").
type AddressError struct {
	Input  string // the part that is not an address
	Reason string // "it has more than one @", ...
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("%s is not a valid address: %s; write it like name@example.com",
		termsafe.Cut(termsafe.Line(e.Input), 80), e.Reason)
}

// ParseAddressList reads a comma-separated list of addresses, as typed in
// To and Cc or given to the CLI. Empty is no addresses. A list that does
// not parse is split at the commas outside quotes and angle brackets, and
// the first part that is not an address is named in an *AddressError.
func ParseAddressList(s string) ([]*mail.Address, error) {
	s = strings.TrimRight(strings.TrimSpace(s), ", \t")
	if s == "" {
		return nil, nil
	}
	list, err := mail.ParseAddressList(s)
	if err == nil {
		return list, nil
	}
	for _, part := range splitAddresses(s) {
		if part = strings.TrimSpace(part); part == "" {
			return nil, &AddressError{Input: s, Reason: "two commas with no address between them"}
		}
		if _, perr := mail.ParseAddress(part); perr != nil {
			return nil, &AddressError{Input: part, Reason: addressProblem(part)}
		}
	}
	return nil, &AddressError{Input: s, Reason: "separate addresses with commas"}
}

// splitAddresses splits s at the commas that separate addresses: not those
// inside a quoted display name ("Doe, Ann" <ann@example.com>) or brackets.
func splitAddresses(s string) []string {
	var parts []string
	quoted, angle, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			angle = true
		case c == '>' && !quoted:
			angle = false
		case c == ',' && !quoted && !angle:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// addressProblem names what is wrong with one address that does not
// parse, looking at the address itself (inside <...> when there are
// brackets).
func addressProblem(part string) string {
	addr := part
	if i := strings.LastIndexByte(part, '<'); i >= 0 {
		j := strings.IndexByte(part[i:], '>')
		if j < 0 {
			return "the < has no closing >"
		}
		addr = part[i+1 : i+j]
	}
	addr = strings.TrimSpace(addr)
	local, domain, found := strings.Cut(addr, "@")
	switch {
	case strings.Count(part, `"`)%2 == 1:
		return "a quotation mark is not closed"
	case !found:
		return "it has no @"
	case strings.Contains(domain, "@"):
		return "it has more than one @"
	case local == "":
		return "nothing comes before the @"
	case domain == "":
		return "nothing comes after the @"
	case strings.ContainsAny(addr, " \t"):
		return "it contains a space"
	case strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, ".."):
		return "the part after the @ has a misplaced dot"
	case strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, ".."):
		return "the part before the @ has a misplaced dot"
	}
	return "it contains characters an address cannot have"
}

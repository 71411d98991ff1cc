package core

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // the addresses, when it parses
		says     string   // the error, when it does not
	}{
		{"empty", "  ", nil, ""},
		{"one", "ann@example.com", []string{"ann@example.com"}, ""},
		{"a completion's trailing comma", "ann@example.com, ", []string{"ann@example.com"}, ""},
		{"comma in a quoted name", `"Doe, Ann" <ann@example.com>, bob@example.com`, []string{"ann@example.com", "bob@example.com"}, ""},
		{"two @", "alice@@example", nil, "alice@@example is not a valid address: it has more than one @"},
		{"no @", "bob@example.com, carol", nil, "carol is not a valid address: it has no @"},
		{"nothing before", "@example.com", nil, "nothing comes before the @"},
		{"nothing after", "ann@", nil, "nothing comes after the @"},
		{"space", "ann smith@example.com", nil, "it contains a space"},
		{"double dot", "ann@example..com", nil, "misplaced dot"},
		{"unclosed bracket", "Ann <ann@example.com", nil, "the < has no closing >"},
		{"escape in the input", "\x1b[2Jx", nil, "is not a valid address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := ParseAddressList(tc.in)
			if tc.says != "" {
				var ae *AddressError
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), "mail:") || strings.ContainsRune(err.Error(), 0x1b) {
					t.Fatalf("ParseAddressList(%q) = %v, want an AddressError saying %q", tc.in, err, tc.says)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAddressList(%q) = %v", tc.in, err)
			}
			var got []string
			for _, a := range list {
				got = append(got, a.Address)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("ParseAddressList(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

package storage

import (
	"context"
	"net/mail"
	"strings"
)

// addressScan bounds how many messages KnownAddresses reads: the newest
// few thousand hold the people someone writes to, and the query stays
// quick however large the store grows.
const addressScan = 20000

// KnownAddresses returns up to limit distinct addresses from stored mail,
// the most recently seen first, for completing addresses as the user
// types: the senders of messages and their recipients (which, for the
// Sent folder, are the people the user wrote to). Addresses compare
// without regard to case; the first name seen with one is kept.
func (db *DB) KnownAddresses(ctx context.Context, limit int) ([]*mail.Address, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT from_name, from_addr, to_addrs FROM messages WHERE deleted = 0 ORDER BY date DESC, id DESC LIMIT ?`, addressScan)
	if err != nil {
		return nil, fail("known addresses", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []*mail.Address
	add := func(name, addr string) {
		addr = strings.TrimSpace(addr)
		key := strings.ToLower(addr)
		if len(out) >= limit || seen[key] || !plausibleAddress(addr) {
			return
		}
		seen[key] = true
		out = append(out, &mail.Address{Name: strings.TrimSpace(name), Address: addr})
	}
	for rows.Next() && len(out) < limit {
		var name, addr, to string
		if err := rows.Scan(&name, &addr, &to); err != nil {
			return nil, err
		}
		add(name, addr)
		for _, a := range splitStoredAddresses(to) {
			add(a.Name, a.Address)
		}
	}
	return out, rows.Err()
}

// splitStoredAddresses reads a to_addrs column back. core.DisplayAddresses wrote
// it for display, as "Name <addr>" or "addr" joined with ", " and with
// names unquoted, so a name holding ", " splits in two; the piece without
// an address is dropped and the address keeps the rest of its name.
func splitStoredAddresses(s string) []*mail.Address {
	var out []*mail.Address
	for piece := range strings.SplitSeq(s, ", ") {
		piece = strings.TrimSpace(piece)
		if lt := strings.LastIndexByte(piece, '<'); lt >= 0 && strings.HasSuffix(piece, ">") {
			out = append(out, &mail.Address{Name: strings.TrimSpace(piece[:lt]), Address: piece[lt+1 : len(piece)-1]})
		} else if piece != "" {
			out = append(out, &mail.Address{Address: piece})
		}
	}
	return out
}

// plausibleAddress rejects what lenient parsing kept of a broken header:
// an address has one @ with something on both sides, and no spaces.
func plausibleAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	return at > 0 && at < len(a)-1 && !strings.ContainsAny(a, " \t\r\n<>,\"")
}

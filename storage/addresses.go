package storage

import (
	"cmp"
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// addressScan bounds how many messages the address book reads for
// collecting and ranking: the newest few thousand hold the people someone
// writes to, and the query stays quick however large the store grows.
const addressScan = 20000

// KnownAddresses returns up to limit addresses for completing as the
// user types, best ranked first (core.ContactWeight: how often and how
// recently one wrote to them, sent mail weighing more than received):
// every address of the saved contacts, with the contact's name, and the
// addresses collected from mail that no contact holds or deleted.
// Addresses compare without regard to case.
func (db *DB) KnownAddresses(ctx context.Context, limit int) ([]*mail.Address, error) {
	return db.knownAddressesAt(ctx, limit, time.Now())
}

func (db *DB) knownAddressesAt(ctx context.Context, limit int, now time.Time) ([]*mail.Address, error) {
	stats, err := db.addressStats(ctx, now)
	if err != nil {
		return nil, err
	}
	saved, err := savedContacts(ctx, db.sql)
	if err != nil {
		return nil, err
	}
	type ranked struct {
		a     *mail.Address
		score float64
		last  time.Time
	}
	var list []ranked
	claimed := map[string]bool{}
	for _, s := range saved {
		for _, e := range s.Emails {
			key := strings.ToLower(e)
			claimed[key] = true
			if s.deleted {
				continue
			}
			r := ranked{a: &mail.Address{Name: s.Name, Address: e}}
			if st := stats[key]; st != nil {
				r.score, r.last = st.score, st.last
				if r.a.Name == "" {
					r.a.Name = st.name
				}
			}
			list = append(list, r)
		}
	}
	for key, st := range stats {
		if !claimed[key] && st.collectable() {
			list = append(list, ranked{a: &mail.Address{Name: st.name, Address: st.addr}, score: st.score, last: st.last})
		}
	}
	slices.SortFunc(list, func(x, y ranked) int {
		return cmp.Or(cmp.Compare(y.score, x.score), y.last.Compare(x.last), strings.Compare(strings.ToLower(x.a.Address), strings.ToLower(y.a.Address)))
	})
	out := make([]*mail.Address, 0, min(limit, len(list)))
	for _, r := range list[:min(limit, len(list))] {
		out = append(out, r.a)
	}
	return out, nil
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

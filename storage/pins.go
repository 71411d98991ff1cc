package storage

import (
	"context"
)

// Pin trusts a certificate fingerprint for one server (host:port).
func (db *DB) Pin(ctx context.Context, server, fingerprint string) error {
	_, err := db.w.ExecContext(ctx, `INSERT OR IGNORE INTO pins (server, fingerprint) VALUES (?, ?)`, server, fingerprint)
	if err != nil {
		return fail("pin certificate", err)
	}
	return nil
}

// Pins returns every pinned fingerprint keyed by server.
func (db *DB) Pins(ctx context.Context) (map[string][]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT server, fingerprint FROM pins`)
	if err != nil {
		return nil, fail("read pins", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var s, fp string
		if err := rows.Scan(&s, &fp); err != nil {
			return nil, err
		}
		out[s] = append(out[s], fp)
	}
	return out, rows.Err()
}

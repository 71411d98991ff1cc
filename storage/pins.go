package storage

import (
	"context"
	"fmt"
)

// Pin trusts a certificate fingerprint for one server (host:port).
func (db *DB) Pin(ctx context.Context, server, fingerprint string) error {
	_, err := db.sql.ExecContext(ctx, `INSERT OR IGNORE INTO pins (server, fingerprint) VALUES (?, ?)`, server, fingerprint)
	if err != nil {
		return fmt.Errorf("storage: pin certificate: %w", err)
	}
	return nil
}

// Pins returns every pinned fingerprint keyed by server.
func (db *DB) Pins(ctx context.Context) (map[string][]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT server, fingerprint FROM pins`)
	if err != nil {
		return nil, fmt.Errorf("storage: read pins: %w", err)
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

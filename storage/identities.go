package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tributary-mail/tributary/core"
)

// ErrDuplicateIdentity is returned when an account already sends as an
// address.
var ErrDuplicateIdentity = errors.New("the account already has an identity with this address")

// ErrPrimaryIdentity is returned on removing an account's own identity,
// which goes only with the account.
var ErrPrimaryIdentity = errors.New("an account's own identity cannot be removed; remove the account instead")

const identityColumns = `id, account_id, position, display_name, email, reply_to, bcc_self, signature, plain_text_only`

// Identities returns the identities of every account: accounts in the
// order of Accounts, each with its own identity first.
func (db *DB) Identities(ctx context.Context) ([]core.Identity, error) {
	accounts, err := db.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.readIdentities(ctx, `1=1`)
	if err != nil {
		return nil, err
	}
	var out []core.Identity
	for _, a := range accounts {
		out = append(out, withPrimary(a, rows)...)
	}
	return out, nil
}

// AccountIdentities returns the identities of account id, its own first.
func (db *DB) AccountIdentities(ctx context.Context, accountID int64) ([]core.Identity, error) {
	a, err := db.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	rows, err := db.readIdentities(ctx, `account_id = ?`, accountID)
	if err != nil {
		return nil, err
	}
	return withPrimary(a, rows), nil
}

// withPrimary is account a's identities among rows: the first derived
// from the account, with the settings of its row when it has one.
func withPrimary(a core.Account, rows []core.Identity) []core.Identity {
	out := []core.Identity{core.PrimaryIdentity(a)}
	for _, id := range rows {
		if id.AccountID != a.ID {
			continue
		}
		id.Account = a.Name
		if id.Primary() {
			id.DisplayName, id.Email = a.DisplayName, a.Email
			out[0] = id
			continue
		}
		out = append(out, id)
	}
	return out
}

func (db *DB) readIdentities(ctx context.Context, where string, args ...any) ([]core.Identity, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+identityColumns+` FROM identities WHERE `+where+` ORDER BY account_id, position`, args...)
	if err != nil {
		return nil, fail("list identities", err)
	}
	defer rows.Close()
	var out []core.Identity
	for rows.Next() {
		var id core.Identity
		if err := rows.Scan(&id.ID, &id.AccountID, &id.Position, &id.DisplayName, &id.Email, &id.ReplyTo, &id.BccSelf, &id.Signature, &id.PlainTextOnly); err != nil {
			return nil, fail("read identity", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("list identities", err)
	}
	return out, nil
}

// AddIdentity stores a new alias of account id.AccountID after its other
// identities, and sets id's ID and Position. An address the account
// already sends as (its own included) is refused with
// ErrDuplicateIdentity.
func (db *DB) AddIdentity(ctx context.Context, id *core.Identity) error {
	saved := *id
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var own string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM accounts WHERE id = ?`, saved.AccountID).Scan(&own); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("no account %d: %w", saved.AccountID, ErrNotFound)
			}
			return fail("add identity", err)
		}
		if strings.EqualFold(own, saved.Email) {
			return fmt.Errorf("%s: %w", saved.Email, ErrDuplicateIdentity)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM identities WHERE account_id = ?`, saved.AccountID).Scan(&saved.Position); err != nil {
			return fail("add identity", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO identities (account_id, position, display_name, email, reply_to, bcc_self, signature, plain_text_only) VALUES (?,?,?,?,?,?,?,?)`,
			saved.AccountID, saved.Position, saved.DisplayName, saved.Email, saved.ReplyTo, saved.BccSelf, saved.Signature, saved.PlainTextOnly)
		if isUniqueViolation(err) {
			return fmt.Errorf("%s: %w", saved.Email, ErrDuplicateIdentity)
		}
		if err != nil {
			return fail("add identity", err)
		}
		saved.ID, err = res.LastInsertId()
		return err
	})
	if err == nil {
		*id = saved
	}
	return err
}

// UpdateIdentity stores the edit of identity id, found by its account
// and position. For the account's own identity (position 0) only the
// settings are kept: its name and address are the account's.
func (db *DB) UpdateIdentity(ctx context.Context, id *core.Identity) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		if id.Primary() {
			res, err := tx.ExecContext(ctx, `INSERT INTO identities (account_id, position, reply_to, bcc_self, signature, plain_text_only)
SELECT id, 0, ?, ?, ?, ? FROM accounts WHERE id = ?
ON CONFLICT (account_id, position) DO UPDATE SET reply_to = excluded.reply_to, bcc_self = excluded.bcc_self, signature = excluded.signature, plain_text_only = excluded.plain_text_only`,
				id.ReplyTo, id.BccSelf, id.Signature, id.PlainTextOnly, id.AccountID)
			if err := checkAffected(res, err, "save identity"); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT id FROM identities WHERE account_id = ? AND position = 0`, id.AccountID).Scan(&id.ID)
		}
		var own string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM accounts WHERE id = ?`, id.AccountID).Scan(&own); err == nil && strings.EqualFold(own, id.Email) {
			return fmt.Errorf("%s: %w", id.Email, ErrDuplicateIdentity)
		}
		res, err := tx.ExecContext(ctx, `UPDATE identities SET display_name = ?, email = ?, reply_to = ?, bcc_self = ?, signature = ?, plain_text_only = ? WHERE account_id = ? AND position = ?`,
			id.DisplayName, id.Email, id.ReplyTo, id.BccSelf, id.Signature, id.PlainTextOnly, id.AccountID, id.Position)
		if isUniqueViolation(err) {
			return fmt.Errorf("%s: %w", id.Email, ErrDuplicateIdentity)
		}
		if err := checkAffected(res, err, "save identity"); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT id FROM identities WHERE account_id = ? AND position = ?`, id.AccountID, id.Position).Scan(&id.ID)
	})
}

// RemoveIdentity removes an alias of account accountID by its address.
// The account's own identity is refused with ErrPrimaryIdentity.
func (db *DB) RemoveIdentity(ctx context.Context, accountID int64, email string) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		var own string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM accounts WHERE id = ?`, accountID).Scan(&own); err == nil && strings.EqualFold(own, email) {
			return ErrPrimaryIdentity
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM identities WHERE account_id = ? AND email = ? AND position > 0`, accountID, email)
		if err := checkAffected(res, err, "remove identity"); err != nil {
			return fmt.Errorf("no identity %s: %w", email, err)
		}
		return nil
	})
}

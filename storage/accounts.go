package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// ErrDuplicateName is returned when an account name is already taken.
var ErrDuplicateName = errors.New("an account with this name already exists")

// CreateAccount stores a new account with its sources, and creates its
// Inbox and Sent folders. It sets the IDs on a.
func (db *DB) CreateAccount(ctx context.Context, a *core.Account) error {
	a.ID = 0
	return db.SaveAccount(ctx, a, nil)
}

// SaveAccount stores a new account (ID 0) or the edit of one, with its
// sources, in one transaction: sources without an ID are added, the others
// updated, and the account's sources missing from a are removed with their
// sync state. beforeCommit, when not nil, runs last inside the
// transaction with the IDs set (to store the passwords that go with
// them); its error takes everything back.
func (db *DB) SaveAccount(ctx context.Context, a *core.Account, beforeCommit func(core.Account) error) error {
	saved := *a
	saved.Sources = append([]core.Source(nil), a.Sources...)
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		if err := saveAccountRow(ctx, tx, &saved); err != nil {
			return err
		}
		keep := []any{saved.ID}
		for i := range saved.Sources {
			s := &saved.Sources[i]
			s.AccountID = saved.ID
			if s.ID == 0 {
				if err := insertSource(ctx, tx, s); err != nil {
					return err
				}
			} else if err := updateSource(ctx, tx, s); err != nil {
				return err
			}
			keep = append(keep, s.ID)
		}
		marks := strings.TrimSuffix(strings.Repeat("?,", len(keep)-1), ",")
		if marks == "" {
			marks = "NULL"
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE account_id = ? AND id NOT IN (`+marks+`)`, keep...); err != nil {
			return fail("remove sources", err)
		}
		if beforeCommit != nil {
			return beforeCommit(saved)
		}
		return nil
	})
	if err == nil {
		*a = saved
	}
	return err
}

func saveAccountRow(ctx context.Context, tx *sql.Tx, a *core.Account) error {
	var err error
	if a.ID == 0 {
		var res sql.Result
		res, err = tx.ExecContext(ctx, `INSERT INTO accounts (name, display_name, email, smtp_host, smtp_port, smtp_username, smtp_encryption, smtp_auth, password_store, auth_method, oauth_provider, oauth_issuer, oauth_client_id, oauth_scopes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			a.Name, a.DisplayName, a.Email, a.SMTP.Host, a.SMTP.Port, a.SMTP.Username, a.SMTP.Encryption, a.SMTP.Auth, a.PasswordStore, authMethod(a.Auth), a.OAuth.Provider, a.OAuth.Issuer, a.OAuth.ClientID, strings.Join(a.OAuth.Scopes, " "))
		if err == nil {
			if a.ID, err = res.LastInsertId(); err != nil {
				return fail("create account", err)
			}
			for _, f := range []struct{ name, role string }{{core.DefaultFolder, core.RoleInbox}, {"Sent", core.RoleSent}} {
				if _, err := ensureFolder(ctx, tx, a.ID, f.name, f.role); err != nil {
					return err
				}
			}
			return nil
		}
	} else {
		var res sql.Result
		res, err = tx.ExecContext(ctx, `UPDATE accounts SET name=?, display_name=?, email=?, smtp_host=?, smtp_port=?, smtp_username=?, smtp_encryption=?, smtp_auth=?, password_store=?, auth_method=?, oauth_provider=?, oauth_issuer=?, oauth_client_id=?, oauth_scopes=? WHERE id=?`,
			a.Name, a.DisplayName, a.Email, a.SMTP.Host, a.SMTP.Port, a.SMTP.Username, a.SMTP.Encryption, a.SMTP.Auth, a.PasswordStore, authMethod(a.Auth), a.OAuth.Provider, a.OAuth.Issuer, a.OAuth.ClientID, strings.Join(a.OAuth.Scopes, " "), a.ID)
		if err == nil {
			return checkAffected(res, nil, "update account")
		}
	}
	if isUniqueViolation(err) {
		return core.ValidationError{{Field: "name", Label: "Account name", Problem: fmt.Sprintf("%q: %v", a.Name, ErrDuplicateName)}}
	}
	return fail("save account", err)
}

// AddSource adds a retrieval source to an existing account.
func (db *DB) AddSource(ctx context.Context, s *core.Source) error {
	return db.withTx(ctx, func(tx *sql.Tx) error { return insertSource(ctx, tx, s) })
}

// UpdateSource saves a source's settings. Its sync state is kept.
func (db *DB) UpdateSource(ctx context.Context, s *core.Source) error {
	return db.withTx(ctx, func(tx *sql.Tx) error { return updateSource(ctx, tx, s) })
}

func updateSource(ctx context.Context, tx *sql.Tx, s *core.Source) error {
	folders, _ := json.Marshal(nonNil(s.IMAPFolders))
	res, err := tx.ExecContext(ctx, `UPDATE sources SET protocol=?, host=?, port=?, username=?, encryption=?, method=?, interval_seconds=?, folder=?, leave_on_server=?, delete_after_days=?, imap_folders=? WHERE id=? AND account_id=?`,
		s.Protocol, s.Host, s.Port, s.Username, s.Encryption, s.Method, int64(s.Interval/time.Second), s.Folder, s.LeaveOnServer, s.DeleteAfterDays, string(folders), s.ID, s.AccountID)
	return checkAffected(res, err, "update source")
}

// RemoveSource deletes a source and its sync state; the mail it retrieved stays.
func (db *DB) RemoveSource(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM sources WHERE id=?`, id)
	return checkAffected(res, err, "remove source")
}

func insertSource(ctx context.Context, tx *sql.Tx, s *core.Source) error {
	folders, _ := json.Marshal(nonNil(s.IMAPFolders))
	res, err := tx.ExecContext(ctx, `INSERT INTO sources (account_id, protocol, host, port, username, encryption, method, interval_seconds, folder, leave_on_server, delete_after_days, imap_folders) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		s.AccountID, s.Protocol, s.Host, s.Port, s.Username, s.Encryption, s.Method, int64(s.Interval/time.Second), s.Folder, s.LeaveOnServer, s.DeleteAfterDays, string(folders))
	if err != nil {
		return fail("add source", err)
	}
	s.ID, err = res.LastInsertId()
	return err
}

// RemoveAccount deletes an account, its sources, folders, messages and
// outbox, and then the message files nothing else refers to.
func (db *DB) RemoveAccount(ctx context.Context, id int64) error {
	var hashes []string
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT blob FROM messages WHERE account_id=? UNION SELECT blob FROM outbox WHERE account_id=?`, id, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return err
			}
			hashes = append(hashes, h)
		}
		rows.Close()
		if _, err := tx.ExecContext(ctx, `DELETE FROM messages_fts WHERE rowid IN (SELECT id FROM messages WHERE account_id=?)`, id); err != nil {
			return err
		}
		// The account's certificate pins go with it, unless another
		// account still uses the same server.
		if _, err := tx.ExecContext(ctx, `DELETE FROM pins WHERE server IN (`+accountServers+`) AND server NOT IN (`+otherServers+`)`, id, id, id, id); err != nil {
			return fail("remove pins", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE id=?`, id)
		if err := checkAffected(res, err, "remove account"); err != nil {
			return err
		}
		// A copy of this account's mail in another account's inbox shows
		// in the unified inbox now.
		for _, h := range hashes {
			if err := settleTwins(ctx, tx, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return db.removeUnreferencedBlobs(ctx, hashes)
}

// The host:port of every server of account ?, and of every other
// account's (the second ? again), as pins name them.
const (
	accountServers = `SELECT smtp_host || ':' || smtp_port FROM accounts WHERE id = ? UNION SELECT host || ':' || port FROM sources WHERE account_id = ?`
	otherServers   = `SELECT smtp_host || ':' || smtp_port FROM accounts WHERE id != ? UNION SELECT host || ':' || port FROM sources WHERE account_id != ?`
)

const accountColumns = `id, name, display_name, email, smtp_host, smtp_port, smtp_username, smtp_encryption, smtp_auth, password_store, auth_method, oauth_provider, oauth_issuer, oauth_client_id, oauth_scopes`

// authMethod stores an empty method as what it means, so the CHECK
// constraint sees only the two names.
func authMethod(m core.AuthMethod) core.AuthMethod {
	if m == "" {
		return core.AuthPassword
	}
	return m
}

// Accounts returns every account with its sources, ordered by name.
func (db *DB) Accounts(ctx context.Context) ([]core.Account, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY name`)
	if err != nil {
		return nil, fail("list accounts", err)
	}
	var accounts []core.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		accounts = append(accounts, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sources, err := db.sources(ctx, `1=1`)
	if err != nil {
		return nil, err
	}
	for i := range accounts {
		for _, s := range sources {
			if s.AccountID == accounts[i].ID {
				accounts[i].Sources = append(accounts[i].Sources, s)
			}
		}
	}
	return accounts, nil
}

// AccountByName finds an account by its name, ignoring case.
func (db *DB) AccountByName(ctx context.Context, name string) (core.Account, error) {
	return db.account(ctx, `name = ?`, name)
}

// Account finds an account by ID.
func (db *DB) Account(ctx context.Context, id int64) (core.Account, error) {
	return db.account(ctx, `id = ?`, id)
}

func (db *DB) account(ctx context.Context, where string, arg any) (core.Account, error) {
	a, err := scanAccount(db.sql.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("no account %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return a, err
	}
	a.Sources, err = db.sources(ctx, `account_id = ?`, a.ID)
	return a, err
}

type scanner interface{ Scan(...any) error }

func scanAccount(r scanner) (core.Account, error) {
	var a core.Account
	var scopes string
	err := r.Scan(&a.ID, &a.Name, &a.DisplayName, &a.Email, &a.SMTP.Host, &a.SMTP.Port, &a.SMTP.Username, &a.SMTP.Encryption, &a.SMTP.Auth, &a.PasswordStore,
		&a.Auth, &a.OAuth.Provider, &a.OAuth.Issuer, &a.OAuth.ClientID, &scopes)
	if scopes != "" {
		a.OAuth.Scopes = strings.Fields(scopes)
	}
	return a, err
}

// Source finds a source by ID.
func (db *DB) Source(ctx context.Context, id int64) (core.Source, error) {
	s, err := db.sources(ctx, `id = ?`, id)
	if err != nil {
		return core.Source{}, err
	}
	if len(s) == 0 {
		return core.Source{}, fmt.Errorf("no source %d: %w", id, ErrNotFound)
	}
	return s[0], nil
}

func (db *DB) sources(ctx context.Context, where string, args ...any) ([]core.Source, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, account_id, protocol, host, port, username, encryption, method, interval_seconds, folder, leave_on_server, delete_after_days, imap_folders FROM sources WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fail("list sources", err)
	}
	defer rows.Close()
	var out []core.Source
	for rows.Next() {
		var s core.Source
		var secs int64
		var folders string
		if err := rows.Scan(&s.ID, &s.AccountID, &s.Protocol, &s.Host, &s.Port, &s.Username, &s.Encryption, &s.Method, &secs, &s.Folder, &s.LeaveOnServer, &s.DeleteAfterDays, &folders); err != nil {
			return nil, err
		}
		s.Interval = time.Duration(secs) * time.Second
		if err := json.Unmarshal([]byte(folders), &s.IMAPFolders); err != nil {
			return nil, fail(fmt.Sprintf("source %d folders", s.ID), err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func checkAffected(res sql.Result, err error, op string) error {
	if err != nil {
		return fail(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("storage: %s: %w", op, ErrNotFound)
	}
	return nil
}

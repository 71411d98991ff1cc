package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailto"
)

// SocketFile is the control socket's name in the data directory.
const SocketFile = "control.sock"

// SocketPath is where the engine of dataDir listens.
func SocketPath(dataDir string) string { return filepath.Join(dataDir, SocketFile) }

// ErrNotRunning means no engine answers on the data directory's socket.
var ErrNotRunning = errors.New("control: no running Tributary answers on this data directory")

// requestTimeout bounds reading a request, so a client that connects and
// says nothing does not hold a goroutine.
const requestTimeout = 30 * time.Second

// The wire format: one JSON request per connection, answered by exactly
// one JSON response, then the connection closes.
type request struct {
	Op   string          `json:"op"`
	Args json.RawMessage `json:"args,omitempty"`
}

type response struct {
	Error  string          `json:"error,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

// Arguments of the requests that take more than one value.
type (
	idsArgs struct {
		IDs    []int64 `json:"ids"`
		Mark   Mark    `json:"mark,omitzero"`
		Folder string  `json:"folder,omitempty"`
	}
	idArgs struct {
		ID     int64 `json:"id"`
		AsSent bool  `json:"as_sent,omitempty"`
	}
	accountArgs struct {
		Account string `json:"account,omitempty"`
	}
)

// Server serves Ops on a data directory's control socket.
type Server struct {
	ln   net.Listener
	ops  Ops
	log  *slog.Logger
	wg   sync.WaitGroup
	once sync.Once
}

// Listen starts listening on dataDir's control socket, readable and
// writable by the user only. The caller must hold the data directory's
// engine lock: a socket file left by a process that died is then known to
// be stale, and removed.
func Listen(dataDir string, ops Ops) (*Server, error) {
	path := SocketPath(dataDir)
	if _, err := os.Lstat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("control: another Tributary already answers on %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("control: remove stale socket: %w", err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control: listen: %w", err)
	}
	// The data directory is 0700, so nobody else can reach the socket in
	// the moment before this.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control: restrict socket: %w", err)
	}
	return &Server{ln: ln, ops: ops, log: slog.Default()}, nil
}

// Serve answers requests until ctx is done or Close is called. Each
// request runs under ctx, not under its client's connection: a command
// whose client went away (Ctrl+C) still finishes and records its outcome.
func (s *Server) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			s.wg.Wait()
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("control: accept: %w", err)
		}
		s.wg.Go(func() { s.serveConn(ctx, conn) })
	}
}

// Close stops listening and removes the socket file.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() { err = s.ln.Close() })
	return err
}

func (s *Server) serveConn(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	var req request
	conn.SetReadDeadline(time.Now().Add(requestTimeout))
	if err := json.NewDecoder(conn).Decode(&req); err != nil {
		if errors.Is(err, io.EOF) {
			return // Dial checking that someone answers: no request, no reply
		}
		s.log.Warn("control: unreadable request", "error", err)
		json.NewEncoder(conn).Encode(response{Error: "control: unreadable request: " + err.Error()})
		return
	}
	conn.SetReadDeadline(time.Time{})
	result, err := s.dispatch(ctx, req)
	var resp response
	if err != nil {
		resp.Error = err.Error()
	}
	if result != nil {
		if resp.Result, err = json.Marshal(result); err != nil {
			resp.Error = errors.Join(errors.New(resp.Error), err).Error()
		}
	}
	if err := json.NewEncoder(conn).Encode(resp); err != nil {
		s.log.Warn("control: reply not delivered", "op", req.Op, "error", err)
	}
}

// dispatch runs one request. A panic becomes the request's error reply.
func (s *Server) dispatch(ctx context.Context, req request) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("recovered from a panic", "in", "control "+req.Op, "panic", r)
			result, err = nil, fmt.Errorf("internal error in %s: %v", req.Op, r)
		}
	}()
	decode := func(v any) error {
		if len(req.Args) == 0 {
			return nil
		}
		if err := json.Unmarshal(req.Args, v); err != nil {
			return fmt.Errorf("control: bad arguments for %s: %w", req.Op, err)
		}
		return nil
	}
	var ids idsArgs
	var id idArgs
	var acct accountArgs
	switch req.Op {
	case "mark", "move", "delete", "file":
		if err := decode(&ids); err != nil {
			return nil, err
		}
		switch req.Op {
		case "mark":
			return nil, s.ops.Mark(ctx, ids.IDs, ids.Mark)
		case "move":
			return nil, s.ops.Move(ctx, ids.IDs, ids.Folder)
		case "file":
			return nil, s.ops.File(ctx, ids.IDs, ids.Folder)
		}
		return nil, s.ops.Delete(ctx, ids.IDs)
	case "send":
		var args SendRequest
		if err := decode(&args); err != nil {
			return nil, err
		}
		return s.ops.Send(ctx, args)
	case "answer":
		var args AnswerRequest
		if err := decode(&args); err != nil {
			return nil, err
		}
		return s.ops.Answer(ctx, args)
	case "outbox-retry", "outbox-resolve", "outbox-delete":
		if err := decode(&id); err != nil {
			return nil, err
		}
		switch req.Op {
		case "outbox-retry":
			return s.ops.OutboxRetry(ctx, id.ID)
		case "outbox-resolve":
			return s.ops.OutboxResolve(ctx, id.ID, id.AsSent)
		}
		return nil, s.ops.OutboxDelete(ctx, id.ID)
	case "outbox-cancel":
		if err := decode(&id); err != nil {
			return nil, err
		}
		return s.ops.OutboxCancel(ctx, id.ID)
	case "outbox-send", "sync":
		if err := decode(&acct); err != nil {
			return nil, err
		}
		if req.Op == "sync" {
			return s.ops.Sync(ctx, acct.Account)
		}
		return nil, s.ops.OutboxSend(ctx, acct.Account)
	case "show":
		return nil, s.ops.ShowWindow(ctx)
	case "account-add":
		var args accountAddArgs
		if err := decode(&args); err != nil {
			return nil, err
		}
		return s.ops.AccountAdd(ctx, args.Account, args.Passwords)
	case "account-signin":
		var args accountSignInArgs
		if err := decode(&args); err != nil {
			return nil, err
		}
		return nil, s.ops.AccountSignIn(ctx, args.Name, args.Passwords)
	case "account-remove", "account-trust":
		var args accountNameArgs
		if err := decode(&args); err != nil {
			return nil, err
		}
		if req.Op == "account-remove" {
			return nil, s.ops.AccountRemove(ctx, args.Name)
		}
		return s.ops.AccountTrust(ctx, args.Name, args.Fingerprint)
	case "import":
		var args ImportRequest
		if err := decode(&args); err != nil {
			return nil, err
		}
		return s.ops.Import(ctx, args)
	case "contacts-import":
		var args []core.Contact
		if err := decode(&args); err != nil {
			return nil, err
		}
		return s.ops.ContactsImport(ctx, args)
	case "contact-save", "contact-delete":
		var args core.Contact
		if err := decode(&args); err != nil {
			return nil, err
		}
		if req.Op == "contact-delete" {
			return nil, s.ops.ContactDelete(ctx, args)
		}
		return s.ops.ContactSave(ctx, args)
	case "compose":
		var args mailto.Message
		if err := decode(&args); err != nil {
			return nil, err
		}
		return nil, s.ops.Compose(ctx, args)
	case "rule-save", "rule-remove", "rule-move", "rule-run", "rule-import":
		return s.dispatchRules(ctx, req.Op, decode)
	case "source-add":
		var args sourceAddArgs
		if err := decode(&args); err != nil {
			return nil, err
		}
		return s.ops.SourceAdd(ctx, args.Account, args.Source, args.Password)
	case "identity-add", "identity-remove":
		var args identityArgs
		if err := decode(&args); err != nil {
			return nil, err
		}
		if req.Op == "identity-add" {
			return s.ops.IdentityAdd(ctx, args.Account, args.Identity)
		}
		return nil, s.ops.IdentityRemove(ctx, args.Account, args.Identity.Email)
	}
	return nil, fmt.Errorf("control: unknown request %q", req.Op)
}

// Client sends Ops to the engine running on a data directory. Each call
// is one connection, so a Client is safe for concurrent use.
type Client struct {
	path string
}

// Dial connects to the engine running on dataDir, and fails with
// ErrNotRunning when none answers.
func Dial(ctx context.Context, dataDir string) (*Client, error) {
	c := &Client{path: SocketPath(dataDir)}
	conn, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	conn.Close()
	return c, nil
}

func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.path)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotRunning, err)
	}
	return conn, nil
}

// call sends one request and reads its one reply into result. A reply
// may carry both a result and an error, such as an outbox message left
// waiting and why; the error keeps the engine's wording.
func (c *Client) call(ctx context.Context, op string, args, result any) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	req := request{Op: op}
	if args != nil {
		if req.Args, err = json.Marshal(args); err != nil {
			return fmt.Errorf("control: encode %s: %w", op, err)
		}
	}
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return c.lost(ctx, op, err)
	}
	var resp response
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		return c.lost(ctx, op, err)
	}
	if result != nil && len(resp.Result) > 0 {
		if err := json.Unmarshal(resp.Result, result); err != nil {
			return fmt.Errorf("control: decode the reply to %s: %w", op, err)
		}
	}
	if resp.Error != "" {
		return errors.New(resp.Error)
	}
	return nil
}

func (c *Client) lost(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("control: no reply from the running Tributary to %s (it may still be working on it): %w", op, err)
}

// The arguments of the account requests. Passwords travel only over the
// socket, which no other user can open, and are never logged.
type accountAddArgs struct {
	Account   core.Account   `json:"account"`
	Passwords core.Passwords `json:"passwords"`
}

type accountNameArgs struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

type sourceAddArgs struct {
	Account  string      `json:"account"`
	Source   core.Source `json:"source"`
	Password string      `json:"password"`
}

// AccountAdd implements Ops.
func (c *Client) AccountAdd(ctx context.Context, a core.Account, pw core.Passwords) (core.Account, error) {
	var out core.Account
	err := c.call(ctx, "account-add", accountAddArgs{Account: a, Passwords: pw}, &out)
	if out.ID == 0 {
		out = a
	}
	return out, err
}

// accountSignInArgs carry a new refresh token, over the owner-only
// socket like every password.
type accountSignInArgs struct {
	Name      string         `json:"name"`
	Passwords core.Passwords `json:"passwords"`
}

// AccountSignIn implements Ops.
func (c *Client) AccountSignIn(ctx context.Context, name string, pw core.Passwords) error {
	return c.call(ctx, "account-signin", accountSignInArgs{Name: name, Passwords: pw}, nil)
}

// AccountRemove implements Ops.
func (c *Client) AccountRemove(ctx context.Context, name string) error {
	return c.call(ctx, "account-remove", accountNameArgs{Name: name}, nil)
}

// AccountTrust implements Ops.
func (c *Client) AccountTrust(ctx context.Context, name, fingerprint string) ([]string, error) {
	var servers []string
	err := c.call(ctx, "account-trust", accountNameArgs{Name: name, Fingerprint: fingerprint}, &servers)
	return servers, err
}

// SourceAdd implements Ops.
func (c *Client) SourceAdd(ctx context.Context, account string, s core.Source, password string) (core.Source, error) {
	var out core.Source
	err := c.call(ctx, "source-add", sourceAddArgs{Account: account, Source: s, Password: password}, &out)
	if out.ID == 0 {
		out = s
	}
	return out, err
}

// Import implements Ops.
func (c *Client) Import(ctx context.Context, req ImportRequest) (ImportReport, error) {
	var rep ImportReport
	err := c.call(ctx, "import", req, &rep)
	return rep, err
}

// Mark implements Ops.
func (c *Client) Mark(ctx context.Context, ids []int64, m Mark) error {
	return c.call(ctx, "mark", idsArgs{IDs: ids, Mark: m}, nil)
}

// Move implements Ops.
func (c *Client) Move(ctx context.Context, ids []int64, folder string) error {
	return c.call(ctx, "move", idsArgs{IDs: ids, Folder: folder}, nil)
}

// File implements Ops; the role travels in idsArgs.Folder.
func (c *Client) File(ctx context.Context, ids []int64, role string) error {
	return c.call(ctx, "file", idsArgs{IDs: ids, Folder: role}, nil)
}

// Delete implements Ops.
func (c *Client) Delete(ctx context.Context, ids []int64) error {
	return c.call(ctx, "delete", idsArgs{IDs: ids}, nil)
}

// Send implements Ops. Attachments are read by the running engine, so
// their paths are made absolute first.
func (c *Client) Send(ctx context.Context, req SendRequest) (core.OutboxItem, error) {
	var item core.OutboxItem
	for i, p := range req.Draft.Attachments {
		abs, err := filepath.Abs(p)
		if err != nil {
			return item, fmt.Errorf("attachment %s: %w", p, err)
		}
		req.Draft.Attachments[i] = abs
	}
	err := c.call(ctx, "send", req, &item)
	return item, err
}

// Answer implements Ops.
func (c *Client) Answer(ctx context.Context, req AnswerRequest) (core.OutboxItem, error) {
	var item core.OutboxItem
	err := c.call(ctx, "answer", req, &item)
	return item, err
}

// OutboxRetry implements Ops.
func (c *Client) OutboxRetry(ctx context.Context, id int64) (core.OutboxItem, error) {
	var item core.OutboxItem
	err := c.call(ctx, "outbox-retry", idArgs{ID: id}, &item)
	return item, err
}

// OutboxResolve implements Ops.
func (c *Client) OutboxResolve(ctx context.Context, id int64, asSent bool) (core.OutboxItem, error) {
	var item core.OutboxItem
	err := c.call(ctx, "outbox-resolve", idArgs{ID: id, AsSent: asSent}, &item)
	return item, err
}

// OutboxDelete implements Ops.
func (c *Client) OutboxDelete(ctx context.Context, id int64) error {
	return c.call(ctx, "outbox-delete", idArgs{ID: id}, nil)
}

// OutboxSend implements Ops.
func (c *Client) OutboxSend(ctx context.Context, account string) error {
	return c.call(ctx, "outbox-send", accountArgs{Account: account}, nil)
}

// Sync implements Ops: the running engine checks now and reports.
func (c *Client) Sync(ctx context.Context, account string) ([]SyncReport, error) {
	var reports []SyncReport
	err := c.call(ctx, "sync", accountArgs{Account: account}, &reports)
	return reports, err
}

// ShowWindow implements Ops.
func (c *Client) ShowWindow(ctx context.Context) error {
	return c.call(ctx, "show", nil, nil)
}

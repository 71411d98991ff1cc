package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
)

// Connection upkeep of a source worker: an idle IMAP connection is kept
// alive with NOOP and closed once nothing used it for IdleTimeout; the
// next request opens a new one. Servers may drop an idle client after 30
// minutes (RFC 9051), and NAT boxes sooner, so NOOP runs well before.
const (
	DefaultIdleTimeout = 5 * time.Minute
	DefaultKeepAlive   = time.Minute
)

// requestKind is what a worker is asked to do.
type requestKind int

const (
	reqSync   requestKind = iota // replay the journal, then retrieve everything new
	reqReplay                    // replay the journal only
)

func (k requestKind) String() string {
	if k == reqReplay {
		return "replay"
	}
	return "sync"
}

// request is one piece of work for a worker. It gets exactly one reply:
// nil (done), the error, or the context's error when it was cancelled
// before or while it ran.
type request struct {
	ctx   context.Context
	kind  requestKind
	reply chan error
}

// worker owns the command connection of one source and serves its
// requests one at a time, as aerc's workers do: a flag change, a move and
// a sync never race each other on the server, and a burst of changes
// costs no new login. The IDLE watcher (IMAP) holds the one other
// connection a source may have.
type worker struct {
	e    *Engine
	a    core.Account
	s    core.Source
	reqs chan request
	// nudge asks for a journal replay without waiting for it (a running
	// engine's actions); one pending nudge covers any number of changes.
	nudge chan struct{}

	conn     *imap.Client // the IMAP command connection, or nil
	lastUsed time.Time
	// connExpiry is when the OAuth2 token conn signed in with expires;
	// zero for a password.
	connExpiry time.Time
	done       chan struct{} // closed when loop returns
}

func newWorker(e *Engine, a core.Account, s core.Source) *worker {
	return &worker{e: e, a: a, s: s, reqs: make(chan request), nudge: make(chan struct{}, 1), done: make(chan struct{})}
}

// errWorkerStopped answers a request whose worker stopped first (the
// engine stopped, or the accounts changed under it).
var errWorkerStopped = errors.New("stopped before it was done; try again")

// do asks the worker for kind and waits for its reply.
func (w *worker) do(ctx context.Context, kind requestKind) error {
	r := request{ctx: ctx, kind: kind, reply: make(chan error, 1)}
	select {
	case w.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		return errWorkerStopped
	}
	select {
	case err := <-r.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		return errWorkerStopped
	}
}

// poke asks for a journal replay without waiting.
func (w *worker) poke() {
	select {
	case w.nudge <- struct{}{}:
	default:
	}
}

// loop serves requests until ctx is done, then closes the connection.
func (w *worker) loop(ctx context.Context) {
	defer close(w.done)
	defer w.closeConn()
	tick := time.NewTicker(min(w.e.opts.KeepAlive, w.e.opts.IdleTimeout))
	defer tick.Stop()
	var retry <-chan time.Time // a replay that failed for now tries again
	backoff := BackoffMin
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-w.reqs:
			err := r.ctx.Err()
			if err == nil {
				err = w.serve(r.ctx, r.kind)
			}
			r.reply <- err
		case <-w.nudge:
			if w.replayNow(ctx) {
				retry, backoff = nil, BackoffMin
			} else {
				retry, backoff = time.After(backoff), min(backoff*2, BackoffMax)
			}
		case <-retry:
			w.poke()
		case <-tick.C:
			w.upkeep(ctx)
		}
	}
}

// replayNow replays the journal for a nudge and reports whether nothing
// is left to retry.
func (w *worker) replayNow(ctx context.Context) bool {
	err := w.serve(ctx, reqReplay)
	if err != nil && ctx.Err() == nil {
		w.e.publishError(w.a, w.s, fmt.Errorf("changes not yet on the server: %w", err))
	}
	w.e.publishPending(ctx)
	return err == nil || !core.IsTemporary(err)
}

// serve runs one request, recovering from a panic so a bad server reply
// never ends the worker.
func (w *worker) serve(ctx context.Context, kind requestKind) error {
	label := kind.String() + " " + w.s.Label(w.a.Name)
	if kind == reqReplay {
		if w.s.Protocol != core.ProtocolIMAP {
			return nil // POP3 has nothing to tell the server
		}
		return w.e.safely(label, func() error { return w.withConn(ctx, w.replay) })
	}
	return w.e.syncSource(ctx, w.a, w.s, func(progress core.Progress, news *announcer) error {
		return w.e.safely(label, func() error {
			switch w.s.Protocol {
			case core.ProtocolPOP3:
				return w.e.syncPOP3(ctx, w.a, w.s, progress, news.add)
			case core.ProtocolIMAP:
				return w.withConn(ctx, func(ctx context.Context, c *imap.Client) error {
					// Changes made here go first, so that the flag sync
					// after them sees the server as the user left it.
					if err := w.replay(ctx, c); err != nil {
						return err
					}
					err := w.e.syncIMAP(ctx, c, w.a, w.s, progress, news.add)
					if err == nil && news.ruled() {
						// What the rules did to new mail goes to the server
						// now, on this connection, not at the next sync.
						err = w.replay(ctx, c)
					}
					return err
				})
			}
			return fmt.Errorf("unknown protocol %q", w.s.Protocol)
		})
	})
}

// withConn runs fn on the command connection, dialling it when there is
// none. A connection that failed is closed, so the next request starts
// afresh instead of reusing a broken one.
func (w *worker) withConn(ctx context.Context, fn func(context.Context, *imap.Client) error) error {
	if w.conn != nil && w.e.expiring(w.connExpiry) {
		// Signed in with a token about to expire: a server may end the
		// session then (Gmail does), so sign in afresh now rather than
		// be cut off in the middle of this request.
		w.closeConn()
	}
	if w.conn != nil {
		select {
		case <-w.conn.Closed():
			// The server ended the kept connection meanwhile (an idle
			// timeout, a BYE): dial again rather than fail this request.
			w.closeConn()
		default:
		}
	}
	if w.conn == nil {
		c, expiry, err := w.e.dialIMAP(ctx, w.a, w.s)
		if err != nil {
			return err
		}
		w.conn, w.connExpiry = c, expiry
	}
	defer func() {
		if r := recover(); r != nil {
			w.closeConn() // in an unknown state
			panic(r)
		}
	}()
	err := fn(ctx, w.conn)
	w.lastUsed = time.Now()
	if err != nil && connectionBroken(err) {
		w.closeConn()
	}
	return err
}

// connectionBroken reports an error after which the connection cannot be
// trusted: the network failed, or it was cancelled (go-imap's cancel
// closes it). A server's refusal of one command leaves it usable.
func connectionBroken(err error) bool {
	return core.KindOf(err) == core.KindNetwork || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// upkeep closes an idle connection, or keeps it alive.
func (w *worker) upkeep(ctx context.Context) {
	if w.conn == nil {
		return
	}
	if time.Since(w.lastUsed) >= w.e.opts.IdleTimeout {
		w.closeConn()
		return
	}
	if err := w.conn.Noop(ctx); err != nil {
		w.closeConn()
	}
}

func (w *worker) closeConn() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}

// replay sends the source's journal to its server, oldest first. An entry
// leaves the journal only once the server confirmed it. When the server
// cannot be reached, replay stops and keeps the order for later; an entry
// the server refuses (a folder deleted there, say) is set aside for the
// user, and the rest go on.
func (w *worker) replay(ctx context.Context, c *imap.Client) error {
	entries, err := w.e.store.Journal(ctx, w.s.ID)
	if err != nil {
		return err
	}
	for _, en := range entries {
		err := w.e.applyEntry(ctx, c, w.a, w.s, en)
		if err != nil && en.DestRole != "" && refusedForGood(err) {
			// The folder list this connection read may be old (the
			// Trash deleted on the server since): look again, once.
			c.RefreshFolders()
			err = w.e.applyEntry(ctx, c, w.a, w.s, en)
		}
		// The outcome is recorded even when the caller gave up meanwhile.
		rctx := context.WithoutCancel(ctx)
		if err == nil {
			if err := w.e.store.JournalDone(rctx, en); err != nil {
				return err
			}
			continue
		}
		refused := refusedForGood(err)
		if ferr := w.e.store.JournalFailed(rctx, en.ID, err.Error(), refused); ferr != nil {
			return ferr
		}
		if !refused {
			return err
		}
		w.e.publishError(w.a, w.s, fmt.Errorf("the server refused a change (%s); it stays here only: %w", en.Op, err))
	}
	return nil
}

// sourceWorkers is the registry of workers. While Run runs, its workers
// serve everything. Without it (a CLI command), a worker is started on
// first use and kept until Close, so the several changes of one command
// share one login; Run, Close and an account change stop those.
type sourceWorkers struct {
	mu      sync.Mutex
	m       map[int64]*worker // Run's
	running bool              // Run owns the sources: no temporary workers
	temp    map[int64]*worker
	stop    []func() // of the temporary workers
}

// get returns Run's worker of a source; running says whether Run owns the
// sources (then a missing worker means the source is being restarted).
func (r *sourceWorkers) get(id int64) (w *worker, running bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[id], r.running
}

// set installs Run's workers (nil, false when Run stops them) and stops
// the temporary ones, so a source never has two command connections.
func (r *sourceWorkers) set(m map[int64]*worker, running bool) {
	r.mu.Lock()
	r.m, r.running = m, running
	r.mu.Unlock()
	r.stopTemporary()
}

// temporary returns the temporary worker of s, starting it if needed.
func (r *sourceWorkers) temporary(e *Engine, a core.Account, s core.Source) *worker {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w := r.m[s.ID]; w != nil {
		return w
	}
	if r.running {
		return nil // Run's worker of this source is starting
	}
	if w := r.temp[s.ID]; w != nil {
		return w
	}
	if r.temp == nil {
		r.temp = map[int64]*worker{}
	}
	w := newWorker(e, a, s)
	ctx, cancel := context.WithCancel(context.Background())
	go w.loop(ctx)
	r.temp[s.ID] = w
	r.stop = append(r.stop, func() {
		cancel()
		<-w.done
	})
	return w
}

func (r *sourceWorkers) stopTemporary() {
	r.mu.Lock()
	stop := r.stop
	r.temp, r.stop = nil, nil
	r.mu.Unlock()
	for _, f := range stop {
		f()
	}
}

// onWorker runs fn with the worker of source s: the running engine's
// one, or else the temporary one.
func (e *Engine) onWorker(ctx context.Context, a core.Account, s core.Source, fn func(*worker) error) error {
	w, _ := e.workers.get(s.ID)
	if w == nil {
		w = e.workers.temporary(e, a, s)
	}
	if w == nil {
		return errWorkerStopped
	}
	return fn(w)
}

// Close stops the workers started without Run, closing their
// connections. Call it when done with an engine that never ran.
func (e *Engine) Close() {
	e.workers.stopTemporary()
}

// PushChanges waits until every change waiting in the journal has been
// offered to its server (confirmed, refused, or found unreachable), so a
// command can say how it went. The GUI does not wait: the workers replay
// in the background.
// Only the given sources are waited for; none means every source.
func (e *Engine) PushChanges(ctx context.Context, sources ...int64) error {
	pending, err := e.store.PendingChanges(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range pending {
		if p.Waiting == 0 || len(sources) > 0 && !slices.Contains(sources, p.SourceID) {
			continue
		}
		a, s, err := e.source(ctx, p.SourceID)
		if err == nil {
			err = e.onWorker(ctx, a, s, func(w *worker) error { return w.do(ctx, reqReplay) })
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w (%v)", s.Label(a.Name), ErrChangesWaiting, err))
		}
	}
	e.publishPending(ctx)
	return errors.Join(errs...)
}

// refusedForGood reports a journal entry the server will never accept as
// it is: a NO or BAD to its command (a folder deleted there), or a sent
// copy whose file is gone. A server that is busy, over a limit or down
// is asked again later instead.
func refusedForGood(err error) bool {
	var park *parkError
	if errors.As(err, &park) || errors.Is(err, imap.ErrMailboxUnavailable) {
		return true
	}
	var refusal *goimap.Error
	if !errors.As(err, &refusal) || refusal.Type == goimap.StatusResponseTypeOK {
		return false
	}
	switch refusal.Code {
	case goimap.ResponseCodeUnavailable, goimap.ResponseCodeInUse, goimap.ResponseCodeLimit,
		goimap.ResponseCodeServerBug, goimap.ResponseCodeOverQuota:
		return false
	}
	return true
}

// parkError marks a journal entry that cannot be carried out as it is.
type parkError struct{ err error }

func (e *parkError) Error() string { return e.err.Error() }
func (e *parkError) Unwrap() error { return e.err }

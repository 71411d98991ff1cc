package engine

import (
	"context"
	"sync"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
)

// Backoff after a failed connection: it doubles from BackoffMin up to
// BackoffMax, so a server that is down is not hammered.
const (
	BackoffMin     = 15 * time.Second
	BackoffMax     = 15 * time.Minute
	OutboxInterval = 30 * time.Second
)

// CheckNow asks the running engine to retrieve every source, manual ones
// included ("Get mail").
func (e *Engine) CheckNow() {
	select {
	case e.check <- struct{}{}:
	default:
	}
}

// Reload makes the running engine pick up added, changed or removed
// accounts and sources.
func (e *Engine) Reload() {
	select {
	case e.reload <- struct{}{}:
	default:
	}
}

// Run works until ctx is done: each automatic source syncs on its
// interval (IMAP also wakes on IDLE), CheckNow syncs them all, and the
// outbox is drained. Each source has its own goroutine, so one failing
// account never blocks the others. Reload restarts the sources with the
// accounts as they are then.
func (e *Engine) Run(ctx context.Context) error {
	if n, err := e.store.RecoverSending(ctx); err != nil {
		return err
	} else if n > 0 {
		e.log.Warn("messages interrupted while sending are now unknown", "count", n)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { e.runOutbox(ctx) })
	for {
		sourcesCtx, stop := context.WithCancel(ctx)
		var sources sync.WaitGroup
		triggers, err := e.startSources(sourcesCtx, &sources)
		// stopSources ends this generation completely before another
		// starts, so a source never has two workers at once.
		stopSources := func() {
			stop()
			sources.Wait()
			e.workers.set(nil, false)
		}
		if err != nil {
			stopSources()
			return err
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				stopSources()
				return nil
			case <-e.reload:
				stopSources()
				break wait
			case <-e.check:
				for _, t := range triggers {
					select {
					case t <- struct{}{}:
					default:
					}
				}
			}
		}
	}
}

// startSources starts the worker, the scheduler and (IMAP, automatic)
// the IDLE watcher of every source; they stop with ctx. While they run,
// the engine's actions and syncs go to these workers.
func (e *Engine) startSources(ctx context.Context, wg *sync.WaitGroup) ([]chan struct{}, error) {
	accounts, err := e.store.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var triggers []chan struct{}
	workers := map[int64]*worker{}
	for _, a := range accounts {
		for _, s := range a.Sources {
			workers[s.ID] = newWorker(e, a, s)
		}
	}
	// Registered before they start, and after a command's workers
	// closed: a source has one command connection at a time.
	e.workers.set(workers, true)
	for _, a := range accounts {
		for _, s := range a.Sources {
			w := workers[s.ID]
			wake := make(chan struct{}, 1)
			triggers = append(triggers, wake)
			wg.Go(func() { w.loop(ctx) })
			wg.Go(func() { e.runSource(ctx, w, wake) })
			if s.Protocol == core.ProtocolIMAP && s.Method == core.MethodAutomatic {
				wg.Go(func() { e.watchSource(ctx, a, s, wake) })
			}
			// Changes left from before a restart go out now.
			w.poke()
		}
	}
	return triggers, nil
}

// runSource asks w to sync whenever the source is due or woken.
func (e *Engine) runSource(ctx context.Context, w *worker, wake <-chan struct{}) {
	s := w.s
	backoff := BackoffMin
	automatic := s.Method == core.MethodAutomatic
	if automatic {
		w.do(ctx, reqSync)
	}
	for {
		var wait <-chan time.Time
		if automatic {
			wait = time.After(s.Interval)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-wait:
		}
		err := w.do(ctx, reqSync)
		for err != nil && automatic && core.IsTemporary(err) && ctx.Err() == nil {
			select {
			case <-ctx.Done():
				return
			case <-wake:
			case <-time.After(min(backoff, s.Interval)):
			}
			backoff = min(backoff*2, BackoffMax)
			err = w.do(ctx, reqSync)
		}
		backoff = BackoffMin
	}
}

// watchSource keeps an IDLE connection on INBOX and wakes the source's
// sync when mail arrives, reconnecting with capped backoff.
func (e *Engine) watchSource(ctx context.Context, a core.Account, s core.Source, wake chan<- struct{}) {
	backoff := BackoffMin
	for ctx.Err() == nil {
		err := e.safely("idle "+s.Label(a.Name), func() error {
			nopts, login, err := e.sourceLogin(ctx, a, s)
			if err != nil {
				return err
			}
			return login.with(ctx, func(cred core.Credential) error {
				return imap.WatchInboxAs(ctx, s.Server(), nopts, s.Username, cred, func() {
					backoff = BackoffMin
					select {
					case wake <- struct{}{}:
					default:
					}
				})
			})
		})
		if err == imap.ErrNoIdle || !core.IsTemporary(err) {
			return // the interval alone keeps the source fresh
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, BackoffMax)
	}
}

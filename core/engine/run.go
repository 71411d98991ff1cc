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
	wg.Go(func() {
		for {
			for range e.DrainOutbox(ctx) {
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(OutboxInterval):
			}
		}
	})
	for {
		sourcesCtx, stop := context.WithCancel(ctx)
		triggers, err := e.startSources(sourcesCtx, &wg)
		if err != nil {
			stop()
			return err
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				stop()
				return nil
			case <-e.reload:
				stop()
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

// startSources starts the goroutines of every source; they stop with ctx.
func (e *Engine) startSources(ctx context.Context, wg *sync.WaitGroup) ([]chan struct{}, error) {
	accounts, err := e.store.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var triggers []chan struct{}
	for _, a := range accounts {
		for _, s := range a.Sources {
			wake := make(chan struct{}, 1)
			triggers = append(triggers, wake)
			wg.Go(func() { e.runSource(ctx, a, s, wake) })
			if s.Protocol == core.ProtocolIMAP && s.Method == core.MethodAutomatic {
				wg.Go(func() { e.watchSource(ctx, a, s, wake) })
			}
		}
	}
	return triggers, nil
}

// runSource syncs one source whenever it is due or woken.
func (e *Engine) runSource(ctx context.Context, a core.Account, s core.Source, wake <-chan struct{}) {
	backoff := BackoffMin
	automatic := s.Method == core.MethodAutomatic
	if automatic {
		e.SyncSource(ctx, a, s)
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
		err := e.SyncSource(ctx, a, s)
		for err != nil && automatic && core.IsTemporary(err) && ctx.Err() == nil {
			select {
			case <-ctx.Done():
				return
			case <-wake:
			case <-time.After(min(backoff, s.Interval)):
			}
			backoff = min(backoff*2, BackoffMax)
			err = e.SyncSource(ctx, a, s)
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
			nopts, pw, err := e.sourceLogin(ctx, a, s)
			if err != nil {
				return err
			}
			return imap.WatchInbox(ctx, s.Server(), nopts, s.Username, pw, func() {
				backoff = BackoffMin
				select {
				case wake <- struct{}{}:
				default:
				}
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

package engine

import (
	"sync"

	"github.com/tributary-mail/tributary/core"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of event.
const (
	EventProgress EventKind = iota // Done of Total messages fetched from a source
	EventNewMail                   // MessageIDs arrived; a long sync sends several, as its batches commit
	EventError                     // Err happened; the engine carries on
	EventSynced                    // a source finished a sync
	EventOutbox                    // Outbox changed state
	EventPending                   // Pending: the changes waiting for each server
	EventAccounts                  // accounts, sources or pins changed
	EventDrafts                    // a draft was saved or deleted
	EventContacts                  // the address book changed
	EventRules                     // the rules changed, or one ran
)

// Event is something subscribers may want to show.
type Event struct {
	Kind        EventKind
	Account     string
	SourceID    int64
	Label       string // "Work (IMAP imap.example.com)"
	Done, Total int
	MessageIDs  []int64
	// Filed (EventNewMail): new messages that rules filed away, deleted
	// or marked read; they are not in MessageIDs, and not announced.
	Filed   []int64
	Err     error
	Outbox  *core.OutboxItem
	Pending []core.PendingChanges
}

// Subscription delivers events to one subscriber, in order, through its
// own buffer. Progress events for a source are coalesced while the
// subscriber is behind (only the latest matters); every other event is
// kept, so new mail and errors are never dropped. Publishing never blocks.
type Subscription struct {
	mu        sync.Mutex
	queue     []Event
	finishing bool
	signal    chan struct{}
	out       chan Event
	done      chan struct{}
	once      sync.Once
}

// C is the channel of events. It is closed after Close.
func (s *Subscription) C() <-chan Event { return s.out }

// Close stops delivery at once; queued events are dropped.
func (s *Subscription) Close() { s.once.Do(func() { close(s.done) }) }

// Finish stops delivery after the events already queued, so a command
// that exits right after its work still reports all of it. C is closed
// once they are read.
func (s *Subscription) Finish() {
	s.mu.Lock()
	s.finishing = true
	s.mu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

func (s *Subscription) publish(e Event) {
	s.mu.Lock()
	if e.Kind == EventProgress {
		for i := len(s.queue) - 1; i >= 0; i-- {
			if q := s.queue[i]; q.Kind == EventProgress && q.SourceID == e.SourceID {
				s.queue[i] = e
				s.mu.Unlock()
				return
			}
		}
	}
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

// pump moves events from the queue to the subscriber at its own pace.
func (s *Subscription) pump() {
	defer close(s.out)
	for {
		select {
		case <-s.done:
			return
		case <-s.signal:
		}
		for {
			s.mu.Lock()
			if len(s.queue) == 0 {
				finished := s.finishing
				s.mu.Unlock()
				if finished {
					return
				}
				break
			}
			e := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			select {
			case s.out <- e:
			case <-s.done:
				return
			}
		}
	}
}

// bus fans events out to subscribers.
type bus struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscribe starts a subscription. Close it when done.
func (e *Engine) Subscribe() *Subscription {
	s := &Subscription{signal: make(chan struct{}, 1), out: make(chan Event), done: make(chan struct{})}
	e.bus.mu.Lock()
	if e.bus.subs == nil {
		e.bus.subs = map[*Subscription]struct{}{}
	}
	e.bus.subs[s] = struct{}{}
	e.bus.mu.Unlock()
	go func() {
		s.pump()
		e.bus.mu.Lock()
		delete(e.bus.subs, s)
		e.bus.mu.Unlock()
	}()
	return s
}

func (e *Engine) publish(ev Event) {
	e.bus.mu.Lock()
	defer e.bus.mu.Unlock()
	for s := range e.bus.subs {
		s.publish(ev)
	}
}

package engine

import (
	"sync"
	"time"
)

// announceEvery is the least time between two EventNewMail of one sync
// after its first: a long initial sync commits a batch every fraction of
// a second, and every announcement makes the GUI read its list again and
// the CLI print a line.
const announceEvery = time.Second

// announcer reports one sync's new mail as EventNewMail while the sync
// goes on: the first committed batch at once (users judge a sync by when
// mail appears, not by when it ends; issue 10), later ones gathered for
// announceEvery, and what is left when the sync ends (flush). add may be
// called from the goroutine that commits, beside the sync's own.
type announcer struct {
	e       *Engine
	account string
	source  int64
	label   string

	mu      sync.Mutex
	pending []int64
	last    time.Time // of the last announcement; zero before the first
	ruledAt bool      // rules changed mail already announced
}

// add takes the new messages of one committed batch.
func (n *announcer) add(ids []int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pending = append(n.pending, ids...)
	// Wall-clock pacing, not a mail date: time.Now, not Options.Now.
	if !n.last.IsZero() && time.Since(n.last) < announceEvery {
		return
	}
	n.announce()
}

// flush announces what is pending; the sync has ended.
func (n *announcer) flush() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.announce()
}

// ruled reports whether rules changed any of the sync's new mail so far,
// announced or not: then what they did goes to the server at once.
func (n *announcer) ruled() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ruledAt || n.e.arrived.ruled(n.pending)
}

// announce publishes the pending mail; n.mu is held. Mail the rules filed
// away or marked read is not announced.
func (n *announcer) announce() {
	if len(n.pending) == 0 {
		return
	}
	announce, quiet, ruled := n.e.arrived.take(n.pending)
	n.pending, n.last = nil, time.Now()
	n.ruledAt = n.ruledAt || ruled
	n.e.publish(Event{Kind: EventNewMail, Account: n.account, SourceID: n.source, Label: n.label, MessageIDs: announce, Filed: quiet})
}

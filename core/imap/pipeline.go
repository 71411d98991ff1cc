package imap

import (
	"context"
	"sync"

	"github.com/tributary-mail/tributary/core"
)

// The fetch pipeline: the goroutine that owns the connection reads FETCH
// replies and hands each whole message on; a stager hashes, writes and
// parses it; a placer gathers a batch and makes its files durable
// (PlaceBatch); a committer stores a batch at a time in one transaction
// (StoreBatch). Reading, parsing, the files' syncs and the rows' commits
// then run side by side instead of one after another, so both cores of a
// small machine work, and the disk's waits overlap the work.
const (
	// maxInMemory is the largest message read into memory whole; a larger
	// one is streamed to its file by the reader, as before.
	maxInMemory = 8 << 20
	// inFlightBytes bounds the raw bytes read but not yet written to
	// disk, which bounds the pipeline's memory.
	inFlightBytes = 32 << 20
	// maxPendingText bounds the parsed text waiting in one batch: a batch
	// of long messages commits early.
	maxPendingText = 32 << 20
)

// fetched is one whole message read from the server: its raw bytes, or a
// message the reader already staged (a large one), or a stored message
// to link (a Gmail message under another label), with where it goes.
type fetched struct {
	d      core.Delivery
	raw    []byte
	staged core.Staged
	copyOf int64 // a stored message whose file and fields this one shares
	flush  bool  // no message: the FETCH batch ends, commit what is pending
}

// pipeline stages and commits messages that the connection's goroutine
// hands it with add.
type pipeline struct {
	store core.MessageStore
	ctx   context.Context // not cancelled: what was received is stored
	toStage,
	toPlace chan fetched
	toCommit chan []core.Pending // placed batches, one waiting at most
	budget   chan struct{}       // one token per KiB of raw bytes in flight
	done     chan struct{}

	mu    sync.Mutex
	err   error // the first failure of the stager, placer or committer
	fresh []int64
}

func newPipeline(ctx context.Context, store core.MessageStore) *pipeline {
	p := &pipeline{
		store:    store,
		ctx:      context.WithoutCancel(ctx),
		toStage:  make(chan fetched, 64),
		toPlace:  make(chan fetched, 64),
		toCommit: make(chan []core.Pending, 1),
		budget:   make(chan struct{}, inFlightBytes>>10),
		done:     make(chan struct{}),
	}
	go p.stage()
	go p.place()
	go p.commit()
	return p
}

// failure is the first error of the stager, placer or committer, if any.
func (p *pipeline) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *pipeline) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
	}
}

// kib is the budget a message of n bytes takes, at least one token.
func kib(n int) int { return max(1, min(n>>10, inFlightBytes>>10)) }

// add hands on one message; it blocks while too many bytes are in flight.
// It returns the pipeline's failure, after which nothing more is stored.
func (p *pipeline) add(f fetched) error {
	if err := p.failure(); err != nil {
		if f.staged != nil {
			f.staged.Discard()
		}
		return err
	}
	if f.raw != nil {
		for range kib(len(f.raw)) {
			p.budget <- struct{}{}
		}
	}
	p.toStage <- f
	return nil
}

// flush ends a FETCH batch: what is pending commits.
func (p *pipeline) flush() { p.toStage <- fetched{flush: true} }

// finish commits what is pending and returns the IDs of the messages that
// were new, and the first failure.
func (p *pipeline) finish() ([]int64, error) {
	close(p.toStage)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fresh, p.err
}

func (p *pipeline) stage() {
	defer close(p.toPlace)
	for f := range p.toStage {
		if f.raw != nil {
			n := len(f.raw)
			if p.failure() == nil {
				s, err := p.store.StageBytes(p.ctx, f.raw)
				if err != nil {
					p.fail(err)
				}
				f.staged = s
			}
			f.raw = nil
			for range kib(n) {
				<-p.budget
			}
		}
		if f.copyOf != 0 && p.failure() == nil {
			// Read and parsed here, beside the committer, like a body.
			s, err := p.store.StageCopy(p.ctx, f.copyOf)
			if err != nil {
				p.fail(err)
			}
			f.staged = s
		}
		if p.failure() != nil {
			if f.staged != nil {
				f.staged.Discard()
			}
			continue
		}
		p.toPlace <- f
	}
}

// place gathers the staged messages into batches, one per FETCH batch
// or less when their text grows large, makes each batch's files durable
// and hands it to the committer, while the committer stores the batch
// before it.
func (p *pipeline) place() {
	defer close(p.toCommit)
	var batch []core.Pending
	text := 0
	send := func() {
		if len(batch) == 0 {
			return
		}
		b := batch
		batch, text = nil, 0
		if err := p.store.PlaceBatch(p.ctx, b); err != nil {
			p.fail(err)
		}
		if p.failure() != nil {
			discard(b)
			return
		}
		p.toCommit <- b
	}
	for f := range p.toPlace {
		if f.staged != nil {
			if p.failure() != nil {
				f.staged.Discard()
				continue
			}
			batch = append(batch, core.Pending{Delivery: f.d, Staged: f.staged})
			text += f.staged.TextBytes()
		}
		if f.flush || text > maxPendingText {
			send()
		}
	}
	send()
}

// commit stores each placed batch in one transaction.
func (p *pipeline) commit() {
	defer close(p.done)
	for batch := range p.toCommit {
		if p.failure() != nil {
			discard(batch)
			continue
		}
		res, err := p.store.StoreBatch(p.ctx, batch)
		if err != nil {
			p.fail(err)
			continue
		}
		p.mu.Lock()
		for _, r := range res {
			if r.IsNew {
				p.fresh = append(p.fresh, r.ID)
			}
		}
		p.mu.Unlock()
	}
}

// discard drops a batch that will not be stored.
func discard(batch []core.Pending) {
	for _, pd := range batch {
		pd.Staged.Discard()
	}
}

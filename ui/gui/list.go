package gui

import (
	"context"
	"sync"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
)

// listPage is how many rows the message list loads at once.
const listPage = 100

// pageCache holds the pages of one message list query that have been
// loaded, so the list widget can be virtual: it asks for rows by index and
// only the pages on screen are ever read from the store.
type pageCache struct {
	mu      sync.Mutex
	query   storage.ListQuery
	gen     int // bumped on every reset, so late loads of an old query are dropped
	count   int
	pages   map[int][]core.MessageSummary
	loading map[int]bool
}

// reset starts over with a new query and its row count.
func (p *pageCache) reset(q storage.ListQuery, count int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	p.query, p.count = q, count
	p.pages = map[int][]core.MessageSummary{}
	p.loading = map[int]bool{}
	return p.gen
}

func (p *pageCache) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}

// row returns row i if its page is loaded; otherwise it reports which page
// to load (and marks it as loading, so it is asked for once).
func (p *pageCache) row(i int) (m core.MessageSummary, ok bool, load int, gen int, q storage.ListQuery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pages == nil || i >= p.count {
		return m, false, -1, p.gen, p.query
	}
	page := i / listPage
	if rows, have := p.pages[page]; have {
		if j := i % listPage; j < len(rows) {
			return rows[j], true, -1, p.gen, p.query
		}
		return m, false, -1, p.gen, p.query
	}
	if p.loading[page] {
		return m, false, -1, p.gen, p.query
	}
	p.loading[page] = true
	return m, false, page, p.gen, p.query
}

// load reads one page; it returns false if the cache moved on meanwhile.
func (p *pageCache) load(ctx context.Context, db *storage.DB, page, gen int, q storage.ListQuery) (bool, error) {
	q.Limit, q.Offset = listPage, page*listPage
	rows, err := db.List(ctx, q)
	p.mu.Lock()
	defer p.mu.Unlock()
	if gen != p.gen {
		return false, nil
	}
	delete(p.loading, page)
	if err != nil {
		return false, err
	}
	p.pages[page] = rows
	return true, nil
}

// update changes one cached row in place, after a flag change.
func (p *pageCache) update(id int64, fn func(*core.MessageSummary)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rows := range p.pages {
		for i := range rows {
			if rows[i].ID == id {
				fn(&rows[i])
			}
		}
	}
}

// find returns the loaded row of message id.
func (p *pageCache) find(id int64) (core.MessageSummary, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rows := range p.pages {
		for _, m := range rows {
			if m.ID == id {
				return m, true
			}
		}
	}
	return core.MessageSummary{}, false
}

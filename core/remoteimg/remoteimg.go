// Package remoteimg fetches the remote images of a message, and only
// that: it is called after the user asked to see them, since every fetch
// tells the sender that, when and where the message was read.
//
// A hostile message can name any number of images of any size on any
// server, so every fetch is bounded: a number of images, bytes per image
// and in total, a deadline per image, a few at a time. Only http and https
// URLs are fetched, redirects may not leave them, and no cookies are sent
// or kept, so one message's images cannot follow the user to another's.
package remoteimg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Limits bound one call of Fetch. Zero fields take the defaults.
type Limits struct {
	MaxImages int           // URLs fetched; the rest are skipped (default 40)
	MaxBytes  int64         // bytes per image (default 5 MiB)
	MaxTotal  int64         // bytes in all (default 25 MiB)
	Timeout   time.Duration // per image, from connecting to the last byte (default 15 s)
	Parallel  int           // fetches at a time (default 4)
}

// DefaultLimits are the limits a nil *Limits means.
var DefaultLimits = Limits{MaxImages: 40, MaxBytes: 5 << 20, MaxTotal: 25 << 20, Timeout: 15 * time.Second, Parallel: 4}

func (l *Limits) orDefault() Limits {
	d := DefaultLimits
	if l == nil {
		return d
	}
	out := *l
	if out.MaxImages <= 0 {
		out.MaxImages = d.MaxImages
	}
	if out.MaxBytes <= 0 {
		out.MaxBytes = d.MaxBytes
	}
	if out.MaxTotal <= 0 {
		out.MaxTotal = d.MaxTotal
	}
	if out.Timeout <= 0 {
		out.Timeout = d.Timeout
	}
	if out.Parallel <= 0 {
		out.Parallel = d.Parallel
	}
	return out
}

// Errors Fetch reports for single images, wrapped with the URL.
var (
	ErrTooLarge  = errors.New("remoteimg: image too large")
	ErrNotWeb    = errors.New("remoteimg: not an http or https URL")
	ErrTooMany   = errors.New("remoteimg: too many images in one message")
	ErrRedirect  = errors.New("remoteimg: redirect refused")
	ErrBadStatus = errors.New("remoteimg: server refused the image")
)

// client sends no cookies (no jar) and keeps no state between messages
// beyond idle connections; deadlines come from each request's context.
var client = &http.Client{
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return fmt.Errorf("%w: more than 5 redirects", ErrRedirect)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("%w: to a %s: URL", ErrRedirect, req.URL.Scheme)
		}
		return nil
	},
}

// Fetch downloads urls, a few at a time, each within lim.Timeout and
// lim.MaxBytes and all within lim.MaxTotal, and returns the bodies of those
// it could have, by URL. Duplicates are fetched once. The error joins
// what went wrong with the others (each wrapping the URL's failure, one
// of this package's errors or the network's); it is ctx's error when ctx
// ended first. Images that fail are simply missing from the map, since
// the viewer then keeps showing their placeholder.
func Fetch(ctx context.Context, urls []string, lim *Limits) (map[string][]byte, error) {
	l := lim.orDefault()
	var (
		mu    sync.Mutex
		out   = map[string][]byte{}
		errs  []error
		total int64
		wg    sync.WaitGroup
		slots = make(chan struct{}, l.Parallel)
		seen  = map[string]bool{}
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	n := 0
	for _, raw := range urls {
		if seen[raw] {
			continue
		}
		seen[raw] = true
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			fail(fmt.Errorf("fetch %.100q: %w", raw, ErrNotWeb))
			continue
		}
		if n >= l.MaxImages {
			fail(fmt.Errorf("fetch %s: %w (over %d)", u.Redacted(), ErrTooMany, l.MaxImages))
			continue
		}
		n++
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
				return
			}
			b, err := fetchOne(ctx, u, l)
			if err != nil {
				fail(fmt.Errorf("fetch %s: %w", u.Redacted(), err))
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if total+int64(len(b)) > l.MaxTotal {
				errs = append(errs, fmt.Errorf("fetch %s: %w: over %d bytes for the message", u.Redacted(), ErrTooLarge, l.MaxTotal))
				return
			}
			total += int64(len(b))
			out[raw] = b
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("fetch remote images: %w", err)
	}
	return out, errors.Join(errs...)
}

func fetchOne(ctx context.Context, u *url.URL, l Limits) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, l.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s", ErrBadStatus, resp.Status)
	}
	if resp.ContentLength > l.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, over %d", ErrTooLarge, resp.ContentLength, l.MaxBytes)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, l.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(b)) > l.MaxBytes {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, l.MaxBytes)
	}
	return b, nil
}

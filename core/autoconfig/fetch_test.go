package autoconfig

import (
	"cmp"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHTTPFetcher(t *testing.T) {
	const limit = 1000
	var hits atomic.Int32
	testDone := make(chan struct{})
	var srv *httptest.Server
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/ok":
			_, _ = w.Write([]byte("<clientConfig/>"))
		case "/exact":
			_, _ = w.Write([]byte(strings.Repeat("x", limit)))
		case "/big":
			_, _ = w.Write([]byte(strings.Repeat("x", limit+1)))
		case "/big-chunked":
			// Flushing first sends the body chunked, with no length to check up front.
			w.(http.Flusher).Flush()
			for range 10 {
				_, _ = w.Write([]byte(strings.Repeat("x", limit/5)))
			}
		case "/to-http":
			http.Redirect(w, r, "http://"+r.Host+"/ok", http.StatusFound)
		case "/to-https":
			http.Redirect(w, r, srv.URL+"/ok", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, srv.URL+"/loop", http.StatusFound)
		case "/hang":
			// Never answer: wait for the end of the test, then drop the
			// connection rather than send an empty 200, so a client that
			// did not time out cannot mistake this for success.
			<-testDone
			panic(http.ErrAbortHandler)
		default:
			http.NotFound(w, r)
		}
	}))
	// The untrusted-certificate case makes the server log a failed handshake.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(testDone) })

	trusting := HTTPFetcher{Client: srv.Client(), MaxSize: limit, Timeout: 300 * time.Millisecond}
	tests := []struct {
		name     string
		fetcher  HTTPFetcher
		url      string
		want     string
		wantErr  string
		wantHits int32 // requests the server should see; -1 means any
		within   time.Duration
	}{
		{name: "ok", fetcher: trusting, url: srv.URL + "/ok", want: "<clientConfig/>", wantHits: 1},
		{name: "exactly the limit", fetcher: trusting, url: srv.URL + "/exact", want: strings.Repeat("x", limit), wantHits: 1},
		{name: "not https: refused unasked", fetcher: trusting, url: strings.Replace(srv.URL, "https:", "http:", 1) + "/ok", wantErr: "not https", wantHits: 0},
		{name: "404", fetcher: trusting, url: srv.URL + "/missing", wantErr: "server answered 404 Not Found", wantHits: 1},
		{name: "over the limit by its length", fetcher: trusting, url: srv.URL + "/big", wantErr: "larger than the 1000 allowed", wantHits: 1},
		{name: "over the limit, chunked", fetcher: trusting, url: srv.URL + "/big-chunked", wantErr: "larger than the 1000 bytes allowed", wantHits: 1},
		{name: "redirect to http refused", fetcher: trusting, url: srv.URL + "/to-http", wantErr: "not https", wantHits: 1},
		{name: "redirect to https followed", fetcher: trusting, url: srv.URL + "/to-https", want: "<clientConfig/>", wantHits: 2},
		{name: "redirect loop stopped", fetcher: trusting, url: srv.URL + "/loop", wantErr: "too many redirects", wantHits: maxRedirects},
		{name: "times out", fetcher: trusting, url: srv.URL + "/hang", wantErr: "context deadline exceeded", wantHits: 1, within: time.Second},
		// The default client trusts only the system roots, not the test server's certificate.
		{name: "untrusted certificate", fetcher: HTTPFetcher{}, url: srv.URL + "/ok", wantErr: "certificate", wantHits: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			start := time.Now()
			got, err := tt.fetcher.Fetch(context.Background(), tt.url)
			// Loading the system roots can take seconds under -race.
			within := cmp.Or(tt.within, DefaultFetchTimeout)
			if elapsed := time.Since(start); elapsed > within {
				t.Errorf("Fetch(%s) took %v", tt.url, elapsed)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Fetch(%s) = %q, %v, want error containing %q", tt.url, got, err, tt.wantErr)
				}
			} else if err != nil || string(got) != tt.want {
				t.Errorf("Fetch(%s) = %.40q, %v, want %.40q", tt.url, got, err, tt.want)
			}
			if n := hits.Load() - before; tt.wantHits >= 0 && n != tt.wantHits {
				t.Errorf("Fetch(%s) made %d requests, want %d", tt.url, n, tt.wantHits)
			}
		})
	}
}

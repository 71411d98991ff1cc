package remoteimg

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
)

func TestFetch(t *testing.T) {
	var cookies atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/small.png", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("small")) })
	mux.HandleFunc("/big.png", func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte("x"), 200)) })
	mux.HandleFunc("/chunked.png", func(w http.ResponseWriter, r *http.Request) {
		// No Content-Length: the cap applies while reading.
		for range 20 {
			w.Write(bytes.Repeat([]byte("y"), 20))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/missing.png", http.NotFound)
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/to-small", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/small.png", http.StatusFound)
	})
	mux.HandleFunc("/set-cookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "track", Value: "1"})
		http.Redirect(w, r, "/check-cookie", http.StatusFound)
	})
	mux.HandleFunc("/check-cookie", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Cookie") != "" {
			cookies.Add(1)
		}
		w.Write([]byte("c"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	lim := &Limits{MaxBytes: 100, MaxTotal: 1000}

	tests := []struct {
		name    string
		urls    []string
		lim     *Limits
		got     []string // URLs fetched
		wantErr error
	}{
		{"one image", []string{srv.URL + "/small.png"}, lim, []string{srv.URL + "/small.png"}, nil},
		{"duplicates fetched once", []string{srv.URL + "/small.png", srv.URL + "/small.png"}, lim, []string{srv.URL + "/small.png"}, nil},
		{"over the size per image", []string{srv.URL + "/big.png", srv.URL + "/small.png"}, lim, []string{srv.URL + "/small.png"}, ErrTooLarge},
		{"over the size per image, without a length", []string{srv.URL + "/chunked.png"}, lim, nil, ErrTooLarge},
		{"over the total", []string{srv.URL + "/big.png"}, &Limits{MaxBytes: 1000, MaxTotal: 150}, nil, ErrTooLarge},
		{"only http and https", []string{"file:///etc/passwd", "ftp://x.example/a.png", "/relative.png", "javascript:alert(1)", srv.URL + "/small.png"}, lim,
			[]string{srv.URL + "/small.png"}, ErrNotWeb},
		{"redirect to another scheme refused", []string{srv.URL + "/to-file"}, lim, nil, ErrRedirect},
		{"redirect on the web followed", []string{srv.URL + "/to-small"}, lim, []string{srv.URL + "/to-small"}, nil},
		{"server refusal", []string{srv.URL + "/missing.png"}, lim, nil, ErrBadStatus},
		{"too many images", []string{srv.URL + "/small.png", srv.URL + "/big.png"}, &Limits{MaxImages: 1}, []string{srv.URL + "/small.png"}, ErrTooMany},
		{"no cookies kept", []string{srv.URL + "/set-cookie"}, lim, []string{srv.URL + "/set-cookie"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Fetch(context.Background(), tt.urls, tt.lim)
			var got []string
			for u := range out {
				got = append(got, u)
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(tt.got, " ") {
				t.Errorf("Fetch(%v) fetched %v, want %v", tt.urls, got, tt.got)
			}
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Fetch(%v) error = %v, want %v", tt.urls, err, tt.wantErr)
			}
		})
	}
	if n := cookies.Load(); n != 0 {
		t.Errorf("%d requests carried a cookie the server set", n)
	}
	if out, _ := Fetch(context.Background(), []string{srv.URL + "/small.png"}, nil); string(out[srv.URL+"/small.png"]) != "small" {
		t.Errorf("Fetch with default limits = %q, want the image's bytes", out)
	}
}

// TestFetchCancelled: a server that never answers holds nothing up once
// the context ends.
func TestFetchCancelled(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	out, err := Fetch(ctx, []string{srv.URL + "/slow.png"}, nil)
	if !errors.Is(err, context.Canceled) || len(out) != 0 {
		t.Errorf("Fetch after cancel = %v, %v; want nothing and context.Canceled", out, err)
	}
}

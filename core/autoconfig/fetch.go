package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// DefaultFetchTimeout bounds one HTTPFetcher.Fetch, redirects included.
const DefaultFetchTimeout = 5 * time.Second

// maxRedirects is how many redirects a fetch follows, as net/http would
// (10) less the slack a configuration file never needs.
const maxRedirects = 5

// HTTPFetcher is the Fetcher Lookup uses by default. It fetches over HTTPS
// only, redirects included, with certificates verified, and refuses a
// status other than 200 and a body larger than MaxSize: settings that a
// network attacker could replace would send the user's password to them.
type HTTPFetcher struct {
	// Client makes the requests; nil means one over http.DefaultTransport
	// (system roots, proxy from the environment). Its CheckRedirect and
	// Timeout are not used: HTTPFetcher applies its own.
	Client *http.Client
	// Timeout bounds a fetch; 0 means DefaultFetchTimeout.
	Timeout time.Duration
	// MaxSize caps the body in bytes; 0 means MaxConfigSize.
	MaxSize int64
}

var _ Fetcher = HTTPFetcher{}

// Fetch gets rawURL, which must be https.
func (f HTTPFetcher) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("fetch %q: %w", rawURL, err)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("fetch %s: refusing a URL that is not https", u.Redacted())
	}
	timeout, limit := f.Timeout, f.MaxSize
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	if limit <= 0 {
		limit = MaxConfigSize
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	client := &http.Client{CheckRedirect: httpsRedirectsOnly}
	if f.Client != nil {
		client.Transport, client.Jar = f.Client.Transport, f.Client.Jar
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	req.Header.Set("Accept", "application/xml, text/xml;q=0.9, */*;q=0.1")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err // *url.Error already names the method and URL
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: server answered %s", u.Redacted(), resp.Status)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("fetch %s: response of %d bytes is larger than the %d allowed", u.Redacted(), resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: reading the response: %w", u.Redacted(), err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("fetch %s: response is larger than the %d bytes allowed", u.Redacted(), limit)
	}
	return body, nil
}

func httpsRedirectsOnly(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "https" {
		return fmt.Errorf("refusing a redirect to %s, which is not https", req.URL.Redacted())
	}
	if len(via) >= maxRedirects {
		return errors.New("too many redirects")
	}
	return nil
}

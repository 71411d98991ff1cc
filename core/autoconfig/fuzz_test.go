package autoconfig

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParseConfig feeds the XML parser arbitrary bytes. Whatever it
// accepts must hold up: servers that pass the checks, in order of
// preference, at least one each way, and short display texts. Seeds are
// the documents in testdata/ and the corpus in testdata/fuzz.
func FuzzParseConfig(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed documents in testdata: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(doc(goodIMAP, goodSMTP)))
	a := mustAddress(f, "jo@example.com")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseConfig(data, a)
		if err != nil {
			if c != nil {
				t.Fatalf("parseConfig() = %+v with error %v", c, err)
			}
			return
		}
		if len(c.Incoming) == 0 || len(c.Outgoing) == 0 {
			t.Fatalf("parseConfig() accepted %+v, with a direction empty", c)
		}
		if !slices.Equal(preferred(c.Incoming), c.Incoming) || !slices.Equal(preferred(c.Outgoing), c.Outgoing) {
			t.Fatalf("parseConfig() servers not in order of preference or duplicated: %+v", c)
		}
		for _, s := range c.Incoming {
			if s.Protocol != ProtocolIMAP && s.Protocol != ProtocolPOP3 {
				t.Fatalf("incoming server %+v is not IMAP or POP3", s)
			}
		}
		for _, s := range append(slices.Clone(c.Incoming), c.Outgoing...) {
			if err := s.check(); err != nil {
				t.Fatalf("parseConfig() accepted server %+v: %v", s, err)
			}
			if strings.Contains(s.Host, "%") {
				t.Fatalf("host %q keeps a placeholder", s.Host)
			}
		}
		if c.Provider == "" || len(c.Provider) > maxProviderLen+len("…") || len(c.Note) > 2*maxNoteLen+len(" ()…") {
			t.Fatalf("parseConfig() provider %q note %q", c.Provider, c.Note)
		}
	})
}

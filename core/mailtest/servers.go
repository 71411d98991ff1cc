package mailtest

import (
	"bufio"
	"cmp"
	"os"
	"strings"
	"testing"
)

// ServersFile is where scripts/mailservers.sh writes the settings of the
// real servers it starts: $TRIBUTARY_MAIL_ENV, else its default.
func ServersFile() string {
	return cmp.Or(os.Getenv("TRIBUTARY_MAIL_ENV"), "/tmp/tributary-mail/env")
}

// ReadServers reads such a file's KEY=VALUE lines (HOST, IMAPS_PORT,
// USER1, PASS1, CA_FILE and so on); # starts a comment.
func ReadServers(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	return env, sc.Err()
}

// Missing stops a test whose real peer (or privilege) is not there:
// under CI=true, where .ci/run provides every one, the test fails;
// elsewhere it is skipped, saying why.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

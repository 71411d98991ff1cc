//go:build linux

package cli

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
)

// TestPasswordsStayInTheirStore runs the real command line as child
// processes (account add with the passwords in TRIBUTARY_*_PASSWORD, then
// account test, send and sync, which read them from the file store the
// user chose) and looks for the passwords everywhere else they could
// leak: every file of the data directory but passwords.json (the SQLite
// database with its -wal and -shm, left behind by a SIGKILL, the message
// files), everything the commands printed or logged, and the command line
// and environment of the running sync and of any process it started.
func TestPasswordsStayInTheirStore(t *testing.T) {
	smtpPW := fmt.Sprintf("smtp-Secret-%x", rand.Uint64())
	popPW := fmt.Sprintf("pop-Secret-%x", rand.Uint64())
	// What could carry a password besides its plain text: AUTH PLAIN's
	// base64 of "\x00user\x00password", and the base64 of the password.
	needles := map[string]string{}
	for _, p := range []struct{ user, pw string }{{"sam", smtpPW}, {"sam", popPW}} {
		needles[p.pw] = p.pw
		needles["base64 of "+p.pw] = base64.StdEncoding.EncodeToString([]byte(p.pw))
		needles["AUTH PLAIN of "+p.pw] = base64.StdEncoding.EncodeToString([]byte("\x00" + p.user + "\x00" + p.pw))
	}
	leaks := func(where string, data []byte) {
		t.Helper()
		for name, n := range needles {
			if bytes.Contains(data, []byte(n)) {
				t.Errorf("%s contains %s", where, name)
			}
		}
	}

	smtpSrv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"sam": smtpPW}, AllowInsecureAuth: true})
	popSrv := pop3test.Start(t, pop3test.Options{Users: map[string]string{"sam": popPW}})
	for i := range 3 {
		popSrv.Add("sam", fmt.Appendf(nil, "From: s@example.test\r\nSubject: secret test %d\r\nMessage-ID: <sec%d@example.test>\r\n\r\nbody\r\n", i, i))
	}
	popHost, popPort, _ := net.SplitHostPort(popSrv.Addr)
	dir := t.TempDir()
	var printed bytes.Buffer
	run := func(env []string, args ...string) {
		t.Helper()
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--", "--data-dir", dir}, args...)...)
		cmd.Env = append(append(os.Environ(), "TRIBUTARY_CLI_CHILD=1"), env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		printed.Write(out.Bytes())
		if err != nil {
			t.Fatalf("tributary %s = %v:\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	run([]string{"TRIBUTARY_SMTP_PASSWORD=" + smtpPW, "TRIBUTARY_SOURCE_PASSWORD=" + popPW},
		"account", "add", "--name", "sam", "--email", "sam@example.test", "--smtp-host", smtpSrv.Host,
		"--smtp-port", strconv.Itoa(smtpSrv.Port), "--smtp-encryption", "none", "--smtp-username", "sam",
		"--password-store", "file", "--allow-cleartext-password",
		"--source-protocol", "pop3", "--source-host", popHost, "--source-port", popPort, "--source-username", "sam",
		"--source-encryption", "none", "--retrieval", "manual")
	run(nil, "account", "test", "sam")
	run(nil, "send", "--from", "sam", "--to", "rcpt@example.test", "--subject", "secret test", "--body-file", writeTemp(t, "hi\n"))
	run(nil, "sync", "--once")
	run(nil, "diagnostics") // what a user pastes into a public bug report
	if got := len(smtpSrv.Messages()); got != 1 {
		t.Fatalf("the SMTP server received %d messages, want 1: the test did not log in", got)
	}
	if !strings.Contains(printed.String(), "SMTP "+smtpSrv.Host) {
		t.Fatalf("diagnostics did not run: %s", printed.String())
	}

	// A sync that hangs at RETR, after its login, is looked at while it
	// runs and then killed, which leaves the -wal and -shm files behind.
	popSrv.Add("sam", []byte("From: s@example.test\r\nSubject: hangs\r\nMessage-ID: <hang@example.test>\r\n\r\nbody\r\n"))
	popSrv.Stall("RETR")
	retrs := retrSent(popSrv)
	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "--data-dir", dir, "sync", "--once")
	cmd.Env = append(os.Environ(), "TRIBUTARY_CLI_CHILD=1")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(30 * time.Second)
	for retrSent(popSrv) == retrs {
		if time.Now().After(deadline) {
			t.Fatalf("the sync never reached RETR; server saw %q", popSrv.Commands())
		}
		time.Sleep(20 * time.Millisecond)
	}
	procs := append([]int{cmd.Process.Pid}, descendants(cmd.Process.Pid)...)
	for _, pid := range procs {
		for _, f := range []string{"cmdline", "environ"} {
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, f))
			if err != nil {
				t.Fatalf("read /proc/%d/%s: %v", pid, f, err)
			}
			if f == "cmdline" && pid == cmd.Process.Pid && !bytes.Contains(data, []byte("sync")) {
				t.Fatalf("/proc/%d/cmdline = %q, not the sync", pid, data)
			}
			leaks(fmt.Sprintf("/proc/%d/%s of the running sync", pid, f), data)
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	printed.Write(out.Bytes())
	leaks("what the commands printed and logged", printed.Bytes())

	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		seen[rel] = true
		if rel == "passwords.json" {
			// The store the user chose: it must hold them, or the search
			// above proves nothing.
			if !bytes.Contains(data, []byte(smtpPW)) || !bytes.Contains(data, []byte(popPW)) {
				t.Errorf("passwords.json does not hold the passwords; the search is broken")
			}
			return nil
		}
		leaks(rel, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tributary.db", "tributary.db-wal", "tributary.db-shm", "passwords.json"} {
		if !seen[want] {
			t.Errorf("the data directory has no %s to search (files: %v)", want, seen)
		}
	}
}

// retrSent counts the RETR commands the POP3 server has seen.
func retrSent(s *pop3test.Server) int {
	n := 0
	for _, c := range s.Commands() {
		if strings.HasPrefix(strings.ToUpper(c), "RETR") {
			n++
		}
	}
	return n
}

// descendants lists the processes pid started, and theirs.
func descendants(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(data)) {
			if child, err := strconv.Atoi(s); err == nil {
				out = append(out, child)
				out = append(out, descendants(child)...)
			}
		}
	}
	return out
}

// TestOAuthTokensStayInTheirStore is TestPasswordsStayInTheirStore for an
// OAuth2 account against the real Dovecot and Postfix: the refresh token
// (and every access token made from it, raw or as the base64 of its SASL
// message) is in passwords.json only, never in SQLite with its -wal and
// -shm, the message files, what the commands printed, or the command line
// and environment of a running sync.
func TestOAuthTokensStayInTheirStore(t *testing.T) {
	srv := needOAuth(t)
	user := servers["OAUTH_USER1"]
	dir := t.TempDir()
	addOAuthAccount(t, srv, dir, "tok", user, imapSource()...)
	var printed bytes.Buffer
	child := func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--", "--data-dir", dir}, args...)...)
		cmd.Env = append(os.Environ(), "TRIBUTARY_CLI_CHILD=1")
		cmd.Stdout, cmd.Stderr = &printed, &printed
		return cmd
	}
	for _, args := range [][]string{
		{"account", "test", "tok"},
		{"send", "--from", "tok", "--to", user, "--subject", "tokens at rest", "--body-file", writeTemp(t, "hi\n")},
		{"sync", "--once"},
	} {
		if err := child(args...).Run(); err != nil {
			t.Fatalf("tributary %s = %v:\n%s", strings.Join(args, " "), err, printed.String())
		}
	}

	// A running engine, looked at once it signed in, then killed.
	checks := srv.Introspections()
	sync := child("sync")
	if err := sync.Start(); err != nil {
		t.Fatal(err)
	}
	defer sync.Process.Kill()
	deadline := time.Now().Add(30 * time.Second)
	for srv.Introspections() == checks {
		if time.Now().After(deadline) {
			t.Fatalf("the running sync never signed in:\n%s", printed.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var procData []byte
	for _, pid := range append([]int{sync.Process.Pid}, descendants(sync.Process.Pid)...) {
		for _, f := range []string{"cmdline", "environ"} {
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, f))
			if err != nil {
				t.Fatalf("read /proc/%d/%s: %v", pid, f, err)
			}
			procData = append(procData, data...)
		}
	}
	sync.Process.Signal(syscall.SIGKILL)
	sync.Wait()

	host := servers["HOST"]
	needles := map[string]string{}
	for i, tok := range srv.RefreshTokens() {
		needles[fmt.Sprintf("refresh token %d", i)] = tok
	}
	for i, tok := range srv.AccessTokens() {
		needles[fmt.Sprintf("access token %d", i)] = tok
		for _, port := range []string{servers["IMAPS_PORT"], servers["SUBMISSION_PORT"]} {
			p, _ := strconv.Atoi(port)
			ir := "n,a=" + user + ",\x01host=" + host + "\x01port=" + strconv.Itoa(p) + "\x01auth=Bearer " + tok + "\x01\x01"
			needles[fmt.Sprintf("OAUTHBEARER message of access token %d", i)] = base64.StdEncoding.EncodeToString([]byte(ir))
		}
	}
	if len(srv.RefreshTokens()) == 0 || len(srv.AccessTokens()) < 2 {
		t.Fatalf("the server issued %d refresh and %d access tokens; the commands did not sign in", len(srv.RefreshTokens()), len(srv.AccessTokens()))
	}
	leaks := func(where string, data []byte) {
		t.Helper()
		for name, n := range needles {
			if bytes.Contains(data, []byte(n)) {
				t.Errorf("%s contains the %s", where, name)
			}
		}
	}
	leaks("the running sync's command line and environment", procData)
	leaks("what the commands printed and logged", printed.Bytes())
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err // the killed sync's control socket cannot be read
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		seen[rel] = true
		if rel == "passwords.json" {
			found := false
			for _, tok := range srv.RefreshTokens() {
				found = found || bytes.Contains(data, []byte(tok))
			}
			if !found {
				t.Errorf("passwords.json holds no refresh token; the search is broken")
			}
			return nil
		}
		leaks(rel, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tributary.db", "tributary.db-wal", "passwords.json"} {
		if !seen[want] {
			t.Errorf("the data directory has no %s to search (files: %v)", want, seen)
		}
	}
}

package mailbox

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// MaildirFolder is one Maildir of a Maildir++ tree.
type MaildirFolder struct {
	// Name is the folder's name: "" for the tree's root (the inbox),
	// else the directory's name without its leading dot, as it is on
	// disk (".Lists.go" is "Lists.go").
	Name string
	Dir  string
}

// MaildirMessage is one message file of a Maildir.
type MaildirMessage struct {
	Path  string
	Flags core.Flags // from the name's ":2," info
	New   bool       // in new/: no client has seen it yet
}

// IsMaildir reports whether dir is a Maildir: it has cur/ or new/.
func IsMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// MaildirFolders lists the Maildirs of a Maildir++ tree: root itself if
// it is one, then each ".Name" subdirectory that is one, sorted by name.
// A root that is neither gets ErrNotMaildir.
func MaildirFolders(root string) ([]MaildirFolder, error) {
	var out []MaildirFolder
	if IsMaildir(root) {
		out = append(out, MaildirFolder{Dir: root})
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("mailbox: read Maildir %s: %w", root, err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || len(name) < 2 || name[0] != '.' || name == ".." {
			continue
		}
		if dir := filepath.Join(root, name); IsMaildir(dir) {
			out = append(out, MaildirFolder{Name: name[1:], Dir: dir})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", root, ErrNotMaildir)
	}
	return out, nil
}

// ErrNotMaildir is returned for a directory with no Maildir in it.
var ErrNotMaildir = errors.New("mailbox: not a Maildir (no cur/ or new/ directory, and no .Folder with one)")

// MaildirMessages lists the messages of one Maildir, new/ then cur/,
// each sorted by name (which starts with the delivery time). tmp/ holds
// deliveries in progress and is left alone.
func MaildirMessages(dir string) ([]MaildirMessage, error) {
	var out []MaildirMessage
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("mailbox: read Maildir %s: %w", dir, err)
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, MaildirMessage{Path: filepath.Join(dir, sub, n), Flags: ParseMaildirFlags(n), New: sub == "new"})
		}
	}
	return out, nil
}

// ParseMaildirFlags reads the flags of a message file's name: the
// letters after ":2," (or ";2," and "!2,", which clients use on Windows,
// where a name cannot hold ":").
func ParseMaildirFlags(name string) core.Flags {
	var f core.Flags
	i := strings.LastIndexAny(name, ":;!")
	if i < 0 || !strings.HasPrefix(name[i+1:], "2,") {
		return f
	}
	for _, c := range name[i+3:] {
		switch c {
		case 'S':
			f.Seen = true
		case 'F':
			f.Flagged = true
		case 'R':
			f.Answered = true
		case 'T':
			f.Deleted = true
		}
	}
	return f
}

// maildirInfo is the ":2,FLAGS" suffix for f, flags in ASCII order as
// the Maildir specification asks.
func maildirInfo(f core.Flags) string {
	sep := ":"
	if runtime.GOOS == "windows" {
		sep = ";" // as isync does: ":" cannot be in a Windows file name
	}
	s := sep + "2,"
	if f.Flagged {
		s += "F"
	}
	if f.Answered {
		s += "R"
	}
	if f.Seen {
		s += "S"
	}
	if f.Deleted {
		s += "T"
	}
	return s
}

// MaildirFolderDir is where folder name of a Maildir++ tree lives: the
// root for "", else root/.name with "/" made the Maildir++ separator ".".
func MaildirFolderDir(root, name string) string {
	if name == "" {
		return root
	}
	return filepath.Join(root, "."+strings.ReplaceAll(name, "/", "."))
}

// Maildir writes messages into one Maildir.
type Maildir struct {
	dir  string
	host string
}

// CreateMaildir makes dir a Maildir (tmp/, new/ and cur/), keeping what
// is there already.
func CreateMaildir(dir string) (*Maildir, error) {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("mailbox: create Maildir: %w", err)
		}
	}
	host, _ := os.Hostname()
	host = strings.NewReplacer("/", `\057`, ":", `\072`, ";", "", "!", "").Replace(host)
	if host == "" {
		host = "localhost"
	}
	return &Maildir{dir: dir, host: host}, nil
}

var deliveries atomic.Int64

// Add writes a message the Maildir way: into tmp/, synced, then renamed
// into cur/ with its flags, so a reader never sees half a message. The
// file's modification time is set to date (when not zero), which
// clients take for the arrival time. It returns the file's path.
func (m *Maildir) Add(msg io.Reader, flags core.Flags, date time.Time) (string, error) {
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	now := time.Now()
	unique := fmt.Sprintf("%d.M%dP%dQ%dR%s.%s", now.Unix(), now.Nanosecond()/1000, os.Getpid(), deliveries.Add(1), hex.EncodeToString(rnd[:]), m.host)
	tmp := filepath.Join(m.dir, "tmp", unique)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("mailbox: write Maildir: %w", err)
	}
	_, err = io.Copy(f, msg)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !date.IsZero() {
		err = os.Chtimes(tmp, date, date)
	}
	final := filepath.Join(m.dir, "cur", unique+maildirInfo(flags))
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("mailbox: write Maildir: %w", err)
	}
	return final, nil
}

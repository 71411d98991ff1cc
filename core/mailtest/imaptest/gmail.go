package imaptest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Gmail is a scripted server (a Fake) that lists one message under each
// of its labels, as Gmail does: INBOX, "[Gmail]/All Mail" and label
// mailboxes hold the same message under a UID of each, with one
// X-GM-MSGID. With the extension it advertises X-GM-EXT-1 and answers
// X-GM-MSGID; without it, any command naming X-GM- is refused (BAD) and
// recorded, so a test proves a plain server is never asked. It counts the
// bodies (BODY[]) it serves, per message. FETCH items come in a different
// order for each message. It advertises CONDSTORE and then, as RFC 7162
// says, sends MODSEQ beside every FLAGS. One connection at a time: the
// selected mailbox is the server's.
type Gmail struct {
	*Fake

	mu       sync.Mutex
	ext      bool
	boxes    []*gmailBox
	raw      map[uint64][]byte
	bodies   map[uint64]int
	refused  []string
	selected *gmailBox
}

type gmailBox struct {
	name        string
	attrs       string
	uidValidity uint32
	msgs        []gmailCopy // in UID order
}

type gmailCopy struct {
	uid    uint32
	id     uint64
	flags  string
	omitID bool
}

// AllMail is the name of Gmail's mailbox that holds every message.
const AllMail = "[Gmail]/All Mail"

// StartGmail starts a Gmail server, with X-GM-EXT-1 when ext, holding
// INBOX and AllMail (empty so far).
func StartGmail(t testing.TB, ext bool) *Gmail {
	t.Helper()
	g := &Gmail{ext: ext, raw: map[uint64][]byte{}, bodies: map[uint64]int{}}
	g.boxes = []*gmailBox{{name: "INBOX", uidValidity: 1}, {name: AllMail, attrs: `\All`, uidValidity: 2}}
	g.Fake = StartFake(t, "* OK Gimap ready", g.reply)
	return g
}

// Add files message id (raw) in mailbox under uid with flags (such as
// `\Seen`); a mailbox not known yet is created, as a label. UIDs must
// grow within a mailbox.
func (g *Gmail) Add(mailbox string, uid uint32, id uint64, flags string, raw []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.raw[id] = raw
	b := g.box(mailbox)
	if b == nil {
		b = &gmailBox{name: mailbox, uidValidity: uint32(len(g.boxes) + 1)}
		g.boxes = append(g.boxes, b)
	}
	b.msgs = append(b.msgs, gmailCopy{uid: uid, id: id, flags: flags})
}

// SetUIDValidity changes a mailbox's UIDVALIDITY, as a server does when
// it renumbers the mailbox: a client must forget its UIDs.
func (g *Gmail) SetUIDValidity(mailbox string, v uint32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.box(mailbox).uidValidity = v
}

// OmitID makes the server leave X-GM-MSGID out of its replies about uid
// in mailbox.
func (g *Gmail) OmitID(mailbox string, uid uint32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, m := range g.box(mailbox).msgs {
		if m.uid == uid {
			g.box(mailbox).msgs[i].omitID = true
		}
	}
}

// Bodies is how many times the server sent each message's body, by
// X-GM-MSGID.
func (g *Gmail) Bodies() map[uint64]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[uint64]int, len(g.bodies))
	for id, n := range g.bodies {
		out[id] = n
	}
	return out
}

// Refused lists the commands that named X-GM- on a server without the
// extension.
func (g *Gmail) Refused() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.refused)
}

func (g *Gmail) box(name string) *gmailBox {
	for _, b := range g.boxes {
		if b.name == name {
			return b
		}
	}
	return nil
}

func (g *Gmail) caps() string {
	caps := "IMAP4rev1 UIDPLUS CONDSTORE IDLE AUTH=PLAIN"
	if g.ext {
		caps += " X-GM-EXT-1"
	}
	return caps
}

func (g *Gmail) reply(tag, command string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.ext && strings.Contains(strings.ToUpper(command), "X-GM-") {
		g.refused = append(g.refused, command)
		return []string{tag + " BAD Unknown command or argument"}
	}
	verb, args, _ := strings.Cut(command, " ")
	switch strings.ToUpper(verb) {
	case "CAPABILITY":
		return []string{"* CAPABILITY " + g.caps(), tag + " OK done"}
	case "LOGIN":
		return []string{tag + " OK [CAPABILITY " + g.caps() + "] logged in"}
	case "LOGOUT":
		return []string{"* BYE bye", tag + " OK done"}
	case "NOOP":
		return []string{tag + " OK done"}
	case "LIST", "LSUB":
		lines := []string{fmt.Sprintf(`* %s (\Noselect \HasChildren) "/" "[Gmail]"`, strings.ToUpper(verb))}
		for _, b := range g.boxes {
			lines = append(lines, fmt.Sprintf(`* %s (%s) "/" %s`, strings.ToUpper(verb), strings.TrimSpace(b.attrs+` \HasNoChildren`), strconv.Quote(b.name)))
		}
		return append(lines, tag+" OK done")
	case "SELECT", "EXAMINE":
		name, _, _ := strings.Cut(args, " (")
		if unq, err := strconv.Unquote(name); err == nil {
			name = unq
		}
		g.selected = g.box(name)
		if g.selected == nil {
			return []string{tag + " NO [NONEXISTENT] Unknown Mailbox"}
		}
		return []string{
			`* FLAGS (\Seen \Flagged \Answered \Deleted)`,
			fmt.Sprintf("* %d EXISTS", len(g.selected.msgs)),
			fmt.Sprintf("* OK [UIDVALIDITY %d] ok", g.selected.uidValidity),
			"* OK [HIGHESTMODSEQ 1] ok",
			tag + " OK [READ-ONLY] done",
		}
	case "UID":
		sub, rest, _ := strings.Cut(args, " ")
		set, items, _ := strings.Cut(rest, " ")
		switch strings.ToUpper(sub) {
		case "SEARCH":
			line := "* SEARCH"
			for _, m := range g.selected.msgs {
				line += " " + strconv.Itoa(int(m.uid))
			}
			return []string{line, tag + " OK done"}
		case "FETCH":
			var in []int
			for i, m := range g.selected.msgs {
				if inSet(set, m.uid, g.selected.msgs[len(g.selected.msgs)-1].uid) {
					in = append(in, i)
				}
			}
			return g.fetch(tag, in, items)
		}
	case "FETCH":
		set, items, _ := strings.Cut(args, " ")
		var in []int
		for i := range g.selected.msgs {
			if inSet(set, uint32(i+1), uint32(len(g.selected.msgs))) {
				in = append(in, i)
			}
		}
		return g.fetch(tag, in, items)
	}
	return nil
}

// fetch answers a FETCH of the selected mailbox's messages at indexes in.
// Every modification sequence is 1, so a CHANGEDSINCE gets nothing.
func (g *Gmail) fetch(tag string, in []int, items string) []string {
	if strings.Contains(strings.ToUpper(items), "(CHANGEDSINCE ") {
		return []string{tag + " OK done"}
	}
	up := strings.ToUpper(items)
	var lines []string
	for _, i := range in {
		m := g.selected.msgs[i]
		raw := g.raw[m.id]
		parts := []string{fmt.Sprintf("UID %d", m.uid)}
		if strings.Contains(up, "FLAGS") {
			parts = append(parts, fmt.Sprintf("FLAGS (%s)", m.flags), "MODSEQ (1)")
		}
		if strings.Contains(up, "RFC822.SIZE") {
			parts = append(parts, fmt.Sprintf("RFC822.SIZE %d", len(raw)))
		}
		if strings.Contains(up, "INTERNALDATE") {
			parts = append(parts, `INTERNALDATE "02-Feb-2026 10:00:00 +0000"`)
		}
		if strings.Contains(up, "X-GM-MSGID") && !m.omitID {
			parts = append(parts, fmt.Sprintf("X-GM-MSGID %d", m.id))
		}
		body := strings.Contains(up, "BODY.PEEK[]") || strings.Contains(up, "BODY[]")
		if !body {
			// Any order RFC 3501 allows: a different one per message.
			k := (i + int(m.uid)) % len(parts)
			parts = append(parts[k:], parts[:k]...)
		} else {
			// The UID first, where go-imap needs it before a literal.
			parts = append(parts, "BODY[] "+Literal(raw))
			g.bodies[m.id]++
		}
		lines = append(lines, fmt.Sprintf("* %d FETCH (%s)", i+1, strings.Join(parts, " ")))
	}
	return append(lines, tag+" OK done")
}

// inSet reports whether n is in an IMAP number set such as 1:3,5 or 4:*,
// where * is last.
func inSet(set string, n, last uint32) bool {
	num := func(s string) uint32 {
		if s == "*" {
			return last
		}
		v, _ := strconv.ParseUint(s, 10, 32)
		return uint32(v)
	}
	for _, part := range strings.Split(set, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		from, to := num(lo), num(lo)
		if isRange {
			to = num(hi)
		}
		if n >= min(from, to) && n <= max(from, to) {
			return true
		}
	}
	return false
}

// Package thread groups messages into conversations with the JWZ algorithm
// (https://www.jwz.org/doc/threading.html): a message's References and
// In-Reply-To name its ancestors, and ancestors that are missing are kept
// as empty nodes so that their descendants still meet. The normalised
// subject is a fallback only for messages that name no ancestor at all.
//
// Threads span folders and accounts: only Message-IDs and subjects count,
// so a reply filed in Sent, or received by another account, joins the
// conversation.
//
// Membership is the connected component: two messages are in one thread
// when a chain of Message-IDs (their own or referenced) links them. The
// store assigns thread IDs incrementally with the same rule (a new message
// joins, and merges, the threads of every message it shares an ID with),
// so a store threaded message by message and one threaded at once by
// Build agree. The tree inside a thread follows JWZ: where References
// disagree, the first parent seen wins and loops are never made.
package thread

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// MaxRefs is how many references of a message count, the nearest
// ancestors: a hostile message naming thousands must not cost thousands of
// lookups, and a real conversation is rarely that deep.
const MaxRefs = 100

// Message is what threading needs of one message.
type Message struct {
	Key       int64  // the store's ID; a thread's ID is its smallest Key
	MessageID string // without angle brackets; may be empty
	// Refs are the ancestors' Message-IDs, oldest first: References with
	// In-Reply-To after them (see Refs).
	Refs    []string
	Subject string
	Date    time.Time
}

// Node is one place in a thread's tree. A node without a message stands
// for a message that is referenced but not here.
type Node struct {
	Message  *Message
	Children []*Node
	id       string
	parent   *Node
}

// Thread is one conversation.
type Thread struct {
	ID       int64      // the smallest Key of its messages
	Root     *Node      // may be an empty node holding several subtrees
	Messages []*Message // oldest first
}

// Refs combines a message's References and In-Reply-To into its ancestors,
// oldest first and without repeats, keeping the nearest MaxRefs.
// In-Reply-To goes last when References does not already end with it:
// it names the parent.
func Refs(inReplyTo string, references []string) []string {
	out := make([]string, 0, len(references)+1)
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, r := range references {
		add(r)
	}
	if inReplyTo != "" && seen[inReplyTo] && out[len(out)-1] != inReplyTo {
		// The parent named by In-Reply-To is nearest, whatever References
		// said.
		out = slices.DeleteFunc(out, func(s string) bool { return s == inReplyTo })
		seen[inReplyTo] = false
	}
	add(inReplyTo)
	if len(out) > MaxRefs {
		out = out[len(out)-MaxRefs:]
	}
	return out
}

// SubjectKey normalises a subject for the fallback: reply and forward
// prefixes ("Re:", "Fwd:", "AW:", "Re[2]:"…) and white space folded, case
// ignored. reply reports whether a prefix was removed. An empty key means
// the subject cannot thread.
func SubjectKey(subject string) (key string, reply bool) {
	s := strings.Join(strings.Fields(subject), " ")
	for {
		t, ok := cutPrefix(s)
		if !ok {
			break
		}
		s, reply = t, true
	}
	return strings.ToLower(s), reply
}

var replyPrefixes = []string{"re", "fwd", "fw", "aw", "sv", "vs", "wg", "antw", "tr", "rif", "odp"}

// cutPrefix removes one reply prefix such as "Re: " or "Re[2]: ".
func cutPrefix(s string) (string, bool) {
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	if i <= 0 || !slices.Contains(replyPrefixes, strings.ToLower(s[:i])) {
		return s, false
	}
	rest := s[i:]
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 || strings.Trim(rest[1:end], "0123456789") != "" {
			return s, false
		}
		rest = rest[end+1:]
	}
	if !strings.HasPrefix(rest, ":") {
		return s, false
	}
	return strings.TrimSpace(rest[1:]), true
}

// unionFind joins node names into components.
type unionFind map[string]string

func (u unionFind) find(x string) string {
	root := x
	for {
		p, ok := u[root]
		if !ok || p == root {
			break
		}
		root = p
	}
	for x != root { // path compression
		next := u[x]
		u[x] = root
		x = next
	}
	return root
}

func (u unionFind) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u[ra] = rb
	}
}

// msgNode is the component name of a message: its Message-ID, or its Key
// when it has none (the prefix cannot start a Message-ID's name here, as
// they are stored without brackets).
func msgNode(m *Message) string {
	if m.MessageID == "" {
		return "<#" + strconv.FormatInt(m.Key, 10)
	}
	return m.MessageID
}

// Build threads msgs. Threads come newest activity first; each thread's
// messages oldest first.
func Build(msgs []Message) []Thread {
	u := unionFind{}
	for i := range msgs {
		m := &msgs[i]
		n := msgNode(m)
		u.find(n)
		for _, r := range m.Refs {
			u.union(n, r)
		}
	}
	// The subject fallback: among messages that name no ancestor, those of
	// one subject form one conversation when one of them is a reply
	// ("Hello" and "Re: Hello"), but two "Hello"s are two conversations.
	type group struct {
		nodes []string
		reply bool
	}
	bySubject := map[string]*group{}
	for i := range msgs {
		m := &msgs[i]
		if len(m.Refs) > 0 {
			continue
		}
		key, reply := SubjectKey(m.Subject)
		if key == "" {
			continue
		}
		g := bySubject[key]
		if g == nil {
			g = &group{}
			bySubject[key] = g
		}
		g.nodes = append(g.nodes, msgNode(m))
		g.reply = g.reply || reply
	}
	for _, g := range bySubject {
		if g.reply {
			for _, n := range g.nodes[1:] {
				u.union(g.nodes[0], n)
			}
		}
	}

	roots := tree(msgs)
	byComp := map[string]*Thread{}
	var out []*Thread
	for _, r := range roots {
		comp := u.find(componentOf(r))
		t := byComp[comp]
		if t == nil {
			t = &Thread{Root: r}
			byComp[comp] = t
			out = append(out, t)
			continue
		}
		// Several trees in one conversation (joined by subject, or by
		// References that disagree): under one empty node.
		if t.Root.Message != nil || t.Root.id != "" {
			t.Root = &Node{Children: []*Node{t.Root}}
		}
		t.Root.Children = append(t.Root.Children, r)
	}
	result := make([]Thread, 0, len(out))
	for _, t := range out {
		walk(t.Root, func(n *Node) {
			if n.Message != nil {
				t.Messages = append(t.Messages, n.Message)
			}
		})
		slices.SortFunc(t.Messages, byDate)
		t.ID = t.Messages[0].Key
		for _, m := range t.Messages {
			t.ID = min(t.ID, m.Key)
		}
		sortChildren(t.Root)
		result = append(result, *t)
	}
	slices.SortFunc(result, func(a, b Thread) int {
		return -byDate(a.Messages[len(a.Messages)-1], b.Messages[len(b.Messages)-1])
	})
	return result
}

func byDate(a, b *Message) int {
	if c := a.Date.Compare(b.Date); c != 0 {
		return c
	}
	switch {
	case a.Key < b.Key:
		return -1
	case a.Key > b.Key:
		return 1
	}
	return 0
}

// componentOf names a tree by one message in it, or the ID of its root.
func componentOf(r *Node) string {
	var name string
	walk(r, func(n *Node) {
		if name == "" && n.Message != nil {
			name = msgNode(n.Message)
		}
	})
	if name == "" {
		name = r.id
	}
	return name
}

func walk(n *Node, fn func(*Node)) {
	fn(n)
	for _, c := range n.Children {
		walk(c, fn)
	}
}

// earliest is the date of the oldest message under n.
func earliest(n *Node) (d time.Time, key int64) {
	first := true
	walk(n, func(x *Node) {
		if x.Message != nil && (first || byDate(x.Message, &Message{Date: d, Key: key}) < 0) {
			d, key, first = x.Message.Date, x.Message.Key, false
		}
	})
	return d, key
}

func sortChildren(n *Node) {
	slices.SortFunc(n.Children, func(a, b *Node) int {
		da, ka := earliest(a)
		db, kb := earliest(b)
		return byDate(&Message{Date: da, Key: ka}, &Message{Date: db, Key: kb})
	})
	for _, c := range n.Children {
		sortChildren(c)
	}
}

// tree is JWZ's steps 1 to 4: containers by Message-ID, parents from
// References, the root set, and empty containers pruned.
func tree(msgs []Message) []*Node {
	byID := map[string]*Node{}
	var order []*Node // every container, in creation order, for determinism
	get := func(id string) *Node {
		n := byID[id]
		if n == nil {
			n = &Node{id: id}
			byID[id] = n
			order = append(order, n)
		}
		return n
	}
	for i := range msgs {
		m := &msgs[i]
		var self *Node
		if m.MessageID != "" && byID[m.MessageID] != nil && byID[m.MessageID].Message == nil {
			self = byID[m.MessageID]
		} else {
			// No ID, or a second copy of one (the same message in two
			// folders or accounts): a container of its own, which then
			// hangs under the first copy's parent like a sibling.
			self = &Node{id: m.MessageID}
			order = append(order, self)
			if m.MessageID != "" && byID[m.MessageID] == nil {
				byID[m.MessageID] = self
			}
		}
		self.Message = m
		// Link the References chain, each to the next, where that makes
		// no loop and the child has no parent yet.
		var prev *Node
		for _, r := range m.Refs {
			c := get(r)
			if prev != nil && c.parent == nil && c != prev && !reaches(c, prev) {
				link(prev, c)
			}
			prev = c
		}
		// This message's own parent is its last reference, replacing a
		// parent guessed from another message's References.
		if prev != nil && prev != self && !reaches(self, prev) {
			if self.parent != nil {
				unlink(self)
			}
			link(prev, self)
		}
	}
	var roots []*Node
	for _, n := range order {
		if n.parent == nil {
			roots = append(roots, n)
		}
	}
	var pruned []*Node
	for _, r := range roots {
		pruned = append(pruned, prune(r, true)...)
	}
	return pruned
}

// reaches reports whether to is from or a descendant of from: linking
// to's parent to a node under from would make a loop.
func reaches(from, to *Node) bool {
	for n := to; n != nil; n = n.parent {
		if n == from {
			return true
		}
	}
	return false
}

func link(parent, child *Node) {
	child.parent = parent
	parent.Children = append(parent.Children, child)
}

func unlink(n *Node) {
	p := n.parent
	p.Children = slices.DeleteFunc(p.Children, func(c *Node) bool { return c == n })
	n.parent = nil
}

// prune drops empty containers: one without children goes, one with
// children gives them to its parent, except at the root when it has
// several (they stay siblings under it, as JWZ says).
func prune(n *Node, root bool) []*Node {
	var kids []*Node
	for _, c := range n.Children {
		kids = append(kids, prune(c, false)...)
	}
	n.Children = kids
	for _, c := range kids {
		c.parent = n
	}
	if n.Message != nil {
		return []*Node{n}
	}
	if len(kids) == 0 {
		return nil
	}
	if root && len(kids) > 1 {
		return []*Node{n}
	}
	for _, c := range kids {
		c.parent = nil
	}
	return kids
}

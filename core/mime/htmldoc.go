package mime

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Doc is a message's HTML reduced to what Tributary can show: lines of
// styled text, headings, preformatted blocks, rules and lists, with links
// already checked and images already classified. It is built once per
// message by ParseHTML and read by everything that needs the HTML: the
// index and the CLI through Text, the GUI's reader through a walk over
// Blocks. Nothing in it can run script or load from the network by
// itself; only Images marked Remote ever leave the machine, and only
// when the user asks (see core/remoteimg).
type Doc struct {
	Blocks []Block
	// Images lists the distinct image sources shown, in document order
	// (at most MaxHTMLImages), so that a viewer can load them: embedded
	// ones at once, remote ones after consent. Hidden images and
	// tracking pixels are not listed.
	Images []Image
	// Remote counts the references the HTML makes to anything outside the
	// message (image sources, srcset, background attributes, CSS url()),
	// tracking pixels and hidden ones included: what a browser would have
	// fetched, and what the user is told was blocked. An image counts once
	// whatever its attributes, by the rule SanitizeHTML's count follows.
	Remote int
	// Truncated says the document was cut at MaxHTMLRunes of text or
	// MaxHTMLItems blocks and runs.
	Truncated bool
}

// BlockKind says what a Block holds.
type BlockKind uint8

// The kinds of block.
const (
	// BlockLine is one line of inline Runs; a line without runs is a
	// blank line (between paragraphs, or from <br><br>).
	BlockLine BlockKind = iota
	BlockHeading
	BlockPre
	BlockRule
	BlockList
)

// Block is one line, heading, preformatted text, rule or list.
type Block struct {
	Kind  BlockKind
	Quote int    // depth of <blockquote> around a line, heading or pre
	Level int    // BlockHeading: 1 to 6
	Runs  []Run  // BlockLine
	Text  string // BlockHeading (white space collapsed), BlockPre (lines kept, tabs as four spaces)
	List  *List  // BlockList
}

// List is a list whose items hold lines and nested lists. Items without
// content are dropped.
type List struct {
	Ordered bool
	Start   int // the number of the first item of an ordered list
	Items   [][]Block
}

// Style is a set of inline styles.
type Style uint8

// The inline styles a run can have.
const (
	Bold Style = 1 << iota
	Italic
	Code
)

// Run is inline text in one style, or an image in the text flow.
type Run struct {
	Text  string
	Style Style
	// Link is the run's target when it is inside a link to an http, https
	// (with a host) or mailto URL; links to anything else are plain text.
	// Consecutive runs of one link share the pointer.
	Link  *url.URL
	Image *Image // an image; Text is empty
}

// Image is an image the HTML shows.
type Image struct {
	Src string // as written, trimmed: the key for loaded images
	Alt string // white space collapsed, control characters removed
	// Remote is set for http, https and protocol-relative sources, which
	// are fetched only after the user's consent; URL is then the absolute
	// URL to fetch. Embedded is set for cid: and data:image/ sources,
	// which the message itself carries. Any other source (relative, other
	// schemes) is neither and is never loaded: Tributary ignores <base>.
	Remote   bool
	Embedded bool
	URL      string
}

// Outside reports whether the image's source points outside the message
// (remote, or relative to nothing): such images count in Doc.Remote, and
// a viewer shows them, even as placeholders, only after consent. An image
// without a source is not outside; its alt text can be shown.
func (i *Image) Outside() bool { return i.Src != "" && !i.Embedded }

// Limits on what ParseHTML builds. A hostile message can be megabytes of
// tags; these keep the document, and the widgets a viewer makes from it,
// small.
const (
	MaxHTMLRunes   = 300_000 // text kept; a longer document is Truncated
	MaxHTMLItems   = 20_000  // blocks and runs
	MaxHTMLImages  = 100     // entries of Doc.Images
	maxHTMLDepth   = 200     // open elements tracked; deeper ones only add text
	maxLinkRunes   = 320     // text kept per link; LinkLabel shortens further
	maxHeadingText = 500
)

// ParseHTML reads HTML, sanitised or not, into a Doc. It treats its input
// as hostile: it streams tokens (no recursion, whatever the nesting),
// does bounded work for any input, and never panics. Scripts, styles,
// forms' controls, SVG, MathML and content the sender hid (display:none,
// visibility:hidden, mso-hide:all, the hidden attribute: newsletter
// "preheaders") are left out.
func ParseHTML(src string) Doc {
	return parseHTML(src, displayLimits)
}

// docLimits bound a Doc. A viewer makes a widget of every run, so
// displayLimits are tight; text for the index only costs memory, and
// Parse has already held the HTML to Limits.MaxTextBytes.
type docLimits struct{ runes, items int }

var (
	displayLimits = docLimits{runes: MaxHTMLRunes, items: MaxHTMLItems}
	textLimits    = docLimits{runes: 4 << 20, items: 1 << 18}
)

func parseHTML(src string, lim docLimits) Doc {
	c := &docConv{lim: lim, space: true, lineEmpty: true, seen: map[string]bool{}}
	z := html.NewTokenizer(strings.NewReader(src))
	for !c.full() {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.TextToken:
			c.text(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			c.doc.Remote += remoteRefs(tok)
			c.start(tok, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			c.end(string(name))
		}
	}
	return c.finish()
}

// remoteRefs counts the references in a tag that would load from the
// network, by the rule SanitizeHTML applies: an img src or background
// not embedded in the message, any srcset, any CSS url() or image-set().
func remoteRefs(tok html.Token) int {
	if tok.DataAtom == atom.Img {
		if src := strings.TrimSpace(attr(tok, "src")); src != "" && !embeddedURL(src) {
			return 1 // SanitizeHTML drops the whole image
		}
	}
	n := 0
	for _, a := range tok.Attr {
		switch a.Key {
		case "srcset":
			n++
		case "background":
			if !embeddedURL(a.Val) {
				n++
			}
		case "style":
			_, d := stripCSSURLs(a.Val)
			n += d
		}
	}
	return n
}

// RemoteURL returns the absolute URL an image source loads from the
// network (http, https, or protocol-relative, taken as https), or nil.
// It is the one definition of "remote" for images.
func RemoteURL(src string) *url.URL {
	s := strings.TrimSpace(src)
	if strings.HasPrefix(s, "//") {
		s = "https:" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u
	}
	return nil
}

// SafeLinkURL returns href as a URL if it leads to the web (http or https,
// with a host) or to mail (mailto), and nil otherwise: javascript:, data:,
// file: and relative links are never followed.
func SafeLinkURL(href string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return nil
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return nil
		}
	case "mailto":
		if u.Opaque == "" && u.Path == "" {
			return nil // no address
		}
	default:
		return nil
	}
	return u
}

// maxLinkLabel is the longest link text LinkLabel keeps.
const maxLinkLabel = 80

// LinkLabel is what a link shows. When the text names a different site
// than the link goes to, which is how phishing works, the real host is
// added: "www.bank.example [evil.example]".
func LinkLabel(text string, u *url.URL) string {
	text = clipRunes(text, maxLinkLabel)
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return text
	}
	if shown := hostNamed(text); shown != "" && shown != host && !strings.HasSuffix(host, "."+shown) {
		return text + " [" + host + "]"
	}
	return text
}

// hostNamed returns the host a link text looks like, or "".
func hostNamed(text string) string {
	t := strings.ToLower(strings.TrimSpace(text))
	if strings.ContainsAny(t, " \t") || !strings.Contains(t, ".") {
		return ""
	}
	if !strings.Contains(t, "://") {
		t = "http://" + t
	}
	u, err := url.Parse(t)
	if err != nil || !strings.Contains(u.Hostname(), ".") {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// docList is a list being built.
type docList struct {
	ordered bool
	start   int
	items   [][]Block
}

type docElem struct {
	name   string
	atom   atom.Atom
	hidden bool
	style  Style
	quote  bool
	list   bool
	head   bool // opened a heading (not one nested in another)
	link   bool
}

// docConv builds a Doc from tokens. Its rules for lines and blank lines
// are a browser's, simplified: blocks end the line, paragraphs, headings,
// lists, quotes and tables leave a blank line before what follows, <br>
// ends a line and at most one blank line is made of a run of them.
type docConv struct {
	lim        docLimits
	doc        Doc
	stack      []docElem
	lists      []*docList
	styles     [8]int // open elements per style bit
	quote      int
	hidden     int
	pre        int
	preText    strings.Builder
	heading    int // level of the open heading, 0 for none
	headText   strings.Builder
	link       *url.URL // target of the open link; nil outside links and for unsafe ones
	inLink     bool     // inside <a>, safe or not
	linkText   bool     // the open link has shown text
	linkRunes  int
	line       []Run // the current line
	tail       strings.Builder
	tailOpen   bool // tail holds the text of line's last run
	lineQuote  int
	space      bool // the output ends with white space, or a line start
	lineEmpty  bool // nothing on the current line yet
	blankLines int  // blank lines in a row, to collapse runs of <br>
	gap        bool // a paragraph ended: leave a blank line before more
	runes      int
	count      int
	seen       map[string]bool
}

func (c *docConv) full() bool {
	if c.runes >= c.lim.runes || c.count >= c.lim.items {
		c.doc.Truncated = true
	}
	return c.doc.Truncated
}

// sink is where blocks go: the current list item, or the document.
func (c *docConv) sink() *[]Block {
	if n := len(c.lists); n > 0 {
		l := c.lists[n-1]
		if len(l.items) == 0 {
			l.items = append(l.items, nil) // text in a list before any <li>
		}
		return &l.items[len(l.items)-1]
	}
	return &c.doc.Blocks
}

func (c *docConv) emit(b Block) {
	c.count++
	p := c.sink()
	*p = append(*p, b)
}

func (c *docConv) style() Style {
	var s Style
	for bit := range 3 {
		if c.styles[bit] > 0 {
			s |= 1 << bit
		}
	}
	return s
}

// endLine ends the current line if anything is on it.
func (c *docConv) endLine() {
	c.splitLinkSpace()
	if !c.lineEmpty {
		c.emit(Block{Kind: BlockLine, Quote: c.lineQuote, Runs: c.line})
	}
	// White space alone, on a line nothing visible started, is dropped.
	c.line, c.lineQuote = nil, 0
	c.lineEmpty = true
}

// blankLine adds an empty line.
func (c *docConv) blankLine() {
	c.emit(Block{Kind: BlockLine})
}

// gapIfNeeded leaves the blank line a finished paragraph asked for, when
// something follows it outside a list (list items follow each other
// without blank lines).
func (c *docConv) gapIfNeeded() {
	if len(c.lists) > 0 {
		return
	}
	if c.gap && len(c.doc.Blocks) > 0 {
		c.blankLine()
	}
	c.gap = false
}

// startContent runs before anything visible is added to a line.
func (c *docConv) startContent() {
	if !c.lineEmpty {
		return
	}
	c.gapIfNeeded()
	c.lineEmpty = false
	c.blankLines = 0
	c.lineQuote = min(c.quote, 8)
}

// appendText adds text to the line. Text goes into tail until the style
// or link changes, so that a long run costs linear time.
func (c *docConv) appendText(s string, st Style, link *url.URL) {
	c.openRun(st, link)
	c.tail.WriteString(s)
}

func (c *docConv) appendRune(r rune, st Style, link *url.URL) {
	c.openRun(st, link)
	c.tail.WriteRune(r)
}

// openRun makes the tail the text of a run of this style and link.
func (c *docConv) openRun(st Style, link *url.URL) {
	if c.tailOpen {
		last := &c.line[len(c.line)-1]
		if last.Style == st && last.Link == link {
			return
		}
		c.flushTail()
	}
	c.count++
	c.line = append(c.line, Run{Style: st, Link: link})
	c.tailOpen = true
}

// flushTail puts the text gathered in tail into the line's last run.
func (c *docConv) flushTail() {
	if !c.tailOpen {
		return
	}
	c.line[len(c.line)-1].Text = c.tail.String()
	c.tail.Reset()
	c.tailOpen = false
}

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

// addText adds inline text with HTML's white space collapsing. Inside a
// link, white space before its first word stays outside it.
func (c *docConv) addText(s string) {
	st := c.style()
	for _, r := range s {
		if isHTMLSpace(r) {
			if !c.space {
				link := c.link
				if !c.linkText {
					link = nil
				}
				c.appendText(" ", st, link)
				c.runes++
				c.space = true
			}
			continue
		}
		if unicode.IsControl(r) {
			continue
		}
		if c.inLink {
			if c.linkRunes >= maxLinkRunes {
				continue
			}
			c.linkRunes++
			c.linkText = true
		}
		c.startContent()
		c.appendRune(r, st, c.link)
		c.space = false
		c.runes++
		if c.runes >= c.lim.runes {
			return
		}
	}
}

// splitLinkSpace moves a space ending the line's last link run out of the
// link, so that a link never ends in white space.
func (c *docConv) splitLinkSpace() {
	c.flushTail()
	n := len(c.line)
	if n == 0 {
		return
	}
	last := &c.line[n-1]
	if last.Link == nil || last.Image != nil || !strings.HasSuffix(last.Text, " ") || last.Text == " " {
		return
	}
	last.Text = strings.TrimSuffix(last.Text, " ")
	st := last.Style
	c.count++
	c.line = append(c.line, Run{Text: " ", Style: st})
}

func (c *docConv) text(s string) {
	switch {
	case c.hidden > 0:
	case c.pre > 0:
		if c.preText.Len() < c.lim.runes {
			c.preText.WriteString(s)
		}
	case c.heading > 0:
		if c.headText.Len() < 4*maxHeadingText {
			c.headText.WriteString(s)
		}
	default:
		c.addText(s)
	}
}

// block ends the line, as block elements do.
func (c *docConv) block() {
	c.endLine()
	c.space = true
}

// paragraphEnd ends a block that wants a blank line after it.
func (c *docConv) paragraphEnd() {
	c.block()
	c.gap = true
}

func (c *docConv) br() {
	if c.lineEmpty {
		if c.blankLines >= 1 {
			return
		}
		c.blankLines++
		c.blankLine()
	} else {
		c.endLine()
	}
	c.space, c.gap = true, false
}

// void elements have no end tag and no content.
func void(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input, atom.Link,
		atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// invisible elements hold nothing a reader should see.
func invisible(a atom.Atom) bool {
	switch a {
	case atom.Head, atom.Script, atom.Style, atom.Title, atom.Template, atom.Noscript, atom.Iframe,
		atom.Object, atom.Svg, atom.Math, atom.Select, atom.Textarea, atom.Button, atom.Noembed,
		atom.Noframes, atom.Frameset, atom.Datalist, atom.Option:
		return true
	}
	return false
}

// hiddenByStyle recognises content the sender hid, such as the "preheader"
// text of newsletters, which is meant for the message list only.
func hiddenByStyle(tok html.Token) bool {
	for _, a := range tok.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "style":
			s := strings.ToLower(strings.Join(strings.Fields(cssUnescape(a.Val)), ""))
			if strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden") || strings.Contains(s, "mso-hide:all") {
				return true
			}
		}
	}
	return false
}

func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

func (c *docConv) start(tok html.Token, selfClosing bool) {
	a := tok.DataAtom
	if c.hidden > 0 || invisible(a) || hiddenByStyle(tok) {
		if !void(a) && !selfClosing {
			c.push(docElem{name: tok.Data, atom: a, hidden: true})
		}
		return
	}
	switch a {
	case atom.Br:
		c.br()
		return
	case atom.Hr:
		c.block()
		c.gap = false // the rule itself separates
		c.emit(Block{Kind: BlockRule})
		return
	case atom.Img:
		c.image(tok)
		return
	}
	if void(a) || selfClosing || len(c.stack) >= maxHTMLDepth {
		return // deeper elements only add their text
	}
	e := docElem{name: tok.Data, atom: a}
	switch a {
	case atom.B, atom.Strong, atom.Th:
		e.style = Bold
	case atom.I, atom.Em, atom.Cite, atom.Var, atom.Dfn:
		e.style = Italic
	case atom.Code, atom.Tt, atom.Kbd, atom.Samp:
		e.style = Code
	}
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Main, atom.Nav, atom.Aside,
		atom.Center, atom.Address, atom.Figure, atom.Figcaption, atom.Dl, atom.Dt, atom.Dd, atom.Caption,
		atom.Details, atom.Summary, atom.Fieldset, atom.Legend, atom.Table, atom.Tr, atom.Form:
		c.block()
	case atom.Pre, atom.Xmp:
		c.block()
		if c.pre == 0 {
			c.preText.Reset()
		}
		c.pre++
	case atom.Blockquote:
		c.block()
		e.quote = true
	case atom.Ul, atom.Ol:
		c.block()
		if len(c.lists) == 0 {
			c.gapIfNeeded()
		}
		start, err := strconv.Atoi(strings.TrimSpace(attr(tok, "start")))
		if err != nil || start < 0 || start > 1_000_000 {
			start = 1
		}
		c.lists = append(c.lists, &docList{ordered: a == atom.Ol, start: start})
		e.list = true
	case atom.Li:
		c.listItem()
	case atom.Td, atom.Th:
		if !c.lineEmpty && !c.space {
			c.appendText(" ", c.style(), nil)
			c.space = true
		}
	case atom.A:
		c.closeLink()
		c.inLink = true
		c.link = SafeLinkURL(attr(tok, "href"))
		e.link = true
	}
	if level := headingLevel(a); level > 0 && c.heading == 0 {
		c.block()
		c.heading = level
		c.headText.Reset()
		e.head = true
	}
	c.push(e)
}

func (c *docConv) push(e docElem) {
	if len(c.stack) >= maxHTMLDepth {
		return
	}
	if e.hidden {
		c.hidden++
	}
	for bit := range 3 {
		if e.style&(1<<bit) != 0 {
			c.styles[bit]++
		}
	}
	if e.quote {
		c.quote++
	}
	c.stack = append(c.stack, e)
}

func (c *docConv) end(name string) {
	for i := len(c.stack) - 1; i >= 0; i-- {
		if c.stack[i].name == name {
			for len(c.stack) > i {
				c.pop()
			}
			return
		}
	}
	// An end tag with nothing to close: browsers treat </p> and </br> as
	// a break, and so does the reader.
	if c.hidden == 0 && (name == "p" || name == "br") {
		c.br()
	}
}

func (c *docConv) pop() {
	e := c.stack[len(c.stack)-1]
	c.stack = c.stack[:len(c.stack)-1]
	if e.hidden {
		c.hidden--
		return
	}
	for bit := range 3 {
		if e.style&(1<<bit) != 0 {
			c.styles[bit]--
		}
	}
	switch {
	case e.link:
		c.closeLink()
	case e.head:
		c.closeHeading()
	case e.list:
		c.closeList()
	case e.quote:
		c.paragraphEnd()
		c.quote--
	case e.atom == atom.Pre, e.atom == atom.Xmp:
		c.pre--
		if c.pre == 0 {
			c.closePre()
		}
	case e.atom == atom.Li:
		c.endLine()
		c.space = true
	case e.atom == atom.P, e.atom == atom.Table, e.atom == atom.Dl, e.atom == atom.Figure:
		c.paragraphEnd()
	case e.atom == atom.Div, e.atom == atom.Tr, e.atom == atom.Section, e.atom == atom.Article,
		e.atom == atom.Header, e.atom == atom.Footer, e.atom == atom.Center, e.atom == atom.Dt, e.atom == atom.Dd,
		e.atom == atom.Caption, e.atom == atom.Address, e.atom == atom.Summary, e.atom == atom.Details,
		e.atom == atom.Main, e.atom == atom.Nav, e.atom == atom.Aside, e.atom == atom.Figcaption, e.atom == atom.Form,
		e.atom == atom.Fieldset, e.atom == atom.Legend:
		c.block()
	}
}

func (c *docConv) listItem() {
	c.endLine()
	c.space = true
	if len(c.lists) == 0 {
		// An item outside any list still reads as one.
		c.addText("• ")
		return
	}
	l := c.lists[len(c.lists)-1]
	l.items = append(l.items, nil)
}

// closeList puts a finished list in place, without its empty items.
func (c *docConv) closeList() {
	c.endLine()
	c.space = true
	l := c.lists[len(c.lists)-1]
	c.lists = c.lists[:len(c.lists)-1]
	list := &List{Ordered: l.ordered, Start: l.start}
	for _, it := range l.items {
		for len(it) > 0 && it[len(it)-1].Kind == BlockLine && len(it[len(it)-1].Runs) == 0 {
			it = it[:len(it)-1]
		}
		if len(it) > 0 {
			list.Items = append(list.Items, it)
		}
	}
	if len(list.Items) == 0 {
		return
	}
	c.emit(Block{Kind: BlockList, List: list})
	if len(c.lists) == 0 {
		c.gap = true
	}
}

func (c *docConv) closeHeading() {
	level := c.heading
	text := strings.Join(strings.Fields(stripControls(c.headText.String())), " ")
	c.heading = 0
	c.headText.Reset()
	if text == "" {
		return
	}
	text = clipRunes(text, maxHeadingText)
	c.runes += utf8.RuneCountInString(text)
	c.endLine()
	c.startContent()
	c.emit(Block{Kind: BlockHeading, Level: level, Quote: c.lineQuote, Text: text})
	c.lineEmpty, c.space, c.gap = true, true, true
}

func (c *docConv) closePre() {
	text := strings.TrimPrefix(c.preText.String(), "\n")
	text = strings.TrimRight(strings.ReplaceAll(text, "\r", ""), "\n")
	text = strings.ReplaceAll(text, "\t", "    ")
	text = stripControlsKeepNewlines(text)
	c.preText.Reset()
	if strings.TrimSpace(text) == "" {
		return
	}
	room := c.lim.runes - c.runes
	if room <= 0 {
		c.doc.Truncated = true
		return
	}
	if utf8.RuneCountInString(text) > room {
		text = clipRunes(text, room)
		c.doc.Truncated = true
	}
	c.runes += utf8.RuneCountInString(text)
	c.endLine()
	c.startContent()
	c.emit(Block{Kind: BlockPre, Quote: c.lineQuote, Text: text})
	c.lineEmpty, c.space, c.gap = true, true, true
}

// closeLink ends the open link.
func (c *docConv) closeLink() {
	if c.inLink {
		c.splitLinkSpace()
	}
	c.link, c.inLink, c.linkText, c.linkRunes = nil, false, false, 0
}

func (c *docConv) image(tok html.Token) {
	src := strings.TrimSpace(attr(tok, "src"))
	if tiny(attr(tok, "width")) || tiny(attr(tok, "height")) {
		return // a spacer or a tracking pixel
	}
	img := &Image{
		Src:      src,
		Alt:      clipRunes(strings.Join(strings.Fields(stripControls(attr(tok, "alt"))), " "), 200),
		Embedded: embeddedURL(src),
	}
	if u := RemoteURL(src); u != nil {
		img.Remote, img.URL = true, u.String()
	}
	if src != "" && !c.seen[src] && len(c.doc.Images) < MaxHTMLImages {
		c.seen[src] = true
		c.doc.Images = append(c.doc.Images, *img)
	}
	if c.heading > 0 || c.pre > 0 {
		return // their text is gathered apart; an image there is left out
	}
	c.startContent()
	c.flushTail()
	c.count++
	c.line = append(c.line, Run{Image: img, Link: c.link})
	if c.inLink {
		c.linkText = true
	}
	c.space = true
}

// tiny reports an HTML width or height of at most 2 pixels.
func tiny(v string) bool {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), "px"))
	return err == nil && n <= 2
}

func (c *docConv) finish() Doc {
	for len(c.stack) > 0 {
		c.pop()
	}
	for len(c.lists) > 0 {
		c.closeList()
	}
	c.closeLink()
	if c.heading > 0 {
		c.closeHeading()
	}
	if c.pre > 0 {
		c.pre = 0
		c.closePre()
	}
	c.endLine()
	b := c.doc.Blocks
	for len(b) > 0 && b[len(b)-1].Kind == BlockLine && len(b[len(b)-1].Runs) == 0 {
		b = b[:len(b)-1]
	}
	c.doc.Blocks = b
	return c.doc
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !isHTMLSpace(r) {
			return -1
		}
		return r
	}, s)
}

func stripControlsKeepNewlines(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' {
			return -1
		}
		return r
	}, s)
}

// Text is the document as plain text, for the index, snippets, the
// CLI's show and plain-text replies: lines as lines, at most one blank
// line in a row, list items after "- " (or their number), links as
// "text <url>" unless the text is the URL, images left out.
func (d Doc) Text() string {
	var t textOut
	t.blocks(d.Blocks, 0)
	return strings.TrimSpace(t.b.String())
}

// textOut writes blocks as text; blank counts the line ends due, so that
// blank lines never pile up.
type textOut struct {
	b     strings.Builder
	blank int // empty lines due before the next line
}

func (t *textOut) line(prefix, s string) {
	s = strings.TrimRight(s, " ")
	if strings.TrimSpace(s) == "" && prefix == "" {
		t.blank = 1
		return
	}
	if t.b.Len() > 0 {
		t.b.WriteString("\n\n"[:1+min(t.blank, 1)])
	}
	t.blank = 0
	t.b.WriteString(prefix)
	t.b.WriteString(s)
}

func (t *textOut) blocks(bs []Block, depth int) {
	for i, b := range bs {
		switch b.Kind {
		case BlockLine:
			if len(b.Runs) == 0 {
				t.line("", "")
				break
			}
			if s := runsText(b.Runs, nextRuns(bs, i)); strings.TrimSpace(s) != "" {
				t.line("", s) // a line of images only is no line of text
			}
		case BlockHeading:
			t.line("", b.Text)
		case BlockPre:
			for l := range strings.SplitSeq(b.Text, "\n") {
				t.line("", l)
			}
		case BlockRule:
			t.blank = 1
		case BlockList:
			t.list(b.List, depth)
		}
	}
}

func (t *textOut) list(l *List, depth int) {
	indent := strings.Repeat("  ", min(depth, 6))
	for i, it := range l.Items {
		marker := "- "
		if l.Ordered {
			marker = strconv.Itoa(l.Start+i) + ". "
		}
		first := true
		for j, b := range it {
			if b.Kind == BlockList {
				t.list(b.List, depth+1)
				first = false
				continue
			}
			var s string
			switch b.Kind {
			case BlockLine:
				s = runsText(b.Runs, nextRuns(it, j))
			case BlockHeading, BlockPre:
				s = strings.ReplaceAll(b.Text, "\n", " ")
			}
			if strings.TrimSpace(s) == "" {
				continue
			}
			if first {
				t.line(indent+marker, s)
				first = false
			} else {
				t.line(indent+strings.Repeat(" ", len(marker)), s)
			}
		}
	}
}

// nextRuns are the runs of the line after bs[i], if a line follows.
func nextRuns(bs []Block, i int) []Run {
	if i+1 < len(bs) && bs[i+1].Kind == BlockLine {
		return bs[i+1].Runs
	}
	return nil
}

// runsText writes a line's runs, a link as "text <url>". A link that goes
// on to the next line (a block inside a link) gets its URL there.
func runsText(runs, next []Run) string {
	var b strings.Builder
	for i := 0; i < len(runs); {
		r := runs[i]
		if r.Link == nil {
			if r.Image == nil {
				b.WriteString(strings.ReplaceAll(r.Text, "\u00a0", " "))
			}
			i++
			continue
		}
		var label strings.Builder
		j := i
		for ; j < len(runs) && runs[j].Link == r.Link; j++ {
			label.WriteString(runs[j].Text)
		}
		text := strings.TrimSpace(strings.ReplaceAll(label.String(), "\u00a0", " "))
		href := r.Link.String()
		b.WriteString(text)
		if j == len(runs) && len(next) > 0 && next[0].Link == r.Link {
			i = j
			continue
		}
		if text != href && text != strings.TrimPrefix(href, "mailto:") {
			if text != "" {
				b.WriteByte(' ')
			}
			b.WriteString("<" + href + ">")
		}
		i = j
	}
	return b.String()
}

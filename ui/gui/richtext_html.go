package gui

import (
	"image"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Fyne has no HTML engine, so the reader shows a message's HTML as
// widget.RichText: paragraphs, headings, bold and italic, lists, quotes,
// preformatted text, links and images. htmlToRich converts HTML that
// mime.SanitizeHTML has cleaned, but it treats its input as hostile all
// the same: it streams tokens (no recursion, whatever the nesting), never
// panics, and bounds what it produces.
const (
	richMaxDepth    = 200     // open elements tracked; deeper ones only add text
	richMaxRunes    = 300_000 // text shown; a longer message ends with a note
	richMaxSegments = 20_000  // segments produced, each costing a widget
	richMaxImages   = 100     // image sources reported for loading
	richMaxLinkText = 80      // longer link texts are shortened
	richMaxAltText  = 60
)

// richTruncatedNote ends a message too long to show formatted.
func richTruncatedNote() string {
	return lang.L("The rest of this message is too long to show here. Use “Plain text” to read it all.")
}

// richDoc is the converted document.
type richDoc struct {
	segments []widget.RichTextSegment
	// images lists the distinct image sources met, in order, so the reader
	// can load them: embedded ones at once, remote ones on request.
	images    []string
	truncated bool
}

// htmlToRich converts sanitised HTML. Images whose source is in loaded are
// shown; the others stand as "[image: …]" placeholders.
func htmlToRich(src string, loaded map[string]image.Image) richDoc {
	c := &richConv{loaded: loaded, space: true, lineEmpty: true, seenImages: map[string]bool{}}
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
			c.start(z.Token(), tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			c.end(string(name))
		}
	}
	return c.finish()
}

// richList is a list being built.
type richList struct {
	ordered bool
	start   int
	items   [][]widget.RichTextSegment
}

type richElem struct {
	name   string
	atom   atom.Atom
	hidden bool
	bold   bool
	italic bool
	mono   bool
	quote  bool
	list   bool
	head   bool // opened a heading (not one nested in another)
	link   bool
}

type richLink struct {
	href              string
	text              strings.Builder
	leading, trailing bool
	hasText           bool
	pendingSpace      bool
}

type richConv struct {
	loaded     map[string]image.Image
	out        []widget.RichTextSegment
	stack      []richElem
	lists      []*richList
	bold       int
	italic     int
	mono       int
	quote      int
	hidden     int
	pre        int
	preText    strings.Builder
	heading    int // level of the open heading, 0 for none
	headText   strings.Builder
	link       *richLink
	run        strings.Builder // inline text waiting to become a segment
	runStyle   widget.RichTextStyle
	space      bool // the output ends with white space, or a line start
	lineEmpty  bool // nothing on the current line yet
	blankLines int  // empty lines in a row, to collapse runs of <br>
	gap        bool // a paragraph ended: leave a blank line before more text
	runes      int
	count      int
	truncated  bool
	images     []string
	seenImages map[string]bool
}

func (c *richConv) full() bool {
	if c.runes >= richMaxRunes || c.count >= richMaxSegments {
		c.truncated = true
	}
	return c.truncated
}

// sink is where segments go: the current list item, or the document.
func (c *richConv) sink() *[]widget.RichTextSegment {
	if n := len(c.lists); n > 0 {
		l := c.lists[n-1]
		if len(l.items) == 0 {
			l.items = append(l.items, nil) // text in a list before any <li>
		}
		return &l.items[len(l.items)-1]
	}
	return &c.out
}

func (c *richConv) emit(s widget.RichTextSegment) {
	c.count++
	p := c.sink()
	*p = append(*p, s)
}

// flushRun turns pending inline text into one segment. Text is gathered
// into runs so that a message of many small tags costs few segments.
func (c *richConv) flushRun() {
	if c.run.Len() == 0 {
		return
	}
	c.emit(&widget.TextSegment{Style: c.runStyle, Text: c.run.String()})
	c.run.Reset()
}

func (c *richConv) inlineStyle() widget.RichTextStyle {
	st := widget.RichTextStyleInline
	st.TextStyle = fyne.TextStyle{Bold: c.bold > 0, Italic: c.italic > 0, Monospace: c.mono > 0}
	return st
}

// gapIfNeeded leaves the blank line a finished paragraph asked for, when
// something follows it at the top level.
func (c *richConv) gapIfNeeded() {
	if len(c.lists) > 0 {
		return // list items follow each other without blank lines
	}
	if c.gap && len(c.out) > 0 {
		c.flushRun()
		c.emit(lineBreak())
	}
	c.gap = false
}

// startContent runs before anything visible is added to a line: it leaves
// any blank line due, and marks quoted lines.
func (c *richConv) startContent() {
	if !c.lineEmpty {
		return
	}
	c.gapIfNeeded()
	c.lineEmpty = false
	c.blankLines = 0
	if c.quote > 0 {
		c.flushRun()
		st := widget.RichTextStyleInline
		st.ColorName = theme.ColorNamePrimary
		st.TextStyle.Bold = true
		c.emit(&widget.TextSegment{Style: st, Text: strings.Repeat("> ", min(c.quote, 8))})
	}
}

// addText adds inline text with HTML's white space collapsing.
func (c *richConv) addText(s string, style widget.RichTextStyle) {
	for _, r := range s {
		if isHTMLSpace(r) {
			if !c.space {
				c.appendRune(' ', style)
				c.space = true
			}
			continue
		}
		if unicode.IsControl(r) {
			continue
		}
		c.startContent()
		c.appendRune(r, style)
		c.space = false
		if c.runes >= richMaxRunes {
			return
		}
	}
}

func (c *richConv) appendRune(r rune, style widget.RichTextStyle) {
	if c.run.Len() > 0 && c.runStyle != style {
		c.flushRun()
	}
	c.runStyle = style
	c.run.WriteRune(r)
	c.runes++
}

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

func (c *richConv) text(s string) {
	switch {
	case c.hidden > 0:
	case c.pre > 0:
		if c.preText.Len() < richMaxRunes {
			c.preText.WriteString(s)
		}
	case c.heading > 0:
		c.headText.WriteString(s)
	case c.link != nil:
		c.linkText(s)
	default:
		c.addText(s, c.inlineStyle())
	}
}

// lineBreak ends the current line; on an empty line it makes a blank one.
func lineBreak() *widget.TextSegment {
	return &widget.TextSegment{Style: widget.RichTextStyleParagraph}
}

// block ends the line if anything is on it, as block elements do.
func (c *richConv) block() {
	c.flushLink()
	c.flushRun()
	if !c.lineEmpty {
		c.emit(lineBreak())
		c.lineEmpty = true
	}
	c.space = true
}

// paragraphEnd ends a block that wants a blank line after it.
func (c *richConv) paragraphEnd() {
	c.block()
	c.gap = true
}

func (c *richConv) br() {
	c.flushLink()
	c.flushRun()
	if c.lineEmpty {
		if c.blankLines >= 1 {
			return
		}
		c.blankLines++
	}
	c.emit(lineBreak())
	c.lineEmpty, c.space, c.gap = true, true, false
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

// invisible elements hold nothing a reader should see. The sanitiser
// removes them; raw HTML (the fuzz target) may not have been sanitised.
func invisible(a atom.Atom) bool {
	switch a {
	case atom.Head, atom.Script, atom.Style, atom.Title, atom.Template, atom.Noscript, atom.Iframe,
		atom.Object, atom.Svg, atom.Math, atom.Select, atom.Textarea, atom.Button:
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
			s := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
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

func (c *richConv) start(tok html.Token, selfClosing bool) {
	a := tok.DataAtom
	if c.hidden > 0 {
		if !void(a) && !selfClosing {
			c.push(richElem{name: tok.Data, atom: a, hidden: true})
		}
		return
	}
	if invisible(a) || hiddenByStyle(tok) {
		if !void(a) && !selfClosing {
			c.push(richElem{name: tok.Data, atom: a, hidden: true})
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
		c.emit(&widget.SeparatorSegment{})
		return
	case atom.Img:
		c.image(tok)
		return
	}
	if void(a) || selfClosing {
		return
	}
	if len(c.stack) >= richMaxDepth {
		return // deeper elements only add their text
	}
	e := richElem{name: tok.Data, atom: a}
	switch a {
	case atom.B, atom.Strong, atom.Th:
		e.bold = true
	case atom.I, atom.Em, atom.Cite, atom.Var, atom.Dfn:
		e.italic = true
	case atom.Code, atom.Tt, atom.Kbd, atom.Samp:
		e.mono = true
	}
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Main, atom.Nav, atom.Aside,
		atom.Center, atom.Address, atom.Figure, atom.Figcaption, atom.Dl, atom.Dt, atom.Dd, atom.Caption,
		atom.Details, atom.Summary, atom.Fieldset, atom.Legend, atom.Table, atom.Tr, atom.Form:
		c.block()
	case atom.Pre:
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
		c.lists = append(c.lists, &richList{ordered: a == atom.Ol, start: start})
		e.list = true
	case atom.Li:
		c.listItem()
	case atom.Td, atom.Th:
		if !c.lineEmpty && !c.space {
			c.flushRun()
			c.appendRune(' ', c.inlineStyle())
			c.space = true
		}
	case atom.A:
		c.closeLink()
		c.link = &richLink{href: attr(tok, "href")}
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

func (c *richConv) push(e richElem) {
	if len(c.stack) >= richMaxDepth {
		return
	}
	if e.hidden {
		c.hidden++
	}
	if e.bold {
		c.bold++
	}
	if e.italic {
		c.italic++
	}
	if e.mono {
		c.mono++
	}
	if e.quote {
		c.quote++
	}
	c.stack = append(c.stack, e)
}

func (c *richConv) end(name string) {
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

func (c *richConv) pop() {
	e := c.stack[len(c.stack)-1]
	c.stack = c.stack[:len(c.stack)-1]
	if e.hidden {
		c.hidden--
		return
	}
	if e.bold {
		c.bold--
	}
	if e.italic {
		c.italic--
	}
	if e.mono {
		c.mono--
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
	case e.atom == atom.Pre:
		c.pre--
		if c.pre == 0 {
			c.closePre()
		}
	case e.atom == atom.Li:
		c.flushLink()
		c.flushRun()
		c.lineEmpty, c.space = true, true
	case e.atom == atom.P, e.atom == atom.Table, e.atom == atom.Dl, e.atom == atom.Figure:
		c.paragraphEnd()
	case e.atom == atom.Div, e.atom == atom.Tr, e.atom == atom.Section, e.atom == atom.Article,
		e.atom == atom.Header, e.atom == atom.Footer, e.atom == atom.Center, e.atom == atom.Dt, e.atom == atom.Dd,
		e.atom == atom.Caption, e.atom == atom.Address, e.atom == atom.Summary, e.atom == atom.Details,
		e.atom == atom.Main, e.atom == atom.Nav, e.atom == atom.Aside, e.atom == atom.Figcaption, e.atom == atom.Form:
		c.block()
	}
}

func (c *richConv) listItem() {
	c.flushLink()
	c.flushRun()
	if len(c.lists) == 0 {
		// An item outside any list still reads as one.
		c.block()
		c.addText("• ", c.inlineStyle())
		return
	}
	l := c.lists[len(c.lists)-1]
	l.items = append(l.items, nil)
	c.lineEmpty, c.space = true, true
}

// closeList puts a finished list in place. A top-level list is Fyne's
// ListSegment; a nested one is drawn with indented markers, since
// ListSegment does not indent.
func (c *richConv) closeList() {
	c.flushLink()
	c.flushRun()
	l := c.lists[len(c.lists)-1]
	c.lists = c.lists[:len(c.lists)-1]
	var items [][]widget.RichTextSegment
	for _, it := range l.items {
		if hasContent(it) {
			items = append(items, trimBreaks(it))
		}
	}
	c.lineEmpty, c.space = true, true
	if len(items) == 0 {
		return
	}
	if len(c.lists) == 0 {
		ls := &widget.ListSegment{Ordered: l.ordered}
		ls.SetStartNumber(l.start)
		for _, it := range items {
			ls.Items = append(ls.Items, &widget.ParagraphSegment{Texts: it})
		}
		c.count++
		c.out = append(c.out, ls)
		c.gap = true
		return
	}
	sink := c.sink()
	if n := len(*sink); n > 0 && (*sink)[n-1].Inline() {
		*sink = append(*sink, lineBreak())
	}
	indent := strings.Repeat("    ", min(len(c.lists), 6))
	for i, it := range items {
		marker := "◦ "
		if l.ordered {
			marker = strconv.Itoa(l.start+i) + ". "
		}
		*sink = append(*sink, &widget.TextSegment{Style: widget.RichTextStyleStrong, Text: indent + marker})
		*sink = append(*sink, it...)
		if it[len(it)-1].Inline() {
			*sink = append(*sink, lineBreak())
		}
		c.count += 2
	}
}

// hasContent reports whether segments show anything.
func hasContent(segs []widget.RichTextSegment) bool {
	for _, s := range segs {
		if t, ok := s.(*widget.TextSegment); !ok || strings.TrimSpace(t.Text) != "" {
			return true
		}
	}
	return false
}

// trimBreaks drops trailing line breaks, which would leave blank lines.
func trimBreaks(segs []widget.RichTextSegment) []widget.RichTextSegment {
	for len(segs) > 0 {
		t, ok := segs[len(segs)-1].(*widget.TextSegment)
		if !ok || t.Text != "" || t.Style.Inline {
			break
		}
		segs = segs[:len(segs)-1]
	}
	return segs
}

func (c *richConv) closeHeading() {
	level := c.heading
	text := strings.Join(strings.Fields(stripControls(c.headText.String())), " ")
	c.heading = 0
	c.headText.Reset()
	if text == "" {
		return
	}
	text = clipRunes(text, 500)
	c.runes += utf8.RuneCountInString(text)
	c.startContent()
	st := widget.RichTextStyleParagraph
	st.TextStyle.Bold = true
	switch level {
	case 1:
		st = widget.RichTextStyleHeading
	case 2:
		st = widget.RichTextStyleSubHeading
	}
	c.emit(&widget.TextSegment{Style: st, Text: text})
	c.lineEmpty, c.space, c.gap = true, true, true
}

func (c *richConv) closePre() {
	text := strings.TrimPrefix(c.preText.String(), "\n")
	text = strings.TrimRight(strings.ReplaceAll(text, "\r", ""), "\n")
	text = strings.ReplaceAll(text, "\t", "    ")
	text = stripControlsKeepNewlines(text)
	c.preText.Reset()
	if strings.TrimSpace(text) == "" {
		return
	}
	room := richMaxRunes - c.runes
	if room <= 0 {
		c.truncated = true
		return
	}
	if utf8.RuneCountInString(text) > room {
		text = clipRunes(text, room)
		c.truncated = true
	}
	c.runes += utf8.RuneCountInString(text)
	c.startContent()
	c.emit(&widget.TextSegment{Style: widget.RichTextStyleCodeBlock, Text: text})
	c.lineEmpty, c.space, c.gap = true, true, true
}

func (c *richConv) linkText(s string) {
	l := c.link
	for _, r := range s {
		if isHTMLSpace(r) {
			if !l.hasText {
				l.leading = true
			}
			l.pendingSpace = true
			continue
		}
		if unicode.IsControl(r) {
			continue
		}
		if l.hasText && l.pendingSpace {
			l.text.WriteByte(' ')
		}
		l.pendingSpace = false
		l.hasText = true
		if l.text.Len() < 4*richMaxLinkText {
			l.text.WriteRune(r)
		}
	}
	l.trailing = l.pendingSpace
}

// closeLink emits the open link and ends it.
func (c *richConv) closeLink() {
	c.flushLink()
	c.link = nil
}

// flushLink emits the text of the open link so far: a hyperlink when its
// target is a web or mail address, the text alone otherwise. The link
// stays open, so that a block inside a link (common in newsletters)
// breaks the line without losing the link.
func (c *richConv) flushLink() {
	l := c.link
	if l == nil || !l.hasText {
		return
	}
	style := c.inlineStyle()
	if l.leading && !c.space {
		c.appendRune(' ', style)
		c.space = true
	}
	text := l.text.String()
	if u := safeLinkURL(l.href); u == nil {
		c.addText(text, style)
	} else {
		c.startContent()
		c.flushRun()
		c.runes += utf8.RuneCountInString(text)
		c.emit(&widget.HyperlinkSegment{Text: linkLabel(text, u), URL: u})
		c.space = false
	}
	if l.trailing {
		c.appendRune(' ', style)
		c.space = true
	}
	c.link = &richLink{href: l.href}
}

// safeLinkURL returns href if it is an http, https or mailto URL.
func safeLinkURL(href string) *url.URL {
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
	default:
		return nil
	}
	return u
}

// linkLabel is what a link shows. When the text names a different site
// than the link goes to, which is how phishing works, the real host is
// added: "www.bank.example [evil.example]".
func linkLabel(text string, u *url.URL) string {
	text = clipRunes(text, richMaxLinkText)
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

func (c *richConv) image(tok html.Token) {
	src := strings.TrimSpace(attr(tok, "src"))
	alt := strings.Join(strings.Fields(stripControls(attr(tok, "alt"))), " ")
	if tiny(attr(tok, "width")) || tiny(attr(tok, "height")) {
		return // a spacer or a tracking pixel
	}
	if src != "" && !c.seenImages[src] && len(c.images) < richMaxImages {
		c.seenImages[src] = true
		c.images = append(c.images, src)
	}
	if img := c.loaded[src]; img != nil {
		b := img.Bounds()
		if b.Dx() <= 2 || b.Dy() <= 2 {
			return
		}
		c.block()
		c.startContent()
		c.emit(newImageSegment(img, alt))
		c.lineEmpty, c.space = true, true
		return
	}
	label := lang.L("[image]")
	switch {
	case alt != "":
		label = lang.L("[image: {{.Name}}]", map[string]any{"Name": clipRunes(alt, richMaxAltText)})
	case remoteSource(src):
		label = lang.L("[image: {{.Name}}]", map[string]any{"Name": clipRunes(src, richMaxAltText)})
	}
	if c.link != nil {
		c.linkText(" " + label + " ")
		return
	}
	style := c.inlineStyle()
	style.TextStyle.Italic = true
	style.ColorName = theme.ColorNamePlaceHolder
	if !c.space && !c.lineEmpty {
		c.appendRune(' ', c.inlineStyle())
	}
	c.addText(label, style)
	c.appendRune(' ', c.inlineStyle())
	c.space = true
}

// tiny reports an HTML width or height of at most 2 pixels.
func tiny(v string) bool {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), "px"))
	return err == nil && n <= 2
}

// remoteSource reports whether an image source would be fetched from the
// network (protocol-relative URLs included).
func remoteSource(src string) bool {
	s := strings.ToLower(strings.TrimSpace(src))
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "//")
}

func (c *richConv) finish() richDoc {
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
	c.flushRun()
	c.out = trimBreaks(c.out)
	if c.truncated {
		st := widget.RichTextStyleParagraph
		st.TextStyle.Italic = true
		c.out = append(c.out, lineBreak(), &widget.TextSegment{Style: st, Text: richTruncatedNote()})
	}
	return richDoc{segments: c.out, images: c.images, truncated: c.truncated}
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

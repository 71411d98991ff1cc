// Package mime reads RFC 5322 messages for display and indexing.
//
// Every message Tributary shows came from someone else's computer, so this
// package treats mail as hostile input. A crafted or simply broken message
// must never crash the client, freeze the inbox or exhaust memory, and the
// user must still see as much of it as can be read. Hence:
//
//   - Parse streams. Attachments are decoded only to count their size and are
//     never held in memory; Extract decodes one part again when the user saves
//     it. Memory use therefore depends on the limits below, not on the size of
//     the message.
//   - Limits.MaxParts (default 1000) bounds the number of MIME entities and
//     Limits.MaxDepth (default 20) the nesting of multiparts. go-message itself
//     has neither, and a few kilobytes of nested boundaries can otherwise
//     describe millions of parts. Past a limit Parse stops with ErrTooManyParts
//     or ErrTooDeep and returns what it had read so far.
//   - Limits.MaxTextBytes (default 1 MiB) bounds the decoded text and, apart,
//     the HTML kept from the body. The rest is read, counted and dropped, and
//     Message.Truncated says so: a preview and a search index need no more.
//   - Every header block (the message's, each part's and that of an attached
//     message) is capped at 1 MiB and 10,000 lines. Each parsed header line
//     costs a few hundred bytes, so a byte cap alone would still let a header
//     of one-character lines grow a hundredfold in memory.
//
// Malformed content is not an error: a bad Date, an unparseable address, an
// unknown charset or transfer encoding, invalid base64 or a missing closing
// boundary each leave a note in Message.Problems, and the rest of the message
// is still read. Parse returns an error only when there is no header to read,
// when a limit is exceeded, or when the underlying reader fails.
//
// HTML has one model. ParseHTML reads a message's HTML, once, into a Doc:
// lines of styled runs, headings, preformatted text, rules and lists, with
// links already checked (only http, https and mailto survive) and images
// classified as embedded (cid:, data:image/) or remote (http, https,
// protocol-relative; see RemoteURL). Content the sender hid (display:none
// and the like), scripts, styles, forms' controls and SVG are left out, and
// the Doc is bounded (MaxHTMLRunes, MaxHTMLItems) whatever the input. The
// index, snippets and the CLI read Doc.Text (HTMLToText); the GUI walks the
// blocks into rich text; nothing else tokenises HTML for display. Remote
// images are fetched, after the user's consent, by core/remoteimg.
//
// SanitizeHTML is for HTML that leaves as HTML (the Markdown composer's
// output): it makes it safe to render and blocks remote content (tracking
// pixels) by the same rule Doc.Remote counts. Snippet and SanitizeFilename
// prepare text for the message list and the file system.
package mime

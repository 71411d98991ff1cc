package markdown

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tributary-mail/tributary/core/smtp"
)

// Compose makes d a rich message: d.HTML is d.Text rendered, and the
// image attachments the text shows (![alt](photo.png), by file name or
// path) move
// to d.Inline, so that they travel beside the HTML as cid: parts instead
// of as attachments. Images the text does not show stay attachments.
// d.Text, the plain alternative, stays the Markdown as written.
func Compose(d smtp.Draft) (smtp.Draft, error) {
	images := map[string]string{} // as written in the text: the Content-ID
	paths := map[string]string{}  // as written in the text: the file
	for i, path := range d.Attachments {
		name := filepath.Base(path)
		if _, taken := images[name]; taken || !IsImage(name) {
			continue // two files of one name: the first is the one shown
		}
		cid := fmt.Sprintf("img%d.%s@inline.tributary", i+1, strings.ToLower(rand.Text()[:12]))
		// By name, as Insert image writes it; by the path too, for
		// whoever types the whole path.
		for _, key := range []string{name, path} {
			images[key], paths[key] = cid, path
		}
	}
	r, err := Render(d.Text, images)
	if err != nil {
		return d, err
	}
	d.HTML = r.HTML
	inline := map[string]bool{}
	for _, key := range r.Used {
		if path := paths[key]; !inline[path] {
			d.Inline = append(d.Inline, smtp.Inline{Path: path, ContentID: images[key]})
			inline[path] = true
		}
	}
	d.Attachments = slices.DeleteFunc(slices.Clone(d.Attachments), func(p string) bool { return inline[p] })
	return d, nil
}

// IsImage reports whether a file, by its name, is an image that mail
// readers show inline: PNG, JPEG, GIF or WebP (not SVG, which can hold
// scripts and remote references).
func IsImage(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp":
		return true
	}
	return false
}

// ImageRef is the Markdown that shows the attached image file name:
// ![stem](name), with the name in angle brackets when it holds what a
// link destination cannot (spaces, parentheses).
func ImageRef(name string) string {
	name = filepath.Base(name)
	alt := strings.TrimSuffix(name, filepath.Ext(name))
	alt = strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`).Replace(alt)
	dest := name
	if strings.ContainsAny(name, " ()<>\\\t") {
		dest = "<" + strings.NewReplacer(`\`, `\\`, `<`, `\<`, `>`, `\>`).Replace(name) + ">"
	}
	return "![" + alt + "](" + dest + ")"
}

package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/core/reply"
	"github.com/tributary-mail/tributary/core/smtp"
)

// ForwardAsAttachmentDraft prepares a forward of message id as an
// attachment: the original, byte for byte as it was received, in a file
// named after its subject (.eml) that smtp.Build sends as message/rfc822,
// so that the recipient gets every part and header the original had. The
// file is in a private temporary folder that reply.RemoveForwardFiles
// removes once the message is queued or dropped. The text is left for the
// user.
func (e *Engine) ForwardAsAttachmentDraft(ctx context.Context, id int64) (reply.Draft, error) {
	sum, blob, msg, err := e.original(ctx, id)
	if err != nil {
		return reply.Draft{}, err
	}
	src, err := e.store.OpenBlob(blob)
	if err != nil {
		// Unlike a forward of the text, this needs the original itself.
		return reply.Draft{}, fmt.Errorf("cannot forward message %d as an attachment: its file cannot be read: %w", id, err)
	}
	defer src.Close()
	dir, err := os.MkdirTemp("", reply.ForwardDirPattern)
	if err != nil {
		return reply.Draft{}, fmt.Errorf("cannot make a folder for the forwarded message: %w", err)
	}
	name := "message"
	if s := strings.TrimSpace(msg.Subject); s != "" {
		name = s
	}
	path := filepath.Join(dir, reply.UniqueName(attachedName(name), map[string]bool{}))
	if err := copyFile(src, path); err != nil {
		os.RemoveAll(dir)
		return reply.Draft{}, fmt.Errorf("cannot copy message %d to attach it: %w", id, err)
	}
	return reply.Draft{
		AccountID: sum.AccountID,
		Original:  id,
		Forward:   true,
		Message: smtp.Draft{
			Subject:     reply.ForwardSubject(msg.Subject),
			Attachments: []string{path},
		},
	}, nil
}

// attachedName is the file name of a forwarded message: its subject made
// safe for any file system, with the extension Build recognises.
func attachedName(subject string) string {
	// A subject is no path: "Q3/Q4" is one name, not a folder and a file.
	subject = strings.NewReplacer("/", "_", `\`, "_").Replace(subject)
	name := mime.SanitizeFilename(subject + ".eml")
	if !strings.HasSuffix(strings.ToLower(name), ".eml") {
		name += ".eml" // the subject was all dots or spaces
	}
	return name
}

func copyFile(src io.Reader, path string) error {
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}

package imap

// SetMaxMessageSize lowers the size cap of c, so that a test need not
// serve 256 MiB.
func SetMaxMessageSize(c *Client, n int64) { c.maxSize = n }

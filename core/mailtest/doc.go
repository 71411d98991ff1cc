// Package mailtest holds real protocol peers for in-process tests: a POP3
// server (pop3test), a recording SMTP server (smtptest), go-imap's memory
// server with extras (imaptest), and in-memory TLS certificates
// (testcert); ReadServers, the settings of the real Dovecot and Postfix
// that scripts/mailservers.sh starts; and Missing, for a test whose real
// peer is not there. They live outside an internal directory so that the
// front ends' tests in ui/ can drive the same servers as core's tests.
package mailtest

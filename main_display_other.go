//go:build !(linux || freebsd || netbsd || openbsd || dragonfly)

package main

// openDisplay: Windows and macOS always have a display (see hasDisplay).
func openDisplay() error { return nil }

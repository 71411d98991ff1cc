//go:build linux || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"bytes"
	"cmp"
	"errors"
	"log"
	"strings"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// openDisplay connects to the display before Fyne does, which logs GLFW's
// failure and then panics on it: a DISPLAY naming an X server that is
// gone (a stale one in tmux, ssh -X without forwarding) or refusing us.
// go-gl's Init returns no error for that: it writes GLFW's reason to the
// log package and leaves GLFW uninitialised, where the next call panics.
// So the reason is caught from the log and the panic of a cheap call
// recovered. On success GLFW stays initialised, and Fyne's own Init does
// nothing more. It must run on the main thread, as main does.
func openDisplay() (err error) {
	var reason bytes.Buffer
	out, flags := log.Writer(), log.Flags()
	log.SetOutput(&reason)
	log.SetFlags(0)
	defer func() {
		log.SetOutput(out)
		log.SetFlags(flags)
		if recover() != nil {
			err = errors.New(cmp.Or(strings.TrimSpace(reason.String()), "GLFW did not start"))
		}
	}()
	if err := glfw.Init(); err != nil {
		return err
	}
	glfw.GetTime() // panics when Init failed
	return nil
}

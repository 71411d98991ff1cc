// Package autostart starts the app when the user logs in: an XDG
// autostart entry on Linux and the BSDs, a LaunchAgent on macOS, the Run
// key on Windows. The entry starts the app with MinimizedFlag, so that it
// comes up in the tray and checks mail without a window in the way.
// It is off until the user turns it on.
package autostart

import "strings"

// MinimizedFlag is the command-line flag the entry starts the app with.
const MinimizedFlag = "--minimized"

// appID names the entry, as the desktop file and the app do.
const appID = "io.github.tributary"

// desktopExecQuote quotes one argument of a desktop entry's Exec key as
// the Desktop Entry Specification asks: in double quotes, with ", `, $
// and \ escaped by a backslash, and % doubled (it starts field codes).
func desktopExecQuote(arg string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`, `%`, `%%`)
	return `"` + r.Replace(arg) + `"`
}

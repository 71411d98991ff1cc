// Package kit holds the widgets and small helpers every window of the GUI
// may use: the keymap that makes a window's keys work wherever the focus
// is, tooltips and the toolbar's buttons, notices (toasts), the form
// scroll that takes the mouse wheel over fields, dialogs sized to their
// text, labels, and the text helpers windows share. It knows nothing of
// mail, the engine or the store.
package kit

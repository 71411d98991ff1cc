// Package assets holds the resources built into the binary.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is Tributary's application and tray icon: three streams on blue.
var Icon = fyne.NewStaticResource("icon.png", iconPNG)

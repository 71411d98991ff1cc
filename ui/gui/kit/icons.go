package kit

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// flagPath is Material Design's "flag" icon, the shape Fyne's own icons
// come from; Fyne 2.7 has no flag of its own.
const flagPath = `M14.4 6L14 4H5v17h2v-7h5.6l.4 2h7V6z`

func flagSVG(fill string) []byte {
	return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="%s" d="%s"/></svg>`, fill, flagPath)
}

var (
	// flagMarkIcon marks a flagged message in the list: a red flag, the
	// colour mail clients use for it, whatever the theme.
	FlagMarkIcon fyne.Resource = fyne.NewStaticResource("flag-red.svg", flagSVG("#e53935"))
	// flagToolIcon is the toolbar's flag button, drawn in the theme's colour.
	FlagToolIcon fyne.Resource = theme.NewThemedResource(fyne.NewStaticResource("flag.svg", flagSVG("#000000")))
)

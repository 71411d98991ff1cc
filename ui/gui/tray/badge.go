package tray

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/tributary-mail/tributary/assets"
)

// badgeSize is the side of the tray icon drawn with a count; trays scale
// it down to their own size.
const badgeSize = 128

// icon is the app icon with the unread count in a red disc at its
// corner, or the plain icon when nothing is unread. More than 99 shows as
// "99+", which still fits the disc.
func icon(unread int) fyne.Resource {
	if unread <= 0 {
		return assets.Icon
	}
	src, err := png.Decode(bytes.NewReader(assets.Icon.Content()))
	if err != nil {
		return assets.Icon
	}
	img := image.NewNRGBA(image.Rect(0, 0, badgeSize, badgeSize))
	scale(img, src)
	text := fmt.Sprint(unread)
	if unread > 99 {
		text = "99+"
	}
	const r = 34
	cx, cy := badgeSize-r-2, r+2
	red := color.NRGBA{0xe5, 0x39, 0x35, 0xff}
	for y := cy - r; y <= cy+r; y++ {
		for x := cx - r; x <= cx+r; x++ {
			if dx, dy := x-cx, y-cy; dx*dx+dy*dy <= r*r {
				img.Set(x, y, red)
			}
		}
	}
	if face := badgeFace(len(text)); face != nil {
		d := &font.Drawer{Dst: img, Src: image.White, Face: face}
		w := d.MeasureString(text)
		m := face.Metrics()
		d.Dot = fixed.Point26_6{
			X: fixed.I(cx) - w/2,
			Y: fixed.I(cy) + (m.Ascent-m.Descent)/2,
		}
		d.DrawString(text)
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return assets.Icon
	}
	return fyne.NewStaticResource(fmt.Sprintf("tray-%s.png", text), out.Bytes())
}

// boldFont is the theme's bold font, parsed once.
var boldFont = sync.OnceValue(func() *opentype.Font {
	f, err := opentype.Parse(theme.DefaultTextBoldFont().Content())
	if err != nil {
		return nil
	}
	return f
})

// badgeFace is the theme's bold font at a size that fits n characters.
func badgeFace(n int) font.Face {
	f := boldFont()
	if f == nil {
		return nil
	}
	size := map[int]float64{1: 48, 2: 40}[n]
	if size == 0 {
		size = 28
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil
	}
	return face
}

// scale draws src into dst by nearest neighbour; the icon is simple
// shapes, so nothing finer is needed.
func scale(dst *image.NRGBA, src image.Image) {
	sb, db := src.Bounds(), dst.Bounds()
	for y := db.Min.Y; y < db.Max.Y; y++ {
		for x := db.Min.X; x < db.Max.X; x++ {
			dst.Set(x, y, src.At(sb.Min.X+x*sb.Dx()/db.Dx(), sb.Min.Y+y*sb.Dy()/db.Dy()))
		}
	}
}

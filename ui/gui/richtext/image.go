package richtext

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for the images mail carries
	_ "image/jpeg"
	_ "image/png"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// Limits on the images the reader decodes. A hostile message can name
// any number of images of any size; these keep the cost of showing one
// small, and a decompression bomb is refused from its header. Fetching
// remote ones, with its own limits, is core/remoteimg's.
const (
	ImageMaxBytes     = 5 << 20 // one image, embedded (remoteimg caps fetched ones alike)
	imageMaxPixels    = 25_000_000
	imageMaxSide      = 10_000
	imageDisplayWidth = 600 // widest an image is drawn, in Fyne units
)

// ImageSegment shows a decoded image on a line of its own.
type ImageSegment struct {
	img  image.Image
	alt  string
	size fyne.Size
}

var _ widget.RichTextSegment = (*ImageSegment)(nil)

func newImageSegment(img image.Image, alt string) *ImageSegment {
	b := img.Bounds()
	w, h := float32(b.Dx()), float32(b.Dy())
	if w > imageDisplayWidth {
		h = h * imageDisplayWidth / w
		w = imageDisplayWidth
	}
	return &ImageSegment{img: img, alt: alt, size: fyne.NewSize(w, h)}
}

// Inline is false: an image stands on its own line.
func (s *ImageSegment) Inline() bool { return false }

// Textual is what copying the message's text gives for the image.
func (s *ImageSegment) Textual() string {
	if s.alt != "" {
		return lang.L("[image: {{.Name}}]", map[string]any{"Name": s.alt})
	}
	return lang.L("[image]")
}

// Image is the decoded picture the segment shows.
func (s *ImageSegment) Image() image.Image { return s.img }

// Visual draws the image at its size, or narrower, left-aligned.
func (s *ImageSegment) Visual() fyne.CanvasObject {
	i := canvas.NewImageFromImage(s.img)
	i.FillMode = canvas.ImageFillContain
	i.ScaleMode = canvas.ImageScaleSmooth
	i.SetMinSize(s.size)
	return container.NewHBox(i)
}

// Update has nothing to change: the segment never changes.
func (s *ImageSegment) Update(fyne.CanvasObject) {}

// Select does nothing: an image is not selectable text.
func (s *ImageSegment) Select(fyne.Position, fyne.Position) {}

// SelectedText is empty, as nothing is selected.
func (s *ImageSegment) SelectedText() string { return "" }

// Unselect does nothing.
func (s *ImageSegment) Unselect() {}

// DecodeImage decodes a PNG, JPEG or GIF after checking its dimensions.
func DecodeImage(b []byte) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > imageMaxSide || cfg.Height > imageMaxSide || cfg.Width*cfg.Height > imageMaxPixels {
		return nil, fmt.Errorf("image of %d×%d pixels is too large to show", cfg.Width, cfg.Height) // i18n:ignore (never shown: an image that fails keeps its placeholder)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	return img, err
}

// DataImage decodes a data:image/…;base64 URL.
func DataImage(src string) (image.Image, error) {
	head, data, ok := strings.Cut(src, ",")
	if !ok || !strings.HasSuffix(strings.ToLower(head), ";base64") {
		return nil, errors.New("not a base64 data URL") // i18n:ignore (never shown: an image that fails keeps its placeholder)
	}
	if base64.StdEncoding.DecodedLen(len(data)) > ImageMaxBytes {
		return nil, errors.New("embedded image too large") // i18n:ignore (never shown: an image that fails keeps its placeholder)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(data))
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(data), "=")); err != nil {
			return nil, err
		}
	}
	return DecodeImage(b)
}

// ReadCapped reads all of r, failing past max bytes.
func ReadCapped(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("image larger than %d MiB", max>>20) // i18n:ignore (never shown: an image that fails keeps its placeholder)
	}
	return b, nil
}

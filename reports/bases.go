package reports

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/png"
	"math"

	"gonum.org/v1/plot/vg"

	"nmfbench/results"
)

// Basis images: how the stored factors of a run become pictures.
//
//   - "A1" (H × R) and "A2" (W × R), the pixel-mode factors of a CP model
//     (NCP, GNCP, GWNTF): component k is the rank-one image A⁽¹⁾ₖ A⁽²⁾ₖᵀ,
//     pixel (r, c) = A1[r, k]·A2[c, k].
//   - "U" (d × r, NMF, GNMF, SDNMF) or "D" (d × k, Wasserstein NMF): column
//     k is an image in the datasets' column-major layout, pixel (r, c) at row
//     c·H + r.
//
// Every tile is scaled to its own maximum (a basis is only defined up to
// scale): white is 0, black the tile's maximum.

// basisTiles returns the images of a run's factors, each h × w values
// row-major, and a description of what they are; ok is false when the
// factors hold nothing drawable. size gives the image height and width of a
// d-pixel basis (0, 0 when unknown).
func basisTiles(fs []results.Factor, size func(d int) (h, w int)) (tiles [][]float64, h, w int, what string, ok bool) {
	byName := map[string]results.Factor{}
	for _, f := range fs {
		byName[f.Name] = f
	}
	a1, ok1 := byName["A1"]
	a2, ok2 := byName["A2"]
	if ok1 && ok2 && a1.Cols == a2.Cols && a1.Cols > 0 {
		h, w = a1.Rows, a2.Rows
		for k := 0; k < a1.Cols; k++ {
			t := make([]float64, h*w)
			for r := 0; r < h; r++ {
				for c := 0; c < w; c++ {
					t[r*w+c] = a1.Data[r*a1.Cols+k] * a2.Data[c*a2.Cols+k]
				}
			}
			tiles = append(tiles, t)
		}
		return tiles, h, w, "rank-one spatial components A1_k A2_kᵀ", true
	}
	for _, name := range []string{"U", "D"} {
		f, ok := byName[name]
		if !ok || f.Cols == 0 {
			continue
		}
		h, w = size(f.Rows)
		if h*w != f.Rows || h == 0 {
			continue
		}
		for k := 0; k < f.Cols; k++ {
			t := make([]float64, h*w)
			for r := 0; r < h; r++ {
				for c := 0; c < w; c++ {
					t[r*w+c] = f.Data[(c*h+r)*f.Cols+k]
				}
			}
			tiles = append(tiles, t)
		}
		return tiles, h, w, fmt.Sprintf("columns of %s (%d × %d) as %d × %d images", name, f.Rows, f.Cols, h, w), true
	}
	return nil, 0, 0, "", false
}

// mosaic draws tiles (each h × w, row-major) in a grid of at most cols
// columns, each enlarged zoom times with a one-pixel gutter, as a grayscale
// image (white 0, black the tile's maximum; negative and non-finite values
// count as 0).
func mosaic(tiles [][]float64, h, w, cols, zoom int) *image.Gray {
	cols = max(1, min(cols, len(tiles)))
	rows := (len(tiles) + cols - 1) / cols
	tw, th := w*zoom+1, h*zoom+1
	img := image.NewGray(image.Rect(0, 0, cols*tw+1, rows*th+1))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for t, tile := range tiles {
		ox, oy := (t%cols)*tw+1, (t/cols)*th+1
		mx := 0.0
		for _, v := range tile {
			if v > mx && !math.IsInf(v, 1) {
				mx = v
			}
		}
		for r := 0; r < h; r++ {
			for c := 0; c < w; c++ {
				v := tile[r*w+c]
				if !(v > 0) || mx == 0 || math.IsInf(v, 1) {
					v = 0
				} else {
					v /= mx
				}
				g := uint8(255 - math.Round(255*v))
				for dy := 0; dy < zoom; dy++ {
					row := img.Pix[(oy+r*zoom+dy)*img.Stride:]
					for dx := 0; dx < zoom; dx++ {
						row[ox+c*zoom+dx] = g
					}
				}
			}
		}
	}
	return img
}

// basesFigure renders a run's basis images as PNG, as an SVG that embeds
// the same pixels under a title, and as a PDF of the given printed width
// showing them under the title.
func basesFigure(title string, tiles [][]float64, h, w int, width vg.Length) (pngData, svgData, pdfData []byte, err error) {
	zoom := max(1, 96/max(h, w))
	img := mosaic(tiles, h, w, 10, zoom)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, nil, nil, fmt.Errorf("encode basis images: %w", err)
	}
	iw, ih := img.Bounds().Dx(), img.Bounds().Dy()
	const top = 24
	var s bytes.Buffer
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n", iw, ih+top, iw, ih+top)
	fmt.Fprintf(&s, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&s, `<text x="%d" y="16" font-family="sans-serif" font-size="13" text-anchor="middle">%s</text>`+"\n", iw/2, html.EscapeString(title))
	fmt.Fprintf(&s, `<image x="0" y="%d" width="%d" height="%d" style="image-rendering:pixelated" href="data:image/png;base64,%s"/>`+"\n</svg>\n",
		top, iw, ih, base64.StdEncoding.EncodeToString(b.Bytes()))
	pdf, err := imagePDF(title, img, width, width*vg.Length(ih)/vg.Length(iw))
	if err != nil {
		return nil, nil, nil, err
	}
	return b.Bytes(), s.Bytes(), pdf, nil
}

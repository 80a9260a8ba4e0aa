package chart

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"

	"git.sr.ht/~sbinet/gg"
	xdraw "golang.org/x/image/draw"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Image is a rendered chart.
type Image struct {
	// PNG is the encoded picture.
	PNG []byte
	// Alt describes the chart in words, with its numbers, for screen
	// readers and for places that show no pictures.
	Alt string
	// Width and Height are the picture's size in physical pixels: Scale
	// times its size in logical (CSS) pixels.
	Width, Height int
}

// Scale is how many physical pixels draw one logical pixel: 2, so that
// charts are crisp on retina screens when shown at their logical size.
const Scale = 2

// Width is the logical width of every chart: wide enough to read on a phone
// held upright, narrow enough that chat clients show it unscaled.
const Width = 640

// frame is a white picture being drawn, measured in logical pixels (one
// logical pixel is one vg point, drawn at 72·Scale dots per inch).
type frame struct {
	img *image.RGBA
	c   draw.Canvas
	buf *buffers
}

// buffers are the memory of a render that is worth keeping for the next:
// a 1280×720 picture is 3.7 MB and its palette indices 0.9 MB, more than
// everything else a chart allocates.
type buffers struct {
	rgba, indices []byte
	png           *png.EncoderBuffer
}

// spare keeps the buffers of two renders, one per core of a small server.
// A sync.Pool would not do: the garbage collector empties it, and a bot
// draws charts too seldom for one to survive until the next chart. A
// picture bigger than a chart's (the digest's) is not kept.
var spare = make(chan *buffers, 2)

const maxSpare = (Width * Scale) * (400 * Scale) * 4

func newFrame(w, h int) *frame {
	var buf *buffers
	select {
	case buf = <-spare:
	default:
		buf = &buffers{}
	}
	pw, ph := w*Scale, h*Scale
	if n := pw * ph * 4; cap(buf.rgba) < n {
		buf.rgba = make([]byte, n)
	} else {
		buf.rgba = buf.rgba[:n]
	}
	img := &image.RGBA{Pix: buf.rgba, Stride: pw * 4, Rect: image.Rect(0, 0, pw, ph)}
	// gg's own constructor for an image copies it; this one draws in place.
	ctx := gg.NewContextForRGBA(img)
	ctx.SetLineCapButt()
	ctx.InvertY()
	// Glyphs are placed whole pixels apart, where nearest-neighbour copies
	// exactly what bilinear interpolation computes, at a fraction of the
	// cost.
	ctx.SetInterpolator(xdraw.NearestNeighbor)
	vc := vgimg.NewWith(vgimg.UseImageWithContext(img, ctx), vgimg.UseDPI(72*Scale))
	return &frame{img: img, c: draw.New(vc), buf: buf}
}

// png encodes the picture and keeps its buffers for the next render.
func (f *frame) png(alt string) (Image, error) {
	defer func() {
		if cap(f.buf.rgba) > maxSpare {
			f.buf.rgba, f.buf.indices = nil, nil
		}
		select {
		case spare <- f.buf:
		default:
		}
		f.img, f.buf = nil, nil
	}()
	out := paletted(f.img, f.buf.indices)
	f.buf.indices = out.Pix
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: f.buf}
	if err := enc.Encode(&buf, out); err != nil {
		return Image{}, fmt.Errorf("encode chart: %w", err)
	}
	b := f.img.Bounds()
	return Image{PNG: buf.Bytes(), Alt: alt, Width: b.Dx(), Height: b.Dy()}, nil
}

// Get and Put let the PNG encoder keep its buffers with the render's.
func (b *buffers) Get() *png.EncoderBuffer  { return b.png }
func (b *buffers) Put(e *png.EncoderBuffer) { b.png = e }

// paletted gives the picture a palette of at most 256 colours, each other
// colour drawn as the nearest of them. A chart has a dozen colours and the
// blends that smooth their edges, so the loss is invisible, while the PNG
// encodes three times faster (one byte a pixel, and no per-row filter to
// choose) and comes out a third of the size. pix is reused for the result
// when it is big enough.
func paletted(img *image.RGBA, pix []uint8) *image.Paletted {
	rgba := img.Pix
	// Every pixel is opaque, so a colour is its four bytes as one number.
	key := func(i int) uint32 { return binary.LittleEndian.Uint32(rgba[i : i+4]) }
	// Count colours by runs: most of a chart is long runs of one colour.
	counts := make(map[uint32]int, 4096)
	prev, run := key(0), 0
	for i := 0; i < len(rgba); i += 4 {
		if k := key(i); k != prev {
			counts[prev] += run
			prev, run = k, 0
		}
		run++
	}
	counts[prev] += run
	type used struct {
		colour uint32
		n      int
	}
	colours := make([]used, 0, len(counts))
	for k, n := range counts {
		colours = append(colours, used{k, n})
	}
	slices.SortFunc(colours, func(a, b used) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.colour, b.colour)
	})
	// The palette: the most used colours, then, while there is room, the
	// colour whose pixels would be drawn worst by the palette so far
	// (count × distance), so that a rare but distinct colour keeps its
	// own entry rather than being drawn as a distant one.
	const size, common = 256, 192
	n := min(len(colours), common)
	kept := make([]uint32, n, size)
	index := make(map[uint32]uint8, len(colours))
	for i, c := range colours[:n] {
		kept[i], index[c.colour] = c.colour, uint8(i)
	}
	rest := colours[n:]
	near := make([]uint8, len(rest)) // each one's nearest kept colour
	dist := make([]int, len(rest))
	for i, c := range rest {
		near[i], dist[i] = nearest(kept, c.colour)
	}
	for len(kept) < size && len(rest) > 0 {
		worst := 0
		for i := range rest {
			if rest[i].n*dist[i] > rest[worst].n*dist[worst] {
				worst = i
			}
		}
		if dist[worst] == 0 {
			break
		}
		at := uint8(len(kept))
		kept = append(kept, rest[worst].colour)
		for i, c := range rest {
			if d := distance(c.colour, rest[worst].colour); d < dist[i] {
				near[i], dist[i] = at, d
			}
		}
	}
	for i, c := range rest {
		index[c.colour] = near[i]
	}
	pal := make(color.Palette, len(kept))
	for i, k := range kept {
		pal[i] = color.RGBA{R: uint8(k), G: uint8(k >> 8), B: uint8(k >> 16), A: 0xff}
	}
	if n = len(rgba) / 4; cap(pix) < n {
		pix = make([]uint8, n)
	}
	out := &image.Paletted{Pix: pix[:n], Stride: img.Rect.Dx(), Rect: img.Rect, Palette: pal}
	prev = key(0)
	at := index[prev]
	for i, j := 0, 0; i < len(rgba); i, j = i+4, j+1 {
		if k := key(i); k != prev {
			prev, at = k, index[k]
		}
		out.Pix[j] = at
	}
	return out
}

// nearest is the index of the colour in pal closest to k, and its
// distance.
func nearest(pal []uint32, k uint32) (uint8, int) {
	best, bestD := 0, math.MaxInt
	for i, c := range pal {
		if d := distance(c, k); d < bestD {
			best, bestD = i, d
		}
	}
	return uint8(best), bestD
}

// distance is the squared distance of two colours.
func distance(a, b uint32) int {
	dr := int(a&0xff) - int(b&0xff)
	dg := int(a>>8&0xff) - int(b>>8&0xff)
	db := int(a>>16&0xff) - int(b>>16&0xff)
	return dr*dr + dg*dg + db*db
}

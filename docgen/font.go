package docgen

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"sync"
)

// fontTTF is the document font: a subset of WenQuanYi Micro Hei (Apache-2.0)
// to ASCII, CJK punctuation, full-width forms and GB2312; see font/README.md.
//
//go:embed font/wqy-microhei-gb2312.ttf
var fontTTF []byte

// fontFamily is the name the font is registered under in each PDF.
const fontFamily = "wqymicrohei"

var (
	coverageOnce sync.Once
	coverage     map[rune]bool
	coverageErr  error
)

// fontRunes is the set of characters the document font can print.
func fontRunes() (map[rune]bool, error) {
	coverageOnce.Do(func() { coverage, coverageErr = cmapRunes(fontTTF) })
	return coverage, coverageErr
}

// cmapRunes reads the characters a TrueType font maps to a glyph from its
// Unicode BMP cmap subtable (platform 3, encoding 1, format 4), the one the
// subset keeps.
func cmapRunes(ttf []byte) (map[rune]bool, error) {
	errBad := errors.New("docgen: the font's cmap table cannot be read")
	u16 := func(b []byte, off int) (int, bool) {
		if off < 0 || off+2 > len(b) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(b[off:])), true
	}
	u32 := func(b []byte, off int) (int, bool) {
		if off < 0 || off+4 > len(b) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(b[off:])), true
	}
	n, ok := u16(ttf, 4)
	if !ok {
		return nil, errBad
	}
	cmap := -1
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return nil, errBad
		}
		if string(ttf[rec:rec+4]) == "cmap" {
			cmap, _ = u32(ttf, rec+8)
		}
	}
	if cmap < 0 {
		return nil, errBad
	}
	subtables, ok := u16(ttf, cmap+2)
	if !ok {
		return nil, errBad
	}
	for i := range subtables {
		rec := cmap + 4 + 8*i
		platform, ok1 := u16(ttf, rec)
		encoding, ok2 := u16(ttf, rec+2)
		off, ok3 := u32(ttf, rec+4)
		if !ok1 || !ok2 || !ok3 {
			return nil, errBad
		}
		st := cmap + off
		if format, _ := u16(ttf, st); platform != 3 || encoding != 1 || format != 4 {
			continue
		}
		segX2, ok := u16(ttf, st+6)
		if !ok {
			return nil, errBad
		}
		ends, starts, deltas, ranges := st+14, st+16+segX2, st+16+2*segX2, st+16+3*segX2
		runes := make(map[rune]bool)
		for s := 0; s < segX2; s += 2 {
			end, ok1 := u16(ttf, ends+s)
			start, ok2 := u16(ttf, starts+s)
			delta, ok3 := u16(ttf, deltas+s)
			rangeOff, ok4 := u16(ttf, ranges+s)
			if !ok1 || !ok2 || !ok3 || !ok4 {
				return nil, errBad
			}
			for c := start; c <= end && c != 0xFFFF; c++ {
				glyph := 0
				if rangeOff == 0 {
					glyph = (c + delta) & 0xFFFF
				} else {
					g, ok := u16(ttf, ranges+s+rangeOff+2*(c-start))
					if !ok {
						return nil, errBad
					}
					if g != 0 {
						glyph = (g + delta) & 0xFFFF
					}
				}
				if glyph != 0 {
					runes[rune(c)] = true
				}
			}
		}
		return runes, nil
	}
	return nil, errBad
}

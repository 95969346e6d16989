package directory

import (
	"math"
	"sort"
	"strings"
)

// geohashAlphabet is the base-32 alphabet of geohashes. Its characters sort in
// the same order as their values, so a geohash prefix is a contiguous range
// of sorted geohash strings.
const geohashAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// geohashPrecision is the length of the geohash stored with each provider,
// a cell of about 1.2 km by 0.6 km.
const geohashPrecision = 9

// earthRadiusKm is the mean Earth radius (IUGG), the one haversine distances
// use.
const earthRadiusKm = 6371.0088

// encodeGeohash returns the geohash of a point with the given number of
// characters.
func encodeGeohash(lat, lng float64, precision int) string {
	latLo, latHi := -90.0, 90.0
	lngLo, lngHi := -180.0, 180.0
	var b strings.Builder
	bits, value, even := 0, 0, true
	for b.Len() < precision {
		if even {
			mid := (lngLo + lngHi) / 2
			if lng >= mid {
				value = value<<1 | 1
				lngLo = mid
			} else {
				value <<= 1
				lngHi = mid
			}
		} else {
			mid := (latLo + latHi) / 2
			if lat >= mid {
				value = value<<1 | 1
				latLo = mid
			} else {
				value <<= 1
				latHi = mid
			}
		}
		even = !even
		bits++
		if bits == 5 {
			b.WriteByte(geohashAlphabet[value])
			bits, value = 0, 0
		}
	}
	return b.String()
}

// cellSize returns the height and width in degrees of a geohash cell with
// the given number of characters.
func cellSize(precision int) (latDeg, lngDeg float64) {
	bits := 5 * precision
	lngBits := (bits + 1) / 2
	latBits := bits / 2
	return 180 / math.Pow(2, float64(latBits)), 360 / math.Pow(2, float64(lngBits))
}

// hashRange is a half-open range [Start, End) of geohash strings.
type hashRange struct {
	Start, End string
}

// maxCoverCells bounds the geohash cells that cover one search circle. More
// and smaller cells read fewer providers outside the circle; fewer cells
// mean fewer queries, since merged cells share one.
const maxCoverCells = 16

// coveringRanges returns geohash ranges whose cells together contain every
// point within radiusKm of the centre. It covers the circle's bounding box
// with the smallest cells that need at most maxCoverCells, and merges cells
// that are adjacent in sort order into one range.
func coveringRanges(lat, lng, radiusKm float64) []hashRange {
	kmPerDegree := earthRadiusKm * math.Pi / 180
	latSpan := radiusKm / kmPerDegree
	south, north := math.Max(-90, lat-latSpan), math.Min(90, lat+latSpan)
	// The box is widest in degrees at its poleward edge.
	edge := math.Max(math.Abs(south), math.Abs(north))
	lngSpan := 180.0
	if edge < 89.9 {
		lngSpan = math.Min(180, radiusKm/(kmPerDegree*math.Cos(edge*math.Pi/180)))
	}
	for p := geohashPrecision; p >= 1; p-- {
		if cells := cellsInBox(south, north, lng-lngSpan, lng+lngSpan, p); cells != nil {
			return mergeCells(cells)
		}
	}
	return []hashRange{{Start: "0", End: "~"}}
}

// cellsInBox returns the geohash cells of the given length that overlap
// the box, or nil when there are more than maxCoverCells. west and east may
// lie outside -180..180 when the box crosses the antimeridian.
func cellsInBox(south, north, west, east float64, precision int) []string {
	latDeg, lngDeg := cellSize(precision)
	if east-west > 360 {
		west, east = -180, 180
	}
	firstRow := math.Floor((south+90)/latDeg)*latDeg - 90
	firstCol := math.Floor((west+180)/lngDeg)*lngDeg - 180
	rows := int(math.Floor((north-firstRow)/latDeg)) + 1
	cols := int(math.Floor((east-firstCol)/lngDeg)) + 1
	if rows*cols > maxCoverCells {
		return nil
	}
	seen := map[string]bool{}
	var cells []string
	for r := range rows {
		centreLat := math.Min(90, firstRow+(float64(r)+0.5)*latDeg)
		for c := range cols {
			cell := encodeGeohash(centreLat, wrapLongitude(firstCol+(float64(c)+0.5)*lngDeg), precision)
			if !seen[cell] {
				seen[cell] = true
				cells = append(cells, cell)
			}
		}
	}
	return cells
}

// mergeCells sorts the cells and joins those adjacent in sort order into
// one range each.
func mergeCells(cells []string) []hashRange {
	sort.Strings(cells)
	var ranges []hashRange
	for _, cell := range cells {
		end := nextGeohash(cell)
		if n := len(ranges); n > 0 && ranges[n-1].End == cell {
			ranges[n-1].End = end
			continue
		}
		ranges = append(ranges, hashRange{Start: cell, End: end})
	}
	return ranges
}

// nextGeohash returns the string of the same length that follows cell in
// geohash order, so [cell, nextGeohash(cell)) holds exactly the geohashes
// that start with cell. After the last cell ("zzz") it returns "~", which
// sorts after every geohash character.
func nextGeohash(cell string) string {
	b := []byte(cell)
	for i := len(b) - 1; i >= 0; i-- {
		pos := strings.IndexByte(geohashAlphabet, b[i])
		if pos < len(geohashAlphabet)-1 {
			b[i] = geohashAlphabet[pos+1]
			return string(b)
		}
		b[i] = geohashAlphabet[0]
	}
	return "~"
}

func wrapLongitude(lng float64) float64 {
	for lng >= 180 {
		lng -= 360
	}
	for lng < -180 {
		lng += 360
	}
	return lng
}

// HaversineKm returns the great-circle distance in kilometres between two
// points given in degrees, on a sphere of the mean Earth radius.
func HaversineKm(lat1, lng1, lat2, lng2 float64) float64 {
	toRad := math.Pi / 180
	dLat := (lat2 - lat1) * toRad
	dLng := (lng2 - lng1) * toRad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*toRad)*math.Cos(lat2*toRad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

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

// coveringRanges returns geohash ranges whose cells together contain every
// point within radiusKm of the centre. It picks the longest geohash whose
// cell is at least radiusKm high and wide at the centre's latitude, so the
// centre cell and its eight neighbours cover the circle, and merges cells
// that are adjacent in sort order into one range.
func coveringRanges(lat, lng, radiusKm float64) []hashRange {
	precision := 1
	for p := geohashPrecision; p >= 1; p-- {
		latDeg, lngDeg := cellSize(p)
		heightKm := latDeg * math.Pi / 180 * earthRadiusKm
		widthKm := lngDeg * math.Pi / 180 * earthRadiusKm * math.Cos(math.Min(89.9, math.Abs(lat)+latDeg)*math.Pi/180)
		if heightKm >= radiusKm && widthKm >= radiusKm {
			precision = p
			break
		}
	}
	latDeg, lngDeg := cellSize(precision)
	cells := map[string]bool{}
	for _, dLat := range []float64{-latDeg, 0, latDeg} {
		for _, dLng := range []float64{-lngDeg, 0, lngDeg} {
			pLat := math.Max(-90, math.Min(90, lat+dLat))
			pLng := wrapLongitude(lng + dLng)
			cells[encodeGeohash(pLat, pLng, precision)] = true
		}
	}
	sorted := make([]string, 0, len(cells))
	for cell := range cells {
		sorted = append(sorted, cell)
	}
	sort.Strings(sorted)

	var ranges []hashRange
	for _, cell := range sorted {
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

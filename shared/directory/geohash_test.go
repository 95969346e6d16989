package directory

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestEncodeGeohashKnownPoints(t *testing.T) {
	t.Parallel()
	// Reference values from the geohash definition: the centre of cell
	// "ezs42" is about 42.605, -5.603.
	if got := encodeGeohash(42.605, -5.603, 5); got != "ezs42" {
		t.Errorf("encodeGeohash(42.605, -5.603) = %s, want ezs42", got)
	}
	if got := encodeGeohash(-90, -180, 3); got != "000" {
		t.Errorf("encodeGeohash(-90, -180) = %s, want 000", got)
	}
}

func TestNextGeohashCarries(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"9q8y": "9q8z", "9q8z": "9q90", "zz": "~"}
	for in, want := range cases {
		if got := nextGeohash(in); got != want {
			t.Errorf("nextGeohash(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestCoveringRangesContainCircle draws random points within the radius
// and checks that one of the ranges holds each point's geohash.
func TestCoveringRangesContainCircle(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	centres := []Point{{41.8781, -87.6298}, {0.0, 179.99}, {-33.87, 151.21}, {64.1, -21.9}, {89.5, 10}, {-85, -179.9}}
	for _, c := range centres {
		for _, radius := range []float64{0.5, 5, 25, 100, 200} {
			ranges := coveringRanges(c.Lat, c.Lng, radius)
			if len(ranges) > maxCoverCells {
				t.Errorf("centre %v radius %g km: %d ranges, want at most %d", c, radius, len(ranges), maxCoverCells)
			}
			for range 400 {
				p := pointAt(c, radius*math.Sqrt(rng.Float64()), rng.Float64()*2*math.Pi)
				hash := encodeGeohash(p.Lat, p.Lng, geohashPrecision)
				if !inRanges(hash, ranges) {
					t.Fatalf("point %v, %.2f km from %v, geohash %s, is outside the ranges %v", p, HaversineKm(c.Lat, c.Lng, p.Lat, p.Lng), c, hash, ranges)
				}
			}
		}
	}
}

// pointAt returns the point at distance km and bearing (radians) from c.
func pointAt(c Point, km, bearing float64) Point {
	toRad := math.Pi / 180
	d := km / earthRadiusKm
	lat1, lng1 := c.Lat*toRad, c.Lng*toRad
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(bearing))
	lng2 := lng1 + math.Atan2(math.Sin(bearing)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
	return Point{Lat: lat2 / toRad, Lng: wrapLongitude(lng2 / toRad)}
}

func inRanges(hash string, ranges []hashRange) bool {
	for _, r := range ranges {
		if strings.Compare(hash, r.Start) >= 0 && strings.Compare(hash, r.End) < 0 {
			return true
		}
	}
	return false
}

func TestHaversineTable(t *testing.T) {
	t.Parallel()
	// Distances computed by hand with the haversine formula and a radius of
	// 6371.0088 km. Along a meridian the distance is R times the latitude
	// difference in radians.
	cases := []struct {
		name                   string
		lat1, lng1, lat2, lng2 float64
		wantKm                 float64
	}{
		{"0.1 degree north", 41.8781, -87.6298, 41.9781, -87.6298, 11.120},
		{"0.2 degree south", 41.8781, -87.6298, 41.6781, -87.6298, 22.239},
		{"0.1 degree east", 41.8781, -87.6298, 41.8781, -87.5298, 8.279},
		{"to O'Hare", 41.8781, -87.6298, 41.9742, -87.9073, 25.323},
		{"across the antimeridian", 0, 179.99, 0, -179.99, 2.224},
	}
	for _, tc := range cases {
		if got := HaversineKm(tc.lat1, tc.lng1, tc.lat2, tc.lng2); math.Abs(got-tc.wantKm) > 0.001 {
			t.Errorf("%s: HaversineKm = %.4f, want %.3f", tc.name, got, tc.wantKm)
		}
	}
}

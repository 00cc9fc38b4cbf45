package site

import (
	"slices"
	"strings"
)

// CRS is a coordinate reference system Emprises reads and writes coordinates in. It is the
// one place that says what a CRS name means: every route (OGC API crs and bbox-crs, the
// downloads, a geometry sent to the editing API) and the command line (export --crs) read
// names with ParseCRS, so that one name has one axis order everywhere.
//
// The rule is OGC's: a CRS has the axis order its authority defines. EPSG:4326 is latitude
// first in every spelling (its URI, its URN, "EPSG:4326", "[EPSG:4326]"); CRS84 is the same
// datum longitude first, the order of RFC 7946 GeoJSON and the default of every route.
type CRS struct {
	URI      string // the OGC URI: Content-Crs, the collections' crs lists
	SRID     int    // the PostGIS SRID of the coordinates
	LatFirst bool   // coordinates are (latitude, longitude), not (x, y)
	// Decimals is the precision written: 7 decimals of a degree and 2 of a metre are both
	// about a centimetre, finer than any land record.
	Decimals int
	Tag      string // a short name for file names: wgs84, wgs84-latlon, lambert93
	urn      string
}

// The CRS Emprises offers.
var (
	// CRS84 is WGS84 longitude first: RFC 7946 GeoJSON, the default everywhere.
	CRS84 = CRS{
		URI: "http://www.opengis.net/def/crs/OGC/1.3/CRS84", SRID: SRIDWGS84, Decimals: 7, Tag: "wgs84",
		urn: "urn:ogc:def:crs:OGC:1.3:CRS84",
	}
	// EPSG4326 is WGS84 latitude first, as EPSG defines it.
	EPSG4326 = CRS{
		URI: "http://www.opengis.net/def/crs/EPSG/0/4326", SRID: SRIDWGS84, LatFirst: true, Decimals: 7, Tag: "wgs84-latlon",
		urn: "urn:ogc:def:crs:EPSG::4326",
	}
	// Lambert93 is RGF93 / Lambert-93, the legal projection in France, in metres (easting,
	// northing), and the CRS the database stores.
	Lambert93 = CRS{
		URI: "http://www.opengis.net/def/crs/EPSG/0/2154", SRID: SRIDLambert93, Decimals: 2, Tag: "lambert93",
		urn: "urn:ogc:def:crs:EPSG::2154",
	}
)

// crsShortNames are the spellings ParseCRS accepts besides each CRS's URI (also with
// https) and URN: the short forms people and tools type, and OGC's safe CURIEs.
var crsShortNames = map[CRS][]string{
	CRS84:     {"CRS84", "OGC:CRS84", "[OGC:CRS84]"},
	EPSG4326:  {"EPSG:4326", "[EPSG:4326]"},
	Lambert93: {"EPSG:2154", "[EPSG:2154]"},
}

// CRSs lists the CRS Emprises offers, the default (CRS84) first.
func CRSs() []CRS { return []CRS{CRS84, EPSG4326, Lambert93} }

// URN is the CRS's OGC URN, the spelling the pre-RFC 7946 GeoJSON "crs" member uses.
func (c CRS) URN() string { return c.urn }

// Known reports whether c is one of CRSs, not a zero or hand-made value.
func (c CRS) Known() bool { return c.urn != "" }

// Names lists every spelling of c that ParseCRS accepts, the URI first.
func (c CRS) Names() []string {
	return append([]string{c.URI, "https" + strings.TrimPrefix(c.URI, "http"), c.urn}, crsShortNames[c]...)
}

// String is the CRS's URI.
func (c CRS) String() string { return c.URI }

// ParseCRS reads a CRS name: an OGC URI (http or https), an OGC URN, a short form such as
// EPSG:2154 or CRS84, or a safe CURIE such as [EPSG:2154]. The match is exact. An error is
// an *InvalidError naming the field "crs"; see ParseCRSField for another name.
func ParseCRS(s string) (CRS, error) { return ParseCRSField("crs", s) }

// ParseCRSField is ParseCRS naming field in its error, e.g. "bbox-crs" or "--crs".
func ParseCRSField(field, s string) (CRS, error) {
	for _, c := range CRSs() {
		if slices.Contains(c.Names(), s) {
			return c, nil
		}
	}
	if s == "" {
		return CRS{}, Invalid(field, "is empty; %s", crsChoices)
	}
	return CRS{}, Invalid(field, "unsupported CRS %q; %s", s, crsChoices)
}

// crsChoices says what ParseCRS accepts, for its errors.
const crsChoices = "use CRS84 (longitude, latitude; the default), EPSG:4326 (latitude, longitude) " +
	"or EPSG:2154 (Lambert-93 metres), or their OGC URIs http://www.opengis.net/def/crs/…"

package site

import (
	"strings"
	"testing"
)

func TestParseCRS(t *testing.T) {
	tests := []struct {
		name string
		want CRS
	}{
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84},
		{"https://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", CRS84},
		{"CRS84", CRS84},
		{"OGC:CRS84", CRS84},
		{"[OGC:CRS84]", CRS84},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", EPSG4326},
		{"https://www.opengis.net/def/crs/EPSG/0/4326", EPSG4326},
		{"urn:ogc:def:crs:EPSG::4326", EPSG4326},
		{"EPSG:4326", EPSG4326},
		{"[EPSG:4326]", EPSG4326},
		{"http://www.opengis.net/def/crs/EPSG/0/2154", Lambert93},
		{"https://www.opengis.net/def/crs/EPSG/0/2154", Lambert93},
		{"urn:ogc:def:crs:EPSG::2154", Lambert93},
		{"EPSG:2154", Lambert93},
		{"[EPSG:2154]", Lambert93},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCRS(tt.name)
			if err != nil || got != tt.want {
				t.Errorf("ParseCRS(%q) = %v, %v; want %v", tt.name, got, err, tt.want)
			}
		})
	}
	// Every spelling Names lists is in the table above: a new spelling needs a row.
	for _, c := range CRSs() {
		for _, n := range c.Names() {
			found := false
			for _, tt := range tests {
				found = found || tt.name == n
			}
			if !found {
				t.Errorf("%v.Names() lists %q, which TestParseCRS does not check", c, n)
			}
		}
	}
}

// TestCRSAxisOrder pins the one rule: EPSG:4326 is latitude first in every spelling,
// CRS84 longitude first, and the decimals follow the unit.
func TestCRSAxisOrder(t *testing.T) {
	tests := []struct {
		crs      CRS
		srid     int
		latFirst bool
		decimals int
		uri, urn string
		tag      string
	}{
		{CRS84, SRIDWGS84, false, 7, "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84", "wgs84"},
		{EPSG4326, SRIDWGS84, true, 7, "http://www.opengis.net/def/crs/EPSG/0/4326", "urn:ogc:def:crs:EPSG::4326", "wgs84-latlon"},
		{Lambert93, SRIDLambert93, false, 2, "http://www.opengis.net/def/crs/EPSG/0/2154", "urn:ogc:def:crs:EPSG::2154", "lambert93"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			c := tt.crs
			if c.SRID != tt.srid || c.LatFirst != tt.latFirst || c.Decimals != tt.decimals || c.URI != tt.uri || c.URN() != tt.urn || c.Tag != tt.tag || !c.Known() {
				t.Errorf("%v = {SRID %d, LatFirst %v, Decimals %d, URN %q, Tag %q, Known %v}; want {%d, %v, %d, %q, %q, true}",
					c, c.SRID, c.LatFirst, c.Decimals, c.URN(), c.Tag, c.Known(), tt.srid, tt.latFirst, tt.decimals, tt.urn, tt.tag)
			}
		})
	}
	if (CRS{}).Known() {
		t.Error("CRS{}.Known() = true; want false")
	}
}

func TestParseCRSInvalid(t *testing.T) {
	tests := []struct {
		field, s string
	}{
		{"crs", ""},
		{"crs", "EPSG:3857"},
		{"crs", "epsg:4326"}, // the match is exact, as OGC API – Features compares URIs
		{"crs", "4326"},
		{"crs", " EPSG:2154"},
		{"crs", "http://www.opengis.net/def/crs/EPSG/0/4326/"},
		{"bbox-crs", "WGS84"},
		{"--crs", "EPSG:27572"},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+tt.s, func(t *testing.T) {
			var got CRS
			var err error
			if tt.field == "crs" {
				got, err = ParseCRS(tt.s)
			} else {
				got, err = ParseCRSField(tt.field, tt.s)
			}
			if field, ok := invalidField(err); !ok || field != tt.field {
				t.Fatalf("ParseCRSField(%q, %q) = %v, %v; want an *InvalidError on %s", tt.field, tt.s, got, err, tt.field)
			}
			if got.Known() {
				t.Errorf("ParseCRSField(%q, %q) = %v with an error; want the zero CRS", tt.field, tt.s, got)
			}
			if !strings.Contains(err.Error(), "EPSG:4326 (latitude, longitude)") {
				t.Errorf("ParseCRSField(%q, %q) error = %v; want it to say what is accepted", tt.field, tt.s, err)
			}
		})
	}
}

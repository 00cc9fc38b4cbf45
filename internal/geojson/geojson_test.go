package geojson

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/emprises/emprises/internal/site"
)

func TestWriteFeatureCollection(t *testing.T) {
	features := []string{
		`{"type":"Feature","id":"a","geometry":null,"properties":{}}`,
		`{"type":"Feature","id":"b","geometry":null,"properties":{}}`,
	}
	tests := []struct {
		srid    int
		n       int
		wantCRS string
	}{
		{site.SRIDWGS84, 0, ""},
		{site.SRIDWGS84, 2, ""},
		{site.SRIDLambert93, 1, "urn:ogc:def:crs:EPSG::2154"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := WriteFeatureCollection(&buf, CRSName(tt.srid), func(yield func([]byte) error) error {
			for _, f := range features[:tt.n] {
				if err := yield([]byte(f)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("WriteFeatureCollection(%d, %d features): %v", tt.srid, tt.n, err)
		}
		var fc struct {
			Type string `json:"type"`
			CRS  *struct {
				Properties struct{ Name string } `json:"properties"`
			} `json:"crs"`
			Features []json.RawMessage `json:"features"`
		}
		if err := json.Unmarshal(buf.Bytes(), &fc); err != nil {
			t.Fatalf("WriteFeatureCollection(%d, %d features) wrote invalid JSON %q: %v", tt.srid, tt.n, buf.String(), err)
		}
		if fc.Type != "FeatureCollection" || len(fc.Features) != tt.n {
			t.Errorf("WriteFeatureCollection(%d, %d features) = %s", tt.srid, tt.n, buf.String())
		}
		gotCRS := ""
		if fc.CRS != nil {
			gotCRS = fc.CRS.Properties.Name
		}
		if gotCRS != tt.wantCRS {
			t.Errorf("WriteFeatureCollection(%d): crs %q; want %q", tt.srid, gotCRS, tt.wantCRS)
		}
	}
}

func TestWriteFeatureCollectionStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	var buf bytes.Buffer
	err := WriteFeatureCollection(&buf, "", func(yield func([]byte) error) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("WriteFeatureCollection error = %v; want %v", err, boom)
	}
}

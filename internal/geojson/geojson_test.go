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
		crs     site.CRS
		n       int
		wantCRS string
	}{
		{site.CRS84, 0, ""},
		{site.CRS84, 2, ""},
		{site.EPSG4326, 1, "urn:ogc:def:crs:EPSG::4326"},
		{site.Lambert93, 1, "urn:ogc:def:crs:EPSG::2154"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := WriteFeatureCollection(&buf, tt.crs, func(yield func([]byte) error) error {
			for _, f := range features[:tt.n] {
				if err := yield([]byte(f)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("WriteFeatureCollection(%v, %d features): %v", tt.crs, tt.n, err)
		}
		var fc struct {
			Type string `json:"type"`
			CRS  *struct {
				Properties struct{ Name string } `json:"properties"`
			} `json:"crs"`
			Features []json.RawMessage `json:"features"`
		}
		if err := json.Unmarshal(buf.Bytes(), &fc); err != nil {
			t.Fatalf("WriteFeatureCollection(%v, %d features) wrote invalid JSON %q: %v", tt.crs, tt.n, buf.String(), err)
		}
		if fc.Type != "FeatureCollection" || len(fc.Features) != tt.n {
			t.Errorf("WriteFeatureCollection(%v, %d features) = %s", tt.crs, tt.n, buf.String())
		}
		gotCRS := ""
		if fc.CRS != nil {
			gotCRS = fc.CRS.Properties.Name
		}
		if gotCRS != tt.wantCRS {
			t.Errorf("WriteFeatureCollection(%v): crs %q; want %q", tt.crs, gotCRS, tt.wantCRS)
		}
	}
}

func TestWriteFeatureCollectionStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	var buf bytes.Buffer
	err := WriteFeatureCollection(&buf, site.CRS84, func(yield func([]byte) error) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("WriteFeatureCollection error = %v; want %v", err, boom)
	}
}

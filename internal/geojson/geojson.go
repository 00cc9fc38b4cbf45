// Package geojson writes GeoJSON FeatureCollections as a stream: the features, already
// encoded by PostGIS, go to the writer one by one, so memory does not grow with their
// number.
package geojson

import (
	"io"

	"github.com/emprises/emprises/internal/site"
)

// WriteFeatureCollection writes one FeatureCollection whose coordinates are in crs to w.
// A CRS other than CRS84 is named by its URN in the pre-RFC 7946 "crs" member, which GDAL
// and QGIS read; CRS84 is not named, as RFC 7946 output must not be. each produces the
// features: it calls its argument once per feature, with the feature's GeoJSON, and
// returns the first error.
func WriteFeatureCollection(w io.Writer, crs site.CRS, each func(yield func(feature []byte) error) error) error {
	head := `{"type":"FeatureCollection",`
	if crs != site.CRS84 {
		// A URN is ASCII letters, digits and colons: nothing to escape.
		head += `"crs":{"type":"name","properties":{"name":"` + crs.URN() + `"}},`
	}
	if _, err := io.WriteString(w, head+`"features":[`); err != nil {
		return err
	}
	sep := ""
	err := each(func(feature []byte) error {
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		sep = ",\n"
		_, err := w.Write(feature)
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}

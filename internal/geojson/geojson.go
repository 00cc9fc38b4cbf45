// Package geojson writes GeoJSON FeatureCollections as a stream: the features, already
// encoded by PostGIS, go to the writer one by one, so memory does not grow with their
// number.
package geojson

import (
	"io"

	"github.com/emprises/emprises/internal/site"
)

// CRSName is the value of the pre-RFC 7946 "crs" member that names a CRS other than WGS84
// for GDAL and QGIS; empty for WGS84, which RFC 7946 output must not name.
func CRSName(srid int) string {
	if srid == site.SRIDLambert93 {
		return "urn:ogc:def:crs:EPSG::2154"
	}
	return ""
}

// WriteFeatureCollection writes one FeatureCollection to w. crsName, if not empty, is
// written as its "crs" member (see CRSName). each produces the features: it calls its
// argument once per feature, with the feature's GeoJSON, and returns the first error.
func WriteFeatureCollection(w io.Writer, crsName string, each func(yield func(feature []byte) error) error) error {
	head := `{"type":"FeatureCollection",`
	if crsName != "" {
		head += `"crs":{"type":"name","properties":{"name":"` + crsName + `"}},`
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

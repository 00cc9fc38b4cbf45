package httpapi

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/emprises/emprises/internal/friches"
	"github.com/emprises/emprises/internal/geojson"
	"github.com/emprises/emprises/internal/store"
)

// handleExportSites answers GET /export/sites.geojson?crs=&date=: every site part as it
// stood on that day, its codes with their French labels beside them (withFrenchLabels),
// as one FeatureCollection in crs (CRS84, RFC 7946, by default) saved as
// emprises-sites-<crs tag>-<date>.geojson.
func (s *Server) handleExportSites(w http.ResponseWriter, r *http.Request) {
	q, err := checkParams(r, "crs", "date")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	crs, err := crsParam(q, "crs")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	asOf, err := s.asOfParam(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fq := store.FeatureQuery{CRS: crs, AsOf: &asOf}
	s.streamDownload(w, r, "application/geo+json",
		fmt.Sprintf("emprises-sites-%s-%s%s.geojson", crs.Tag, asOf.Format(time.DateOnly), s.projectionSuffix(w, asOf)),
		func(w io.Writer) error {
			return geojson.WriteFeatureCollection(w, crs, func(yield func([]byte) error) error {
				return s.store.EachPartFeature(r.Context(), fq, func(feature []byte) error {
					labelled, err := withFrenchLabels(feature)
					if err != nil {
						return err
					}
					return yield(labelled)
				})
			})
		})
}

// handleExportParcels answers GET /export/parcels.geojson?crs=: every cadastral parcel on
// record, in crs, saved as emprises-parcels-<crs tag>-<today>.geojson.
func (s *Server) handleExportParcels(w http.ResponseWriter, r *http.Request) {
	q, err := checkParams(r, "crs")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	crs, err := crsParam(q, "crs")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.streamDownload(w, r, "application/geo+json",
		fmt.Sprintf("emprises-parcels-%s-%s.geojson", crs.Tag, s.today().Format(time.DateOnly)),
		func(w io.Writer) error {
			return geojson.WriteFeatureCollection(w, crs, func(yield func([]byte) error) error {
				_, err := s.store.Features(r.Context(), store.CollectionParcels, store.FeatureQuery{CRS: crs},
					func(_, feature []byte) error { return yield(feature) })
				return err
			})
		})
}

// handleExportFriches answers GET /export/sites.csv?date=: one row per site part as it
// stood on that day, in the CNIG "Friches" exchange format, saved as
// emprises-sites-friches-<date>.csv.
func (s *Server) handleExportFriches(w http.ResponseWriter, r *http.Request) {
	asOf, err := s.asOfQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.streamDownload(w, r, "text/csv; charset=utf-8; header=present",
		"emprises-sites-friches-"+asOf.Format(time.DateOnly)+s.projectionSuffix(w, asOf)+".csv",
		func(w io.Writer) error { return friches.Write(r.Context(), w, s.store, asOf) })
}

// projectionSuffix marks a download for a day after today as a projection, in
// ProjectionHeader and in the file's name ("-projection"), which stays with the file.
func (s *Server) projectionSuffix(w http.ResponseWriter, day time.Time) string {
	if s.markProjection(w, day) {
		return "-projection"
	}
	return ""
}

// streamDownload sends a file produced by write as it is produced. An error before the
// first bytes left (most often: the query failed) is answered as a problem; after them
// the connection is cut, so that the client sees a failed download, never a file that
// merely looks complete.
func (s *Server) streamDownload(w http.ResponseWriter, r *http.Request, contentType, filename string, write func(io.Writer) error) {
	release, ok := s.beginLongStream(w, r)
	if !ok {
		return
	}
	defer release()
	w.Header().Set("Content-Type", contentType)
	attachment(w, filename)
	sent := &sentCounter{w: newDeadlineWriter(w)}
	bw := bufio.NewWriterSize(sent, 64<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		return
	}
	if sent.n == 0 {
		w.Header().Del("Content-Disposition")
		s.writeError(w, r, err)
		return
	}
	if r.Context().Err() != nil {
		s.logger.Debug("download abandoned by the client", "path", r.URL.Path, "sent", sent.n)
	} else {
		s.logger.Error("download cut short", "path", r.URL.Path, "sent", sent.n, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// sentCounter counts the bytes that went to the client.
type sentCounter struct {
	w io.Writer
	n int64
}

func (c *sentCounter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

package httpapi

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/geojson"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// exportCRS reads ?crs= of a download: RFC 7946 WGS84 by default, or Lambert-93. It returns
// the SRID and the tag that names the file.
func exportCRS(q url.Values) (srid int, tag string, err error) {
	switch v := q.Get("crs"); v {
	case "", "EPSG:4326", "CRS84", "OGC:CRS84",
		"http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326":
		return site.SRIDWGS84, "wgs84", nil
	case "EPSG:2154", "http://www.opengis.net/def/crs/EPSG/0/2154":
		return site.SRIDLambert93, "lambert93", nil
	default:
		return 0, "", &errParam{param: "crs", err: site.Invalid("crs",
			"%q is not offered; use EPSG:4326 (RFC 7946 GeoJSON, lon/lat) or EPSG:2154 (Lambert-93, metres)", v)}
	}
}

// handleExportSites answers GET /export/sites.geojson?crs=&date=: every site part as it
// stood on that day, as one FeatureCollection saved as
// emprises-sites-<wgs84|lambert93>-<date>.geojson.
func (s *Server) handleExportSites(w http.ResponseWriter, r *http.Request) {
	q, err := checkParams(r, "crs", "date")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	srid, tag, err := exportCRS(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	asOf, err := asOfParam(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fq := store.FeatureQuery{SRID: srid, AsOf: &asOf}
	s.streamDownload(w, r, "application/geo+json",
		fmt.Sprintf("emprises-sites-%s-%s.geojson", tag, asOf.Format(time.DateOnly)),
		func(w io.Writer) error {
			return geojson.WriteFeatureCollection(w, geojson.CRSName(srid), func(yield func([]byte) error) error {
				return s.store.EachPartFeature(r.Context(), fq, yield)
			})
		})
}

// handleExportParcels answers GET /export/parcels.geojson?crs=: every cadastral parcel on
// record, saved as emprises-parcels-<wgs84|lambert93>-<today>.geojson.
func (s *Server) handleExportParcels(w http.ResponseWriter, r *http.Request) {
	q, err := checkParams(r, "crs")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	srid, tag, err := exportCRS(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.streamDownload(w, r, "application/geo+json",
		fmt.Sprintf("emprises-parcels-%s-%s.geojson", tag, serviceToday().Format(time.DateOnly)),
		func(w io.Writer) error {
			return geojson.WriteFeatureCollection(w, geojson.CRSName(srid), func(yield func([]byte) error) error {
				_, err := s.store.Features(r.Context(), store.CollectionParcels, store.FeatureQuery{SRID: srid},
					func(_, feature []byte) error { return yield(feature) })
				return err
			})
		})
}

// brownfieldFields are the columns of the CNIG "Friches" exchange file, in the order of
// its table schema (schema-friches v1.0.4). Emprises fills those it knows and leaves the
// others empty, which the schema reads as missing.
var brownfieldFields = []string{
	"site_id", "site_nom", "site_type", "site_adresse", "site_identif_date", "site_actu_date",
	"site_url", "site_ademe_url", "site_securite", "site_occupation", "site_statut",
	"site_projet_url", "site_reconv_annee", "site_reconv_type", "activite_libelle",
	"activite_code", "activite_fin_annee", "comm_nom", "comm_insee", "bati_type",
	"bati_nombre", "bati_surface", "bati_pollution", "bati_vacance", "bati_patrimoine",
	"bati_etat", "local_ancien_annee", "local_recent_annee", "proprio_type",
	"proprio_personne", "proprio_nom", "sol_pollution_annee", "sol_pollution_existe",
	"sol_pollution_origine", "sol_pollution_commentaire", "sol_depollution_fiche",
	"unite_fonciere_surface", "unite_fonciere_refcad", "urba_zone_type", "urba_zone_lib",
	"urba_zone_formdomi", "urba_doc_type", "desserte_distance", "desserte_commentaire",
	"source_nom", "source_url", "source_producteur", "source_contact", "geompoint", "geomsurf",
}

// brownfieldStatus maps a part's status to the schema's site_statut and site_occupation.
// A part still in service is not a brownfield (sans objet); one whose future is studied or
// whose release is planned is a potential one; a released part is vacant, with a project
// once a disposal modality is chosen; a part being disposed of or ceded has a project,
// which is reconverted once a delivery or opening on it is recorded.
func brownfieldStatus(b *store.BrownfieldPart) (statut, occupation string) {
	switch site.Status(b.Status) {
	case site.StatusInUse:
		return "sans objet", "sans objet"
	case site.StatusUnderStudy, site.StatusReleasePlanned:
		return "friche potentielle", "sans objet"
	case site.StatusReleased:
		if site.Modality(b.Modality) == site.ModalityUndecided {
			return "friche sans projet", "totalement inoccupé"
		}
		return "friche avec projet", "totalement inoccupé"
	case site.StatusDisposalInProgress:
		return "friche avec projet", "inconnu"
	case site.StatusCeded:
		if b.ReconvertedYear != nil {
			return "friche reconvertie", "sans objet"
		}
		return "friche avec projet", "sans objet"
	}
	return "inconnu", "inconnu"
}

// brownfieldRow fills the schema's fields for one part.
func brownfieldRow(b *store.BrownfieldPart) []string {
	v := map[string]string{
		"site_id":               site.InseeIvry + "_" + b.PartID,
		"site_nom":              b.SiteName + " – " + b.PartLabel,
		"site_type":             "friche d'équipement public", // every site is a Paris public facility
		"site_adresse":          b.Address,
		"site_identif_date":     b.Identified.Format(time.DateOnly),
		"site_actu_date":        b.Updated.Format(time.DateOnly),
		"comm_nom":              "Ivry-sur-Seine",
		"comm_insee":            site.InseeIvry,
		"proprio_personne":      "personne morale",
		"proprio_nom":           b.Owner,
		"unite_fonciere_refcad": strings.Join(b.ParcelIDs, "|"),
		"source_producteur":     "Ville de Paris – Emprises",
	}
	v["site_statut"], v["site_occupation"] = brownfieldStatus(b)
	if v["site_statut"] == "friche reconvertie" {
		v["site_reconv_annee"] = strconv.Itoa(*b.ReconvertedYear)
	}
	if site.Status(b.Status) == site.StatusCeded && b.Counterparty != "" {
		v["proprio_nom"] = b.Counterparty
	}
	if b.ParcelAreaM2 != nil {
		v["unite_fonciere_surface"] = strconv.Itoa(*b.ParcelAreaM2)
	}
	for _, src := range b.Sources {
		isURL := strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://")
		if isURL && v["source_url"] == "" {
			v["source_url"] = src
		}
		if !isURL && v["source_nom"] == "" {
			v["source_nom"] = src
		}
	}
	if v["source_nom"] == "" {
		v["source_nom"] = "Emprises (Ville de Paris)"
	}
	if b.CentroidWKT != nil {
		v["geompoint"] = *b.CentroidWKT
	}
	if b.GeometryWKT != nil {
		v["geomsurf"] = *b.GeometryWKT
	}
	row := make([]string, len(brownfieldFields))
	for i, f := range brownfieldFields {
		row[i] = v[f]
	}
	return row
}

// handleExportFriches answers GET /export/sites.csv?date=: one row per site part as it
// stood on that day, in the CNIG "Friches" exchange format (comma-separated UTF-8 with the
// schema's own column names, ISO dates, WKT geometries in WGS84 lon/lat), saved as
// emprises-sites-friches-<date>.csv.
func (s *Server) handleExportFriches(w http.ResponseWriter, r *http.Request) {
	asOf, err := asOfQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.streamDownload(w, r, "text/csv; charset=utf-8; header=present",
		"emprises-sites-friches-"+asOf.Format(time.DateOnly)+".csv",
		func(w io.Writer) error {
			cw := csv.NewWriter(w)
			cw.UseCRLF = true
			if err := cw.Write(brownfieldFields); err != nil {
				return err
			}
			err := s.store.EachBrownfieldPart(r.Context(), asOf, func(b *store.BrownfieldPart) error {
				return cw.Write(brownfieldRow(b))
			})
			if err != nil {
				return err
			}
			cw.Flush()
			return cw.Error()
		})
}

// streamDownload sends a file produced by write as it is produced. An error before the
// first bytes left (most often: the query failed) is answered as a problem; after them
// the connection is cut, so that the client sees a failed download, never a file that
// merely looks complete.
func (s *Server) streamDownload(w http.ResponseWriter, r *http.Request, contentType, filename string, write func(io.Writer) error) {
	w.Header().Set("Content-Type", contentType)
	attachment(w, filename)
	sent := &sentCounter{w: w}
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

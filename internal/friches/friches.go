// Package friches writes site parts in the CNIG "Friches" exchange format (the national
// brownfield schema used by Cerema's Cartofriches, schema-friches v1.0.4), the CSV profile
// offered to APUR beside the GeoJSON exports.
package friches

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/spreadsheet"
	"github.com/emprises/emprises/internal/store"
)

// Fields are the columns of the CNIG "Friches" exchange file, in the order of
// its table schema (schema-friches v1.0.4). Emprises fills those it knows and leaves the
// others empty, which the schema reads as missing.
var Fields = []string{
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

// status maps a part's status to the schema's site_statut and site_occupation.
// A part still in service is not a brownfield (sans objet); one whose future is studied or
// whose release is planned is a potential one; a released part is vacant, with a project
// once a disposal modality is chosen; a part being disposed of or ceded has a project,
// which is reconverted once a delivery or opening on it is recorded.
func status(b *store.BrownfieldPart) (statut, occupation string) {
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

// row fills the schema's fields for one part.
func row(b *store.BrownfieldPart) []string {
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
	v["site_statut"], v["site_occupation"] = status(b)
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
	row := make([]string, len(Fields))
	for i, f := range Fields {
		row[i] = v[f]
	}
	return row
}

// Write streams every site part as it stood on asOf as one CSV file: comma-separated UTF-8
// with the schema's own column names, ISO dates and WKT geometries in WGS84 lon/lat, as the
// schema's example file has them, so that its validators read it.
func Write(ctx context.Context, w io.Writer, s *store.Store, asOf time.Time) error {
	cw := spreadsheet.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(Fields); err != nil {
		return err
	}
	err := s.EachBrownfieldPart(ctx, asOf, func(b *store.BrownfieldPart) error {
		return cw.Write(row(b))
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

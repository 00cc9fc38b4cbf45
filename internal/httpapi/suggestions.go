package httpapi

import (
	"net/http"
	"strconv"

	"github.com/emprises/emprises/internal/site"
)

// parcelSuggestionsJSON is the body of GET /api/parts/{id}/parcel-suggestions.
type parcelSuggestionsJSON struct {
	PartID       string                 `json:"part_id"`
	SiteID       string                 `json:"site_id"`
	Quality      site.GeometryQuality   `json:"geometry_quality"`
	MinShare     float64                `json:"min_share"` // the least share of a parcel inside the outline
	Note         string                 `json:"note"`      // in French, for the page: why there are none, or what to do
	Suggestions  []parcelSuggestionJSON `json:"suggestions"`
	LinkEndpoint string                 `json:"link_endpoint"` // where to POST {"ids": […]} to link them
}

type parcelSuggestionJSON struct {
	ID         string  `json:"id"`
	Label      string  `json:"label"` // "AZ 56"
	AreaM2     float64 `json:"area_m2"`
	Contenance *int32  `json:"contenance_m2"`
	Share      float64 `json:"share"` // 0 to 1
	LinkedPart string  `json:"linked_part"`
}

// handleParcelSuggestions lists the parcels an approximate part's square covers. It is
// public, like the part's outline and the parcels it is computed from; only editors can
// act on it, through the audited link route.
func (s *Server) handleParcelSuggestions(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sg, err := s.store.SuggestParcels(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	j := parcelSuggestionsJSON{PartID: sg.PartID, SiteID: sg.SiteID, Quality: sg.Quality,
		MinShare: site.SuggestionShare, Suggestions: make([]parcelSuggestionJSON, len(sg.Parcels)),
		LinkEndpoint: "/api/parts/" + sg.PartID + "/parcels"}
	for i, p := range sg.Parcels {
		j.Suggestions[i] = parcelSuggestionJSON{ID: string(p.ParcelID), Label: p.ParcelID.Section() + " " + p.ParcelID.Number(),
			AreaM2: p.AreaM2, Contenance: p.Contenance, Share: p.Share, LinkedPart: p.LinkedPart}
	}
	switch {
	case sg.Quality != site.QualityApproximate:
		j.Note = "Seul un contour approximatif reçoit des suggestions de parcelles."
	case len(sg.Parcels) == 0:
		j.Note = "Aucune parcelle n’est couverte à " + strconv.Itoa(int(100*site.SuggestionShare)) + " % par le contour approximatif (cadastre importé ?)."
	default:
		j.Note = "Parcelles couvertes à au moins " + strconv.Itoa(int(100*site.SuggestionShare)) + " % par le contour approximatif : à confirmer avant rattachement."
	}
	s.writeJSON(w, r, http.StatusOK, j)
}

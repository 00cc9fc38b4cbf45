package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// statusRequest is the body of POST /api/parts/{id}/status.
type statusRequest struct {
	Status     optional[string] `json:"status"`
	Date       optional[string] `json:"date"`
	Reason     optional[string] `json:"reason"`
	Correction optional[bool]   `json:"correction"`
}

func (req *statusRequest) validate(today time.Time) (store.StatusChange, error) {
	var sc store.StatusChange
	st, err := req.Status.required("status")
	if err != nil {
		return sc, err
	}
	if sc.Status, err = site.ParseStatus(st); err != nil {
		return sc, err
	}
	d, err := req.Date.required("date")
	if err != nil {
		return sc, err
	}
	if sc.Since, err = dateField("date", d); err != nil {
		return sc, err
	}
	if err := notFuture("date", sc.Since, today); err != nil {
		return sc, err
	}
	if sc.Reason, err = reasonText(req.Reason); err != nil {
		return sc, err
	}
	if sc.Reason == "" {
		return sc, site.Invalid("reason", "is required: say why the status changes")
	}
	if c, err := req.Correction.value("correction"); err != nil {
		return sc, err
	} else if c != nil {
		sc.Correction = *c
	}
	return sc, nil
}

func (s *Server) handleChangeStatus(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editPart, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req statusRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		sc, err := req.validate(s.today())
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.ChangeStatus(r.Context(), p.user, id, v, sc)
	})
}

// geometryRequest is the body of PUT /api/parts/{id}/geometry.
type geometryRequest struct {
	Geometry optional[jsontext.Value] `json:"geometry"`
	CRS      optional[string]         `json:"crs"`
	Quality  optional[string]         `json:"quality"`
	Source   optional[string]         `json:"source"`
	Reason   optional[string]         `json:"reason"`
}

// geometryCRS reads the crs of a geometry: CRS84, GeoJSON's own longitude first, when
// absent; any name site.ParseCRS reads otherwise, with its axis order (EPSG:4326 is
// latitude first).
func geometryCRS(o optional[string]) (site.CRS, error) {
	c, err := o.value("crs")
	if err != nil {
		return site.CRS{}, err
	}
	if c == nil {
		return site.CRS84, nil
	}
	return site.ParseCRS(*c)
}

// geometryOutline decodes and checks a GeoJSON geometry in its CRS; the store encodes it
// for PostGIS.
func geometryOutline(g optional[jsontext.Value], crs optional[string]) (site.Outline, error) {
	raw, err := g.required("geometry")
	if err != nil {
		return site.Outline{}, err
	}
	c, err := geometryCRS(crs)
	if err != nil {
		return site.Outline{}, err
	}
	return site.DecodeGeometry([]byte(raw), c)
}

func (req *geometryRequest) validate() (store.GeometryChange, error) {
	var g store.GeometryChange
	var err error
	if g.Outline, err = geometryOutline(req.Geometry, req.CRS); err != nil {
		return g, err
	}
	if g.Quality, err = requiredParsed(req.Quality, "quality", site.ParseGeometryQuality); err != nil {
		return g, err
	}
	if g.Quality == site.QualityUnlocated {
		return g, site.Invalid("quality", "a part with an outline is surveyed, cadastre or approximate")
	}
	if g.Source, err = requiredText(req.Source, "source", 2000); err != nil {
		return g, err
	}
	g.Reason, err = reasonText(req.Reason)
	return g, err
}

func (s *Server) handleSetGeometry(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editPart, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req geometryRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		g, err := req.validate()
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.SetGeometry(r.Context(), p.user, id, v, g)
	})
}

// splitRequest is the body of POST /api/parts/{id}/split: the piece to cut out of the
// part, which becomes a new part.
type splitRequest struct {
	Geometry optional[jsontext.Value] `json:"geometry"`
	CRS      optional[string]         `json:"crs"`
	Label    optional[string]         `json:"label"`
	ID       optional[string]         `json:"id"`
	Reason   optional[string]         `json:"reason"`
}

func (req *splitRequest) validate() (store.Split, error) {
	var sp store.Split
	var err error
	if sp.Piece, err = geometryOutline(req.Geometry, req.CRS); err != nil {
		return sp, err
	}
	if sp.Label, err = requiredText(req.Label, "label", maxShortText); err != nil {
		return sp, err
	}
	if id, err := req.ID.value("id"); err != nil {
		return sp, err
	} else if id != nil {
		if err := site.ValidateSlug("id", *id); err != nil {
			return sp, err
		}
		sp.NewID = *id
	}
	sp.Reason, err = reasonText(req.Reason)
	return sp, err
}

func (s *Server) handleSplitPart(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, splitPart, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req splitRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		sp, err := req.validate()
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.SplitPart(r.Context(), p.user, id, v, sp)
	})
}

// parcelsRequest is the body of POST /api/parts/{id}/parcels.
type parcelsRequest struct {
	IDs    optional[[]string] `json:"ids"`
	Reason optional[string]   `json:"reason"`
}

// maxParcelsPerLink bounds one request; a site has tens of parcels.
const maxParcelsPerLink = 500

// validate reads the ids; the rules of linking (parcels in Ivry, one part per parcel) are
// store.LinkParcels', shared with the command line.
func (req *parcelsRequest) validate() ([]site.ParcelID, string, error) {
	raw, err := req.IDs.required("ids")
	if err != nil {
		return nil, "", err
	}
	if len(raw) == 0 || len(raw) > maxParcelsPerLink {
		return nil, "", site.Invalid("ids", "give 1 to %d parcel ids, got %d", maxParcelsPerLink, len(raw))
	}
	ids := make([]site.ParcelID, 0, len(raw))
	for i, s := range raw {
		id, err := site.ParseParcelID(s)
		if err != nil {
			return nil, "", site.Invalid("ids", "item %d: %s", i+1, err.(*site.InvalidError).Reason)
		}
		ids = append(ids, id)
	}
	reason, err := reasonText(req.Reason)
	return ids, reason, err
}

func (s *Server) handleLinkParcels(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editPart, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req parcelsRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		ids, reason, err := req.validate()
		if err != nil {
			return store.Edit{}, err
		}
		l, err := s.store.LinkParcels(r.Context(), p.user.Actor(), id, v, store.ParcelLink{IDs: ids, Reason: reason})
		return l.Edit, err
	})
}

func (s *Server) handleUnlinkParcel(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editPart, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		parcel, err := site.ParseParcelID(chi.URLParam(r, "parcel"))
		if err != nil {
			return store.Edit{}, fmt.Errorf("no such parcel: %w", site.ErrNotFound)
		}
		reason, err := optionalReason(r)
		if err != nil {
			return store.Edit{}, err
		}
		l, err := s.store.LinkParcels(r.Context(), p.user.Actor(), id, v,
			store.ParcelLink{IDs: []site.ParcelID{parcel}, Unlink: true, Reason: reason})
		return l.Edit, err
	})
}

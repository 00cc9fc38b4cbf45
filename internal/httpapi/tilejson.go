package httpapi

import (
	"net/http"
	"strconv"

	"github.com/emprises/emprises/internal/store"
)

// TileJSON 3.0.0 documents (/tiles/parcels.json, /tiles/sites.json): how QGIS, MapLibre
// or GDAL find the vector tiles of tiles.go, their zoom range, where they lie and what
// their features hold. The collections and the landing page link to them.

// relTiles is the relation of the links to the TileJSON documents. (OGC API – Tiles'
// …/ogc/1.0/tilesets-vector would announce a list of OGC tile sets, which a TileJSON
// document is not.)
const relTiles = "tiles"

// tileDataMaxZoom is the deepest zoom a TileJSON document announces: z16 tiles already
// place a vertex within 15 cm (a 4096-unit grid over 600 m), finer than the cadastre, so
// clients draw them larger beyond it rather than fetch four times as many tiles per zoom
// level, as the map page does.
const tileDataMaxZoom = 16

// tileSet is a vector tile layer served by tiles.go, as TileJSON describes it.
type tileSet struct {
	name        string // of the routes: /tiles/{name}/{z}/{x}/{y}.mvt and /tiles/{name}.json
	title       string
	description string
	attribution string
	minZoom     int
	// fields are the properties of the layer's features, name → type as tippecanoe
	// writes them ("String", "Number"), which GDAL's MVT driver reads.
	fields map[string]string
}

// tileSets are the tile sets, by the collection whose features they draw.
var tileSets = map[string]tileSet{
	store.CollectionParcels: {
		name:  "parcels",
		title: "Parcelles cadastrales",
		description: "Cadastral parcels of Ivry-sur-Seine from zoom " + strconv.Itoa(MinParcelZoom) +
			" (below it a tile would hold thousands of parcels too small to see): id (14 characters), " +
			"contenance (m²), part_id (absent when the parcel serves no site part).",
		attribution: "Parcelles : DGFiP (cadastre Etalab, Licence Ouverte 2.0)",
		minZoom:     MinParcelZoom,
		fields:      map[string]string{"id": "String", "contenance": "Number", "part_id": "String"},
	},
	store.CollectionSites: {
		name:  "sites",
		title: "Emprises de la Ville de Paris à Ivry-sur-Seine",
		description: "Site parts with their status today: part_id, site_id, name (the site's), label " +
			"(the part's), status, quality (of the outline).",
		attribution: "Emprises : Ville de Paris",
		minZoom:     0,
		fields: map[string]string{"part_id": "String", "site_id": "String", "name": "String", "label": "String",
			"status": "String", "quality": "String"},
	},
}

// tileJSON is a TileJSON 3.0.0 document.
type tileJSON struct {
	TileJSON     string          `json:"tilejson"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Attribution  string          `json:"attribution"`
	Scheme       string          `json:"scheme"`
	Tiles        []string        `json:"tiles"`
	MinZoom      int             `json:"minzoom"`
	MaxZoom      int             `json:"maxzoom"`
	Bounds       [4]float64      `json:"bounds"`
	VectorLayers []tileJSONLayer `json:"vector_layers"`
}

type tileJSONLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// handleTileJSON answers /tiles/{name}.json for the tile set of collection: the tiles'
// URL template on this service, their zoom range, and the bounds of the collection's
// features (the store's cached extents), or the whole Web Mercator world while it has none.
func (s *Server) handleTileJSON(collection string) http.HandlerFunc {
	set := tileSets[collection]
	return func(w http.ResponseWriter, r *http.Request) {
		if err := ogcCheckJSONParams(r.URL.Query()); err != nil {
			s.writeError(w, r, err)
			return
		}
		extents, err := s.store.CollectionExtents(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		bounds := [4]float64{-180, -85.051129, 180, 85.051129} // TileJSON's default
		if b := extents[collection].BBox; b != nil {
			bounds = ogcRoundBBox(*b)
		}
		ogcWriteJSON(w, r, mediaJSON, tileJSON{
			TileJSON: "3.0.0", Name: set.title, Description: set.description, Attribution: set.attribution,
			Scheme: "xyz", Tiles: []string{s.ogcBase(r) + "/tiles/" + set.name + "/{z}/{x}/{y}.mvt"},
			MinZoom: set.minZoom, MaxZoom: tileDataMaxZoom, Bounds: bounds,
			VectorLayers: []tileJSONLayer{{ID: set.name, Description: set.description,
				MinZoom: set.minZoom, MaxZoom: tileDataMaxZoom, Fields: set.fields}},
		})
	}
}

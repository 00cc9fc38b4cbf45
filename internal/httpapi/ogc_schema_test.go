package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/store"
)

// schemaDoc is the part of a JSON Schema document the tests read.
type schemaDoc struct {
	Schema               string                `json:"$schema"`
	ID                   string                `json:"$id"`
	Type                 string                `json:"type"`
	Title                string                `json:"title"`
	Format               string                `json:"format"`
	Role                 string                `json:"x-ogc-role"`
	Seq                  int                   `json:"x-ogc-propertySeq"`
	Enum                 []string              `json:"enum"`
	OneOf                []jsonConst           `json:"oneOf"`
	Properties           map[string]*schemaDoc `json:"properties"`
	AdditionalProperties *bool                 `json:"additionalProperties"`
}

// schemaAs fetches a schema document as role (anonymous: "").
func schemaAs(t *testing.T, e *editEnv, role auth.Role, path string) schemaDoc {
	t.Helper()
	var resp *http.Response
	var body []byte
	if role == auth.Anonymous {
		resp, body = e.call(t, "GET", path, nil)
	} else {
		resp, body = e.as(t, role, "GET", path, "")
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != mediaSchema {
		t.Fatalf("GET %s as %q: %d %s; want 200 %s\n%s", path, role, resp.StatusCode, resp.Header.Get("Content-Type"), mediaSchema, body)
	}
	var doc schemaDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return doc
}

// TestSchemaTexts: every property of every collection has a French title, and every code
// of an enumerated property its French label, so that a new property cannot reach the
// schemas untitled.
func TestSchemaTexts(t *testing.T) {
	for _, info := range store.Collections() {
		t.Run(info.ID, func(t *testing.T) {
			for _, name := range append([]string{"id", "geometry"}, propertyNames(info)...) {
				if ogcPropertyText[info.ID][name].title == "" {
					t.Errorf("property %s of %s has no French title in ogcPropertyText", name, info.ID)
				}
			}
			for _, p := range info.Properties {
				for _, code := range p.Enum {
					if ogcEnumLabel(info.ID, p.Name, code) == "" {
						t.Errorf("code %q of %s.%s has no French label", code, info.ID, p.Name)
					}
				}
			}
		})
	}
}

func propertyNames(info store.CollectionInfo) []string {
	var names []string
	for _, p := range info.Properties {
		names = append(names, p.Name)
	}
	return names
}

// TestOGCSchemas checks the Part 5 schema, the GeoJSON schema and the queryables of every
// collection, as an anonymous reader and as a viewer: the documents Part 5 asks for, the
// links of the collections to them, and the confidential amount_eur described only to
// whom may read it.
func TestOGCSchemas(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	var conf struct {
		ConformsTo []string `json:"conformsTo"`
	}
	_, body := e.call(t, "GET", "/conformance", nil)
	json.Unmarshal(body, &conf)
	for _, class := range []string{"schemas", "core-roles-features", "returnables-and-receivables", "queryables"} {
		if uri := "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/" + class; !slices.Contains(conf.ConformsTo, uri) {
			t.Errorf("conformsTo lacks %s", uri)
		}
	}

	for _, info := range store.Collections() {
		for _, role := range []auth.Role{auth.Anonymous, auth.Viewer} {
			name := string(role)
			if role == auth.Anonymous {
				name = "anonymous"
			}
			t.Run(info.ID+"/"+name, func(t *testing.T) {
				href := e.srv.URL + "/collections/" + info.ID
				var coll ogcCollection
				resp, body := e.call(t, "GET", "/collections/"+info.ID, nil)
				if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &coll) != nil {
					t.Fatalf("GET /collections/%s: %d %s", info.ID, resp.StatusCode, body)
				}
				for rel, path := range map[string]string{relSchema: "/schema", "describedby": "/schema/geojson",
					"describedBy": "/schema/geojson", relQueryables: "/queryables"} {
					l, ok := ogcFindLink(coll.Links, rel)
					if !ok || l.Href != href+path || l.Type != mediaSchema {
						t.Errorf("collection %s: link %s = %+v; want %s%s as %s", info.ID, rel, l, href, path, mediaSchema)
					}
				}

				// Part 5: $schema, a dereferenceable $id, one id, one primary geometry, a type,
				// a title and a rank for every property, labelled codes.
				s := schemaAs(t, e, role, "/collections/"+info.ID+"/schema")
				if s.Schema != jsonSchemaDialect || s.ID != href+"/schema" || s.Type != "object" || s.Title == "" {
					t.Errorf("schema of %s: $schema %q, $id %q, type %q, title %q", info.ID, s.Schema, s.ID, s.Type, s.Title)
				}
				roles := map[string][]string{}
				seqs := map[int]bool{}
				for name, p := range s.Properties {
					roles[p.Role] = append(roles[p.Role], name)
					if p.Title == "" || p.Seq == 0 || seqs[p.Seq] {
						t.Errorf("schema of %s: property %s has title %q, x-ogc-propertySeq %d (unique?)", info.ID, name, p.Title, p.Seq)
					}
					seqs[p.Seq] = true
					switch {
					case p.Role == "primary-geometry":
						if p.Type != "" || p.Format != ogcGeometryFormat {
							t.Errorf("schema of %s: geometry %+v; want no type, format %s", info.ID, p, ogcGeometryFormat)
						}
					case p.Type == "":
						t.Errorf("schema of %s: property %s has no type", info.ID, name)
					}
					if len(p.OneOf) != len(p.Enum) {
						t.Errorf("schema of %s: %s has %d codes, %d labelled", info.ID, name, len(p.Enum), len(p.OneOf))
					}
					for _, c := range p.OneOf {
						if c.Title == "" || !slices.Contains(p.Enum, c.Const) {
							t.Errorf("schema of %s: %s code %+v", info.ID, name, c)
						}
					}
				}
				wantIDType := "string"
				if info.ID == store.CollectionEvents {
					wantIDType = "integer"
				}
				if ids := roles["id"]; len(ids) != 1 || s.Properties[ids[0]].Type != wantIDType {
					t.Errorf("schema of %s: id properties %v; want one of type %s", info.ID, ids, wantIDType)
				}
				if g := roles["primary-geometry"]; len(g) != 1 {
					t.Errorf("schema of %s: primary geometries %v; want one", info.ID, g)
				}
				for _, name := range propertyNames(info) {
					if _, ok := s.Properties[name]; ok != role.MaySee(name) {
						t.Errorf("schema of %s as %q: has %s = %v; want %v", info.ID, role, name, ok, role.MaySee(name))
					}
				}
				if info.ID == store.CollectionEvents {
					for name, want := range map[string]string{"date_start": "primary-interval-start", "date_end": "primary-interval-end"} {
						if p := s.Properties[name]; p == nil || p.Role != want || p.Type != "string" || p.Format != "date" {
							t.Errorf("schema of events: %s = %+v; want a date with role %s", name, p, want)
						}
					}
					for _, c := range s.Properties["kind"].OneOf {
						if c.Const == "committee_review" && c.Title != "Revue en comité" {
							t.Errorf("events kind committee_review titled %q", c.Title)
						}
					}
				}
				if info.ID == store.CollectionSites {
					for _, c := range s.Properties["status"].OneOf {
						if c.Const == "ceded" && c.Title != "Cédé" {
							t.Errorf("sites status ceded titled %q", c.Title)
						}
					}
				}

				// The GeoJSON schema: a Feature whose properties are the features' ones, in
				// the order the items write them.
				g := schemaAs(t, e, role, "/collections/"+info.ID+"/schema/geojson")
				props := g.Properties["properties"]
				if g.ID != href+"/schema/geojson" || g.Type != "object" || props == nil || props.Type != "object" {
					t.Fatalf("GeoJSON schema of %s: %+v", info.ID, g)
				}
				for _, p := range info.Properties {
					got, ok := props.Properties[p.Name]
					if ok != role.MaySee(p.Name) || ok && got.Type == "" {
						t.Errorf("GeoJSON schema of %s as %q: property %s = %+v", info.ID, role, p.Name, got)
					}
				}
				// GDAL keeps the order of the schema as the order of its fields.
				_, body = e.call(t, "GET", "/collections/"+info.ID+"/schema/geojson", nil)
				last := -1
				for _, name := range propertyNames(info) {
					i := strings.Index(string(body), `"`+name+`":{`)
					if i >= 0 && i < last {
						t.Errorf("GeoJSON schema of %s: property %s out of order:\n%s", info.ID, name, body)
					}
					last = max(last, i)
				}

				// The queryables: exactly the names the items take as filters for role, and
				// the names a CQL2 filter gives the geometry and the period.
				q := schemaAs(t, e, role, "/collections/"+info.ID+"/queryables")
				var names []string
				for name := range q.Properties {
					names = append(names, name)
				}
				want := append(info.Queryables(role), "geometry")
				if info.Temporal {
					want = append(want, "datetime")
				}
				slices.Sort(names)
				slices.Sort(want)
				if !slices.Equal(names, want) || q.AdditionalProperties == nil || *q.AdditionalProperties || q.ID != href+"/queryables" {
					t.Errorf("queryables of %s as %q: %v, additionalProperties %v; want %v, false", info.ID, role, names, q.AdditionalProperties, want)
				}
			})
		}
	}

	for _, path := range []string{"/collections/nope/schema", "/collections/nope/queryables", "/collections/nope/schema/geojson"} {
		resp, body := e.call(t, "GET", path, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d %s; want 404", path, resp.StatusCode, body)
		}
	}
	for _, path := range []string{"/collections/sites/schema?limit=3", "/collections/events/queryables?f=xml"} {
		resp, body := e.call(t, "GET", path, nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d %s; want 400", path, resp.StatusCode, body)
		}
	}
}

// TestTileJSON checks the TileJSON documents: linked from their collection and the
// landing page, an absolute tile URL template on the service, the zoom range the tiles
// honour, the bounds of the collection, and the fields the tiles really carry.
func TestTileJSON(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	importSynthetic(t, st, 500)
	var landing struct {
		Links []ogcLink `json:"links"`
	}
	ogcGet(t, srv, "/?f=json", http.StatusOK, mediaJSON, &landing)
	for collection, set := range map[string]struct {
		name    string
		minZoom int
		query   string
	}{
		store.CollectionParcels: {"parcels", MinParcelZoom,
			`SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS c FROM parcels ORDER BY id LIMIT 1) p`},
		store.CollectionSites: {"sites", 0,
			`SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS c FROM site_parts WHERE geom IS NOT NULL ORDER BY id LIMIT 1) p`},
	} {
		t.Run(set.name, func(t *testing.T) {
			path := "/tiles/" + set.name + ".json"
			var coll ogcCollection
			ogcGet(t, srv, "/collections/"+collection, http.StatusOK, mediaJSON, &coll)
			for _, links := range [][]ogcLink{coll.Links, landing.Links} {
				found := false
				for _, l := range links {
					found = found || l.Rel == relTiles && l.Href == srv.URL+path && l.Type == mediaJSON
				}
				if !found {
					t.Errorf("no link rel %s to %s in %+v", relTiles, path, links)
				}
			}
			var doc tileJSON
			ogcGet(t, srv, path, http.StatusOK, mediaJSON, &doc)
			if doc.TileJSON != "3.0.0" || len(doc.Tiles) != 1 || doc.Tiles[0] != srv.URL+"/tiles/"+set.name+"/{z}/{x}/{y}.mvt" ||
				doc.MinZoom != set.minZoom || doc.MaxZoom != tileDataMaxZoom || doc.Attribution == "" || doc.Scheme != "xyz" {
				t.Errorf("GET %s = %+v", path, doc)
			}
			if b := coll.Extent.Spatial.BBox[0]; doc.Bounds != b {
				t.Errorf("GET %s: bounds %v; want the collection's extent %v", path, doc.Bounds, b)
			}
			if len(doc.VectorLayers) != 1 || doc.VectorLayers[0].ID != set.name {
				t.Fatalf("GET %s: vector_layers %+v", path, doc.VectorLayers)
			}

			// A tile at the announced minimum zoom holds features, whose properties are
			// the announced fields, with the announced types.
			tile := tileOf(t, st, maptile.Zoom(set.minZoom), set.query)
			if set.minZoom == 0 {
				tile = tileOf(t, st, 14, set.query)
			}
			tilePath := strings.TrimPrefix(strings.NewReplacer("{z}", strconv.Itoa(int(tile.Z)), "{x}", strconv.Itoa(int(tile.X)),
				"{y}", strconv.Itoa(int(tile.Y))).Replace(doc.Tiles[0]), srv.URL)
			resp, body := get(t, srv, tilePath)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d; want a tile", tilePath, resp.StatusCode)
			}
			seen := map[string]bool{}
			layers := decodeTile(t, tilePath, body)
			for _, f := range mvtLayer(layers, set.name).Features {
				for k, v := range f.Properties {
					seen[k] = true
					typ, ok := doc.VectorLayers[0].Fields[k]
					_, isNumber := v.(float64)
					if !ok || (typ == "Number") != isNumber {
						t.Errorf("tile property %s = %v (%T); announced as %q", k, v, v, typ)
					}
				}
			}
			for k := range doc.VectorLayers[0].Fields {
				if !seen[k] && k != "part_id" { // parcels serve no part before a link
					t.Errorf("announced field %s is in no feature of %s", k, tilePath)
				}
			}
		})
	}
	resp, body := get(t, srv, "/tiles/parcels.json?limit=1")
	ogcWantProblem(t, resp, body, http.StatusBadRequest, "limit")
}

func mvtLayer(layers mvt.Layers, name string) *mvt.Layer {
	for _, l := range layers {
		if l.Name == name {
			return l
		}
	}
	return &mvt.Layer{}
}

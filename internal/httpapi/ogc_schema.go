package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// OGC API – Features Part 5 (Schemas) and the queryables of Part 3: what the features of a
// collection hold, as JSON Schema 2020-12, built from the property table of the store
// (store.CollectionInfo.Properties) and the French texts below. Every document follows the
// caller's role: a property the caller may not see (auth.Role.MaySee) is not described.
//
// Three documents per collection, because clients read different ones:
//   - /collections/{id}/schema, Part 5's logical schema (rel …/ogc/1.0/schema): one flat
//     list of properties with x-ogc-role (id, primary-geometry, the events' period).
//     QGIS reads it when the server declares Part 5.
//   - /collections/{id}/schema/geojson, the schema of the GeoJSON features the items
//     answer (rel describedby): GDAL's OAPIF driver reads this one, and only this shape
//     (an object whose "properties" member lists the fields), to type numbers as Real and
//     days as Date instead of guessing from a first page where area_m2 is often null.
//   - /collections/{id}/queryables, the properties a filter may name.

// mediaSchema is the media type of JSON Schema documents.
const mediaSchema = "application/schema+json"

// Link relations of Part 5 and Part 3.
const (
	relSchema     = "http://www.opengis.net/def/rel/ogc/1.0/schema"
	relQueryables = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
)

// jsonSchemaDialect is the JSON Schema version every schema declares, as Part 5 requires.
const jsonSchemaDialect = "https://json-schema.org/draft/2020-12/schema"

// ogcGeometryFormat is the Part 5 format of every collection's geometry: site parts,
// parcels and boundaries are stored as MultiPolygons, and events are drawn on the union of
// their parts, made multi (ST_Multi). An unlocated feature has a null geometry.
const ogcGeometryFormat = "geometry-multipolygon"

// propertyText is the French title and description of a property.
type propertyText struct{ title, description string }

// ogcPropertyText titles and describes every property of every collection, keyed by
// collection then property; TestSchemaTexts checks that none is missing.
var ogcPropertyText = map[string]map[string]propertyText{
	store.CollectionSites: {
		"id":               {"Identifiant de l'emprise", "Identifiant stable de la partie d'emprise (feature id)."},
		"site_id":          {"Identifiant du site", "Identifiant stable du site dont la partie fait partie."},
		"name":             {"Nom du site", ""},
		"part_label":       {"Partie", "Nom de la partie, vide quand le site n'en a qu'une."},
		"address":          {"Adresse", ""},
		"department":       {"Service affectataire", "Service ou organisme qui occupe ou gère le site."},
		"current_use":      {"Usage actuel", ""},
		"occupant":         {"Occupant", ""},
		"owner":            {"Propriétaire", ""},
		"status":           {"Statut", "Statut de la partie au jour demandé (paramètre datetime ; par défaut aujourd'hui)."},
		"status_since":     {"Statut depuis", "Date d'entrée dans ce statut, à sa précision (jour, mois, trimestre ou année)."},
		"modality":         {"Modalité de cession", ""},
		"modality_done":    {"Modalité réalisée", "Vrai quand la modalité de cession est menée à son terme."},
		"counterparty":     {"Contrepartie", "Aménageur, acquéreur ou preneur."},
		"area_m2":          {"Surface (m²)", "Surface calculée de la géométrie de la partie, en mètres carrés."},
		"declared_area_m2": {"Surface déclarée (m²)", "Surface déclarée dans les actes ou inventaires, en mètres carrés."},
		"geometry_quality": {"Qualité de la géométrie", "Degré de confiance dans le contour de la partie."},
		"geometry_source":  {"Source de la géométrie", ""},
		"planned_release":  {"Libération prévue", "Dernière date prévue de libération, à sa précision."},
		"actual_release":   {"Libération effective", "Date effective de libération, à sa précision."},
		"planned_disposal": {"Cession prévue", "Dernière date prévue de cession, à sa précision."},
		"actual_disposal":  {"Cession effective", "Date effective de cession, à sa précision."},
		"geometry":         {"Emprise", "Contour de la partie ; nul quand elle n'est pas localisée."},
	},
	store.CollectionParcels: {
		"id":               {"Identifiant de la parcelle", "Identifiant cadastral à 14 caractères (INSEE, préfixe, section, numéro)."},
		"section":          {"Section cadastrale", ""},
		"number":           {"Numéro de parcelle", ""},
		"contenance_m2":    {"Contenance (m²)", "Contenance cadastrale, en mètres carrés."},
		"part_id":          {"Partie d'emprise", "Partie d'emprise à laquelle la parcelle est rattachée."},
		"site_id":          {"Identifiant du site", "Site auquel la parcelle est rattachée."},
		"site_name":        {"Nom du site", ""},
		"source":           {"Source", "Fichier cadastral d'origine."},
		"geometry_quality": {"Qualité de la géométrie", "cadastre, ou non localisée quand la parcelle n'a pas de contour."},
		"geometry_source":  {"Source de la géométrie", ""},
		"geometry":         {"Contour cadastral", ""},
	},
	store.CollectionEvents: {
		"id":          {"Identifiant de l'événement", ""},
		"site_id":     {"Identifiant du site", ""},
		"site_name":   {"Nom du site", ""},
		"part_id":     {"Partie d'emprise", "Partie concernée ; vide quand l'événement concerne tout le site."},
		"kind":        {"Type d'événement", ""},
		"date":        {"Date", "Date à sa précision : jour (2019-01-15), mois (2019-01), trimestre (2019-Q1) ou année (2019)."},
		"date_start":  {"Début", "Premier jour de la période que désigne la date."},
		"date_end":    {"Fin", "Dernier jour de la période que désigne la date."},
		"planned":     {"Prévu", "Vrai pour un événement à venir, faux pour un événement passé."},
		"cancelled":   {"Annulé", ""},
		"title":       {"Titre", ""},
		"description": {"Description", ""},
		"source":      {"Source", "Document ou instance à l'origine de l'information."},
		"area_m2":     {"Surface (m²)", "Surface concernée par l'événement, en mètres carrés."},
		"amount_eur":  {"Montant (€)", "Montant en euros ; réservé aux utilisateurs connectés."},
		"geometry":    {"Emprise concernée", "Contour de la partie, ou de tout le site, que l'événement concerne."},
	},
	store.CollectionBoundaries: {
		"id":       {"Identifiant", ""},
		"name":     {"Nom", ""},
		"source":   {"Source", ""},
		"geometry": {"Limite communale", ""},
	},
	store.CollectionCommitments: {
		"id":            {"Identifiant de l'engagement", "Identifiant stable de l'engagement (feature id)."},
		"clause":        {"Article", "Article de la convention qui prend l'engagement (ex. II.A.2.i)."},
		"axis":          {"Axe", "Axe de la convention : A, B, C ou III (pilotage)."},
		"title":         {"Engagement", ""},
		"parties":       {"Parties", "Codes des parties responsables, séparés par des virgules (ex. paris, ivry)."},
		"due":           {"Échéance", "Échéance à sa précision : jour, mois, trimestre (2021-Q4) ou année ; vide quand le texte n'en donne pas."},
		"due_precision": {"Précision de l'échéance", ""},
		"due_start":     {"Début de l'échéance", "Premier jour de la période que désigne l'échéance."},
		"due_end":       {"Fin de l'échéance", "Dernier jour de la période que désigne l'échéance."},
		"firmness":      {"Force de l'engagement", "Comme le texte le formule : s'engage, devra, futur, objectif ou pourra."},
		"status":        {"État d'avancement", "État au jour demandé (paramètre datetime ; par défaut aujourd'hui), selon les suivis datés connus ce jour-là."},
		"late":          {"En retard", "Vrai quand l'échéance est passée au jour demandé sans que l'engagement soit réalisé, abandonné ou remplacé."},
		"progress":      {"Avancement (%)", "Avancement de 0 à 100 au jour demandé ; vide quand il n'est pas connu."},
		"geometry":      {"Emprises concernées", "Union des parties des sites que l'engagement concerne ; nulle quand il n'en concerne aucun."},
	},
}

// ogcPropertyRoles are the Part 5 roles of properties other than id and geometry: an
// event's date is a period of its precision, so its first and last days are the primary
// interval's start and end.
var ogcPropertyRoles = map[string]map[string]string{
	store.CollectionEvents:      {"date_start": "primary-interval-start", "date_end": "primary-interval-end"},
	store.CollectionCommitments: {"due_start": "primary-interval-start", "due_end": "primary-interval-end"},
}

// ogcPropertyUnits are the UCUM units of measured properties (x-ogc-unit).
var ogcPropertyUnits = map[string]string{
	"area_m2": "m2", "declared_area_m2": "m2", "contenance_m2": "m2",
}

// ogcQualityLabels and ogcEventKindLabels name the codes the domain does not name itself
// (site.Status and site.Modality have their Label).
var (
	ogcQualityLabels = map[string]string{
		string(site.QualitySurveyed):    "Emprise levée (géomètre)",
		string(site.QualityCadastre):    "Emprise cadastrale",
		string(site.QualityApproximate): "Emprise approximative",
		string(site.QualityUnlocated):   "Non localisé",
	}
	ogcEventKindLabels = map[string]string{
		string(site.EventDecision):        "Décision",
		string(site.EventStudy):           "Étude",
		string(site.EventDisposal):        "Cession",
		string(site.EventRelease):         "Libération",
		string(site.EventDelivery):        "Livraison",
		string(site.EventDeadline):        "Échéance",
		string(site.EventCommitteeReview): "Revue en comité",
		string(site.EventAgreement):       "Accord",
		string(site.EventOpening):         "Ouverture",
		string(site.EventNote):            "Note",
	}
)

// ogcPrecisionLabels name the precisions of a date, as a field's values.
var ogcPrecisionLabels = map[string]string{
	string(site.Day): "Jour", string(site.Month): "Mois", string(site.Quarter): "Trimestre", string(site.Year): "Année",
}

// ogcEnumLabel is the French label of a code of an enumerated property of collection; ""
// when unknown. A commitment's status is not a site part's.
func ogcEnumLabel(collection, property, code string) string {
	if collection == store.CollectionCommitments {
		switch property {
		case "status":
			return governance.Status(code).Label()
		case "axis":
			return governance.Axis(code).Label()
		case "firmness":
			return governance.Firmness(code).Label()
		case "due_precision":
			return ogcPrecisionLabels[code]
		}
		return ""
	}
	switch property {
	case "status":
		return site.Status(code).Label()
	case "modality":
		return site.Modality(code).Label()
	case "geometry_quality":
		return ogcQualityLabels[code]
	case "kind":
		return ogcEventKindLabels[code]
	}
	return ""
}

// jsonSchema is the part of JSON Schema 2020-12 these documents use, with Part 5's
// x-ogc- keywords.
type jsonSchema struct {
	Schema      string            `json:"$schema,omitempty"`
	ID          string            `json:"$id,omitempty"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Type        string            `json:"type,omitempty"`
	Format      string            `json:"format,omitempty"`
	Enum        []string          `json:"enum,omitempty"`
	OneOf       []jsonConst       `json:"oneOf,omitempty"`
	ReadOnly    bool              `json:"readOnly,omitempty"`
	Role        string            `json:"x-ogc-role,omitempty"`
	Seq         int               `json:"x-ogc-propertySeq,omitempty"`
	Unit        string            `json:"x-ogc-unit,omitempty"`
	Required    []string          `json:"required,omitempty"`
	Properties  *schemaProperties `json:"properties,omitempty"`
	// AdditionalProperties is false where names not listed are refused (queryables).
	AdditionalProperties *bool `json:"additionalProperties,omitempty"`
}

// jsonConst is one labelled value of an enumeration: clients show the title, send the
// const.
type jsonConst struct {
	Const string `json:"const"`
	Title string `json:"title"`
}

// schemaProperties are named schemas written in their order, which GDAL keeps as the
// order of its fields (a Go map would sort them).
type schemaProperties []namedSchema

type namedSchema struct {
	name   string
	schema *jsonSchema
}

// MarshalJSON writes the properties as one object, in order.
func (ps schemaProperties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(p.name)
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		v, err := json.Marshal(p.schema)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ogcPropertySchema describes one property of a collection: its JSON type, format
// (date for days), French title and description, unit, and for codes their values with
// their French labels.
func ogcPropertySchema(collection string, p store.PropertyInfo) *jsonSchema {
	text := ogcPropertyText[collection][p.Name]
	s := &jsonSchema{Title: text.title, Description: text.description, Unit: ogcPropertyUnits[p.Name]}
	switch p.Kind {
	case store.KindDate:
		s.Type, s.Format = "string", "date"
	case store.KindNumber, store.KindInteger, store.KindBoolean, store.KindString:
		s.Type = string(p.Kind)
	default:
		s.Type = "string"
	}
	if p.Enum != nil {
		s.Enum = p.Enum
		for _, code := range p.Enum {
			s.OneOf = append(s.OneOf, jsonConst{Const: code, Title: ogcEnumLabel(collection, p.Name, code)})
		}
	}
	return s
}

// ogcLogicalSchema is Part 5's schema of a collection's features for reader: the id, the
// geometry and every property reader may see, numbered in the order the features write them.
func ogcLogicalSchema(base string, info store.CollectionInfo, reader auth.Role) jsonSchema {
	texts := ogcPropertyText[info.ID]
	collText := ogcCollectionText[info.ID]
	props := schemaProperties{
		{"id", &jsonSchema{Title: texts["id"].title, Description: texts["id"].description,
			Type: string(info.IDKind()), ReadOnly: true, Role: "id"}},
		{"geometry", &jsonSchema{Title: texts["geometry"].title, Description: texts["geometry"].description,
			Format: ogcGeometryFormat, Role: "primary-geometry"}},
	}
	for _, p := range info.Properties {
		if !reader.MaySee(p.Name) {
			continue
		}
		s := ogcPropertySchema(info.ID, p)
		s.Role = ogcPropertyRoles[info.ID][p.Name]
		props = append(props, namedSchema{p.Name, s})
	}
	for i := range props {
		props[i].schema.Seq = i + 1
	}
	return jsonSchema{
		Schema: jsonSchemaDialect, ID: base + "/collections/" + info.ID + "/schema",
		Title: collText[0], Description: collText[1], Type: "object", Properties: &props,
	}
}

// ogcGeoJSONSchema is the schema of a collection's features as the items answer them in
// GeoJSON: a Feature with its id, geometry and the properties reader may see. Property
// types are single JSON types (not ["number", "null"]), the only form GDAL reads; a null
// value stands for an unknown one, as everywhere in the service.
func ogcGeoJSONSchema(base string, info store.CollectionInfo, reader auth.Role) jsonSchema {
	var fields schemaProperties
	for _, p := range info.Properties {
		if reader.MaySee(p.Name) {
			fields = append(fields, namedSchema{p.Name, ogcPropertySchema(info.ID, p)})
		}
	}
	collText := ogcCollectionText[info.ID]
	top := schemaProperties{
		{"type", &jsonSchema{Type: "string", Enum: []string{"Feature"}}},
		{"id", &jsonSchema{Type: string(info.IDKind())}},
		{"geometry", &jsonSchema{Description: "A GeoJSON MultiPolygon, or null for an unlocated feature."}},
		{"properties", &jsonSchema{Type: "object", Properties: &fields}},
	}
	return jsonSchema{
		Schema: jsonSchemaDialect, ID: base + "/collections/" + info.ID + "/schema/geojson",
		Title: collText[0] + " (GeoJSON)", Description: collText[1], Type: "object",
		Required: []string{"type", "geometry", "properties"}, Properties: &top,
	}
}

// ogcQueryablesSchema lists the properties reader may filter on, each a query parameter
// of the items; any other name is refused, hence additionalProperties false.
func ogcQueryablesSchema(base string, info store.CollectionInfo, reader auth.Role) jsonSchema {
	queryable := map[string]bool{}
	for _, name := range info.Queryables(reader) {
		queryable[name] = true
	}
	var props schemaProperties
	for _, p := range info.Properties {
		if queryable[p.Name] {
			props = append(props, namedSchema{p.Name, ogcPropertySchema(info.ID, p)})
		}
	}
	// The names a CQL2 filter gives the geometry (S_INTERSECTS) and, where features have
	// time, their period (T_INTERSECTS).
	props = append(props, namedSchema{"geometry", &jsonSchema{Title: "Géométrie", Format: ogcGeometryFormat,
		Role: "primary-geometry"}})
	if info.Temporal {
		props = append(props, namedSchema{"datetime", &jsonSchema{Title: "Période",
			Description: "Pour les parties de sites : les périodes où elles ont eu un statut ; pour les événements : la période de leur date ; pour les engagements : la période de leur échéance.",
			Type:        "string", Format: "date"}})
	}
	no := false
	return jsonSchema{
		Schema: jsonSchemaDialect, ID: base + "/collections/" + info.ID + "/queryables",
		Title: ogcCollectionText[info.ID][0], Type: "object", Properties: &props, AdditionalProperties: &no,
	}
}

// ogcSchemaHandler serves one of the schema documents of a collection, for the caller.
func (s *Server) ogcSchemaHandler(build func(base string, info store.CollectionInfo, reader auth.Role) jsonSchema) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		info, ok := store.FindCollection(chi.URLParam(r, "collectionId"))
		if !ok {
			ogcNoCollection(w, r)
			return
		}
		if err := ogcCheckJSONParams(r.URL.Query()); err != nil {
			s.writeError(w, r, err)
			return
		}
		ogcWriteJSON(w, r, mediaSchema, build(s.ogcBase(r), info, s.readerRole(r)))
	}
}

// handleOGCSchema answers /collections/{collectionId}/schema (Part 5).
func (s *Server) handleOGCSchema() http.HandlerFunc { return s.ogcSchemaHandler(ogcLogicalSchema) }

// handleOGCGeoJSONSchema answers /collections/{collectionId}/schema/geojson (describedby).
func (s *Server) handleOGCGeoJSONSchema() http.HandlerFunc {
	return s.ogcSchemaHandler(ogcGeoJSONSchema)
}

// handleOGCQueryables answers /collections/{collectionId}/queryables.
func (s *Server) handleOGCQueryables() http.HandlerFunc {
	return s.ogcSchemaHandler(ogcQueryablesSchema)
}

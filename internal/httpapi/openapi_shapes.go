package httpapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/site"
)

// The schemas of the read API's answers are written from the structs of shapes.go, so a
// field added, renamed or made nullable there is in the document the same day. The
// hand-written schema of the same name in openapi_base.json may only refine a field
// (description, format, pattern, minimum…): naming a field the struct has not is an
// error.

// shapeSchemas maps a component schema to the struct it describes.
var shapeSchemas = map[string]reflect.Type{
	"SiteDetail":        reflect.TypeFor[siteJSON](),
	"PartDetail":        reflect.TypeFor[partJSON](),
	"StatusPeriod":      reflect.TypeFor[statusPeriodJSON](),
	"ParcelRef":         reflect.TypeFor[parcelRefJSON](),
	"TimelineItem":      reflect.TypeFor[eventJSON](),
	"CalendarItem":      reflect.TypeFor[milestoneJSON](),
	"CalendarPlan":      reflect.TypeFor[planJSON](),
	"Dashboard":         reflect.TypeFor[dashboardJSON](),
	"AuditRecord":       reflect.TypeFor[changeJSON](),
	"ParcelSuggestions": reflect.TypeFor[parcelSuggestionsJSON](),
	"ParcelSuggestion":  reflect.TypeFor[parcelSuggestionJSON](),
	"Checks":            reflect.TypeFor[checksJSON](),
	"Check":             reflect.TypeFor[checkJSON](),
}

// namedSchemas are the types with a schema of their own in openapi_base.json.
var namedSchemas = map[reflect.Type]string{
	reflect.TypeFor[site.Status]():          "Status",
	reflect.TypeFor[site.Modality]():        "Modality",
	reflect.TypeFor[site.GeometryQuality](): "GeometryQuality",
	reflect.TypeFor[site.EventKind]():       "EventKind",
	reflect.TypeFor[site.MilestoneKind]():   "MilestoneKind",
	reflect.TypeFor[site.Date]():            "DateWithPrecision",
}

// setShapeSchemas writes the schema of every shape into schemas.
func setShapeSchemas(schemas map[string]any) error {
	refs := map[reflect.Type]string{}
	for t, name := range namedSchemas {
		refs[t] = name
	}
	for name, t := range shapeSchemas {
		refs[t] = name
	}
	for name, t := range shapeSchemas {
		base, _ := schemas[name].(map[string]any)
		s, err := structSchema(t, refs, base)
		if err != nil {
			return fmt.Errorf("openapi: schema %s (%s): %w", name, t, err)
		}
		schemas[name] = s
	}
	return nil
}

// structSchema is the schema of a struct as encoding/json writes it: every field, all
// required (the shapes write every field, null when a pointer is nil), refined by base.
func structSchema(t reflect.Type, refs map[reflect.Type]string, base map[string]any) (map[string]any, error) {
	props := map[string]any{}
	var required []string
	var add func(t reflect.Type) error
	add = func(t reflect.Type) error {
		for f := range t.Fields() {
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() && !f.Anonymous {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				if err := add(f.Type); err != nil { // embedded: its fields are the outer ones
					return err
				}
				continue
			}
			if name == "" {
				name = f.Name
			}
			baseProps, _ := base["properties"].(map[string]any)
			baseProp, _ := baseProps[name].(map[string]any)
			s, err := typeSchema(f.Type, refs, baseProp)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			props[name] = s
			required = append(required, name)
		}
		return nil
	}
	if err := add(t); err != nil {
		return nil, err
	}
	if baseProps, ok := base["properties"].(map[string]any); ok {
		for name := range baseProps {
			if _, ok := props[name]; !ok {
				return nil, fmt.Errorf("openapi_base.json describes field %s, which the struct has not", name)
			}
		}
	}
	s := map[string]any{"type": "object", "properties": props, "required": required}
	if d, ok := base["description"]; ok {
		s["description"] = d
	}
	return s, nil
}

// typeSchema is the schema of a value of type t, refined by base.
func typeSchema(t reflect.Type, refs map[reflect.Type]string, base map[string]any) (map[string]any, error) {
	if name, ok := refs[t]; ok {
		return map[string]any{"$ref": "#/components/schemas/" + name}, nil
	}
	var s map[string]any
	switch {
	case t == reflect.TypeFor[json.RawMessage]():
		// Raw JSON (a geometry, an entity before and after a change): only the
		// hand-written schema can say what it holds.
		if base == nil {
			return map[string]any{}, nil
		}
		return base, nil
	case t == reflect.TypeFor[time.Time]():
		s = map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		inner, err := typeSchema(t.Elem(), refs, base)
		if err != nil {
			return nil, err
		}
		if _, ref := inner["$ref"]; ref {
			// OpenAPI 3.0 ignores siblings of $ref: a nullable reference is an allOf.
			return map[string]any{"allOf": []any{inner}, "nullable": true}, nil
		}
		inner["nullable"] = true
		return inner, nil
	case t.Kind() == reflect.Slice:
		var baseItems map[string]any
		if base != nil {
			baseItems, _ = base["items"].(map[string]any)
		}
		items, err := typeSchema(t.Elem(), refs, baseItems)
		if err != nil {
			return nil, err
		}
		s = map[string]any{"type": "array", "items": items}
	case t.Kind() == reflect.Struct:
		return structSchema(t, refs, base)
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	default:
		return nil, fmt.Errorf("no schema for Go type %s", t)
	}
	// The hand-written words and constraints refine the type, never change it.
	for k, v := range base {
		switch k {
		case "type", "nullable", "items", "properties", "required", "$ref", "allOf":
		default:
			s[k] = v
		}
	}
	return s, nil
}

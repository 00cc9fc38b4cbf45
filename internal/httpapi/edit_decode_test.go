package httpapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
)

// TestDecodeJSONRefuses covers what the hand-written decoder let through (names in
// another case, case-variant duplicates, unknown members inside nested objects, escaped
// lone surrogates stored as U+FFFD) and what it already refused, each a refusal naming
// the field by its path.
func TestDecodeJSONRefuses(t *testing.T) {
	patch := func() any { return new(sitePatchRequest) }
	create := func() any { return new(createSiteRequest) }
	geometry := func() any { return new(geometryRequest) }
	tests := []struct {
		name   string
		req    func() any
		body   string
		field  string
		detail string // a part of the detail, when it matters
	}{
		{"name in capitals", patch, `{"NOTES":"x"}`, "NOTES", "case-sensitive: notes"},
		{"name in another case", patch, `{"Name":"x"}`, "Name", "case-sensitive: name"},
		{"duplicate in two cases", patch, `{"notes":"a","Notes":"b"}`, "Notes", ""},
		{"duplicate", patch, `{"notes":"a","notes":"b"}`, "notes", "twice"},
		{"duplicate in a nested object", create, `{"part":{"id":"a","id":"b"}}`, "part.id", "twice"},
		{"unknown member", patch, `{"nom":"x"}`, "nom", "accepted: address,"},
		{"unknown member in a nested object", create, `{"part":{"status":"in_use","colour":"red"}}`, "part.colour", "accepted: declared_area_m2,"},
		{"misspelt member in a nested object", create, `{"part":{"declared_area":500}}`, "part.declared_area", ""},
		{"nested name in another case", create, `{"part":{"Status":"in_use"}}`, "part.Status", "case-sensitive: status"},
		{"unknown member named by digits", patch, `{"0":1}`, "0", ""},
		{"escaped lone high surrogate", patch, `{"notes":"\ud800"}`, "notes", ""},
		{"escaped lone low surrogate", patch, `{"notes":"\udc00"}`, "notes", ""},
		{"lone surrogate inside a text", patch, `{"notes":"a\ud800b"}`, "notes", ""},
		{"surrogates in reverse order", patch, `{"notes":"\ude00\ud83d"}`, "notes", ""},
		{"high surrogate before a letter", patch, `{"notes":"\ud800\u0041"}`, "notes", ""},
		{"surrogate as raw UTF-8 bytes", patch, "{\"notes\":\"\xed\xa0\x80\"}", "notes", ""},
		{"invalid UTF-8", patch, "{\"name\":\"\xff\"}", "name", ""},
		{"lone surrogate in a list", patch, `{"sources":["a","\ud800"]}`, "sources", ""},
		{"lone surrogate in a nested object", create, `{"part":{"label":"\udfff"}}`, "part.label", ""},
		{"duplicate inside a geometry", geometry, `{"geometry":{"type":"Polygon","type":"Point"}}`, "geometry.type", "twice"},
		{"lone surrogate inside a geometry", geometry, `{"geometry":{"type":"\ud800"}}`, "geometry.type", ""},
		{"wrong type", patch, `{"name":42}`, "name", "must be a string, not a number"},
		{"wrong type in a list", patch, `{"sources":["a",1]}`, "sources", "must be a string"},
		{"wrong type in a nested object", create, `{"part":{"declared_area_m2":"1"}}`, "part.declared_area_m2", "must be a number"},
		{"object for a nested object's text", create, `{"part":{"id":{}}}`, "part.id", "not an object"},
		{"number out of range", create, `{"part":{"declared_area_m2":1e400}}`, "part.declared_area_m2", "out of range"},
		{"text for an object", create, `{"part":"p"}`, "part", "must be an object"},
		{"malformed", patch, `{"name": "x",}`, "", "malformed JSON"},
		{"truncated", patch, `{"name": "x"`, "", "ends too early"},
		{"trailing data", patch, `{"name":"x"} x`, "", "after top-level value"},
		{"array", patch, `[{"name":"x"}]`, "", "JSON object"},
		{"empty", patch, " \n", "", "empty"},
		{"too deep", patch, `{"sources":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`, "", "nested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := decodeJSON([]byte(tt.body), tt.req())
			var inv *site.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("decodeJSON(%q) = %v; want an *site.InvalidError", tt.body, err)
			}
			if inv.Field != tt.field || !strings.Contains(inv.Reason, tt.detail) {
				t.Errorf("decodeJSON(%q) = field %q, %q; want field %q saying %q", tt.body, inv.Field, inv.Reason, tt.field, tt.detail)
			}
		})
	}
}

// TestDecodeJSONOptional checks the distinction PATCH relies on: a field absent, null, or
// given, at the top and inside a nested object.
func TestDecodeJSONOptional(t *testing.T) {
	var req createSiteRequest
	body := `{"name":"Chaufferie","notes":null,"sources":["a"],"part":{"status":"in_use","declared_area_m2":null},` +
		`"reason":"\ud83d\ude00 é"}`
	if err := decodeJSON([]byte(body), &req); err != nil {
		t.Fatalf("decodeJSON(%q) = %v", body, err)
	}
	tests := []struct {
		name            string
		set, null       bool
		wantSet, isNull bool
	}{
		{"name", req.Name.set, req.Name.null, true, false},
		{"notes", req.Notes.set, req.Notes.null, true, true},
		{"address", req.Address.set, req.Address.null, false, false},
		{"sources", req.Sources.set, req.Sources.null, true, false},
		{"part", req.Part.set, req.Part.null, true, false},
		{"part.status", req.Part.v.Status.set, req.Part.v.Status.null, true, false},
		{"part.declared_area_m2", req.Part.v.DeclaredAreaM2.set, req.Part.v.DeclaredAreaM2.null, true, true},
		{"part.label", req.Part.v.Label.set, req.Part.v.Label.null, false, false},
	}
	for _, tt := range tests {
		if tt.set != tt.wantSet || tt.null != tt.isNull {
			t.Errorf("%s: set %v, null %v; want set %v, null %v", tt.name, tt.set, tt.null, tt.wantSet, tt.isNull)
		}
	}
	if req.Name.v != "Chaufferie" || req.Part.v.Status.v != "in_use" || len(req.Sources.v) != 1 {
		t.Errorf("decodeJSON(%q) = %+v; values lost", body, req)
	}
	if req.Reason.v != "😀 é" {
		t.Errorf("reason = %q; want a surrogate pair decoded as one character", req.Reason.v)
	}
}

// TestDayFieldBounds checks that every day a body may carry (decided_on) takes the
// domain's range: year 0 was stored, and served back as "0001-01-01 BC".
func TestDayFieldBounds(t *testing.T) {
	for _, in := range []string{"0000-01-01", "0001-01-01", "1799-12-31", "2201-01-01", "2024-13-01", "2024-1-1"} {
		req := planRequest{Date: optional[string]{set: true, v: "2031-Q2"}, DecidedOn: optional[string]{set: true, v: in}}
		_, err := req.validate(site.Today())
		var inv *site.InvalidError
		if !errors.As(err, &inv) || inv.Field != "decided_on" {
			t.Errorf("plan decided_on %q: %v; want an *site.InvalidError on decided_on", in, err)
		}
	}
	req := planRequest{Date: optional[string]{set: true, v: "2031-Q2"}, DecidedOn: optional[string]{set: true, v: "1800-01-01"}}
	if p, err := req.validate(site.Today()); err != nil || p.DecidedOn == nil || p.DecidedOn.Year() != 1800 {
		t.Errorf("plan decided_on 1800-01-01 = %+v, %v; want it accepted", p, err)
	}
}

// TestParsed reads optional codes the way governance requests do: absent is nil, null and
// unknown codes are refused naming the field, a known code is parsed.
func TestParsed(t *testing.T) {
	tests := []struct {
		name    string
		o       optional[string]
		want    *governance.Axis
		wantErr bool
	}{
		{"absent", optional[string]{}, nil, false},
		{"null", optional[string]{set: true, null: true}, nil, true},
		{"unknown", optional[string]{set: true, v: "D"}, nil, true},
		{"known", optional[string]{set: true, v: "A"}, ptr(governance.Axis("A")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsed(tt.o, "axis", governance.ParseAxis)
			var inv *site.InvalidError
			if tt.wantErr != (err != nil) || err != nil && (!errors.As(err, &inv) || inv.Field != "axis") {
				t.Fatalf("parsed(%+v) error = %v; want an error naming axis: %v", tt.o, err, tt.wantErr)
			}
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("parsed(%+v) = %v; want %v", tt.o, got, tt.want)
			}
		})
	}
}

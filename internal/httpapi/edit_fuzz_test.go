package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/emprises/emprises/internal/site"
)

// editBodies decodes and validates a body as each editing route does, without the
// database: what the fuzzer may throw at the service before any SQL runs.
var editBodies = []func(body []byte) error{
	func(b []byte) error {
		var r sitePatchRequest
		if err := decodeJSON(b, &r); err != nil {
			return err
		}
		_, _, err := r.fields()
		if err == nil {
			_, err = reasonText(r.Reason)
		}
		return err
	},
	func(b []byte) error {
		var r createSiteRequest
		if err := decodeJSON(b, &r); err != nil {
			return err
		}
		_, _, err := r.validate(site.Today())
		return err
	},
	func(b []byte) error {
		var r statusRequest
		if err := decodeJSON(b, &r); err != nil {
			return err
		}
		_, err := r.validate(site.Today())
		return err
	},
	func(b []byte) error {
		var r eventRequest
		if err := decodeJSON(b, &r); err != nil {
			return err
		}
		_, _, err := r.validate(true, site.Today())
		return err
	},
	func(b []byte) error {
		var r eventRequest
		if err := decodeJSON(b, &r); err != nil {
			return err
		}
		_, _, err := r.validate(false, site.Today())
		return err
	},
	func(b []byte) error {
		var r planRequest
		if err := decodeJSON(b, &r); err != nil {
			return err
		}
		_, err := r.validate(site.Today())
		return err
	},
	func(b []byte) error {
		var r geometryRequest
		if err := decodeJSON(b, &r); err != nil {
			return err
		}
		_, err := r.validate()
		return err
	},
	func(b []byte) error {
		var r splitRequest
		if err := decodeJSON(b, &r); err != nil {
			return err
		}
		_, err := r.validate()
		return err
	},
	func(b []byte) error {
		var r parcelsRequest
		if err := decodeJSON(b, &r); err != nil {
			return err
		}
		_, _, err := r.validate()
		return err
	},
	func(b []byte) error {
		var r signInRequest
		return decodeJSON(b, &r)
	},
}

// FuzzEditBodies feeds arbitrary bytes to every editing route's decoder and validation:
// none may panic, every refusal must be a *site.InvalidError (a 400 naming the field, never
// a 500), and nothing that is not valid JSON may pass.
func FuzzEditBodies(f *testing.F) {
	for _, c := range badCases(2) {
		if c.body != "" {
			f.Add(uint8(0), []byte(c.body))
		}
	}
	for i, body := range []string{
		`{"name":"Chaufferie","notes":"x\ny","sources":["a","b"],"modality":"long_lease","modality_done":true}`,
		`{"id":"nouveau","name":"n","part":{"id":"nouveau-a","label":"A","status":"in_use","status_since":"2020-Q2","declared_area_m2":12.5}}`,
		`{"status":"released","date":"2024-01-10","reason":"r","correction":false}`,
		`{"kind":"decision","date":"2019-Q1","planned":false,"title":"t","amount_eur":1e6,"area_m2":10,"part_id":"p"}`,
		`{"title":null,"amount_eur":null,"part_id":null}`,
		`{"date":"2031-Q2","reason":"r","decided_on":"2024-01-01","source":"s"}`,
		`{"geometry":` + polygonInside + `,"crs":"CRS84","quality":"surveyed","source":"s"}`,
		`{"geometry":` + polygonLambert + `,"crs":"EPSG:2154","label":"cédé","id":"x-2"}`,
		`{"ids":["94041000AZ0056","94041000az0057"],"reason":""}`,
		`{"name":"alice","password":"pw"}`,
	} {
		f.Add(uint8(i), []byte(body))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		decode := editBodies[int(which)%len(editBodies)]
		err := decode(body)
		if err == nil {
			if !json.Valid(body) {
				t.Fatalf("decoder %d accepted invalid JSON %q", which, body)
			}
			return
		}
		var inv *site.InvalidError
		if !errors.As(err, &inv) {
			t.Fatalf("decoder %d refused %q with %T %v; want an *site.InvalidError", which, body, err, err)
		}
		if statusFor(err) != http.StatusBadRequest {
			t.Fatalf("decoder %d: %v answers %d; want 400", which, err, statusFor(err))
		}
	})
}

// FuzzIfMatch checks that no If-Match header panics, that a refusal is 428, 412, or 400
// naming If-Match when the header is not a list of entity tags, and that only strong site
// tags count.
func FuzzIfMatch(f *testing.F) {
	for _, h := range []string{`"v1"`, `"v12", "v13"`, `W/"v1"`, `*`, ``, `"v0"`, `"v-1"`, `"v99999999999999999999"`, `v1`, `"1"`} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		r, _ := http.NewRequest("PATCH", "/api/sites/x", nil)
		r.Header["If-Match"] = []string{h}
		vs, err := ifMatch(r)
		if err != nil {
			var pe *preconditionError
			var inv *site.InvalidError
			malformed := errors.As(err, &inv) && inv.Field == "If-Match"
			if !errors.As(err, &pe) && !errors.Is(err, site.ErrConflict) && !malformed {
				t.Fatalf("ifMatch(%q) = %v; want 428, 412 or 400 naming If-Match", h, err)
			}
			return
		}
		for _, v := range vs {
			if v <= 0 || !containsTag(h, siteETag(v)) {
				t.Fatalf("ifMatch(%q) = %v; want only versions the header names", h, vs)
			}
		}
	})
}

func containsTag(h, tag string) bool {
	for i := 0; i+len(tag) <= len(h); i++ {
		if h[i:i+len(tag)] == tag {
			return true
		}
	}
	return false
}

package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/emprises/emprises/internal/site"
)

// maxJSONDepth bounds the nesting of a request body: a MultiPolygon needs 5 levels inside
// its object; anything much deeper is an attack on the decoder.
const maxJSONDepth = 16

// mediaTypeError is a body sent with a Content-Type other than JSON: 415.
type mediaTypeError struct{ got string }

func (e *mediaTypeError) Error() string {
	if e.got == "" {
		return "send the body as JSON with Content-Type: application/json"
	}
	return fmt.Sprintf("Content-Type %q is not accepted; send application/json", e.got)
}

// decodeBody reads r's body as one JSON object into v, strictly: Content-Type JSON, valid
// UTF-8, no unknown field, no field given twice, no value of the wrong type, nothing after
// the object. Each refusal is an *site.InvalidError naming the field when there is one, a
// *mediaTypeError (415) or an *http.MaxBytesError (413).
func decodeBody(r *http.Request, v any) error {
	cts := r.Header.Values("Content-Type")
	if len(cts) != 1 {
		return &mediaTypeError{got: strings.Join(cts, ", ")}
	}
	mt, _, err := mime.ParseMediaType(cts[0])
	if err != nil || mt != "application/json" && mt != "application/merge-patch+json" {
		return &mediaTypeError{got: cts[0]}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // *http.MaxBytesError past MaxBodyBytes, or the client went away
	}
	return decodeJSON(body, v)
}

// optionalBody is decodeBody for a body that may be left out (DELETE, restore): an empty
// body leaves v as it is.
func optionalBody(r *http.Request, v any) error {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return nil
	}
	return decodeBody(r, v)
}

// decodeJSON is decodeBody once the bytes are read.
func decodeJSON(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return site.Invalid("", "the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return site.Invalid("", "the request body is not valid UTF-8")
	}
	if trimmed[0] != '{' {
		return site.Invalid("", "the request body must be a JSON object {…}")
	}
	if err := checkJSONShape(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, v)
	}
	if _, err := dec.Token(); err != io.EOF {
		return site.Invalid("", "unexpected data after the JSON object (byte %d)", dec.InputOffset())
	}
	return nil
}

// checkJSONShape walks the tokens of body once: it refuses a syntax error, a key given
// twice in one object (encoding/json would silently keep the last), and excessive nesting.
func checkJSONShape(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		path   string
	}
	var stack []frame
	expectKey := false
	var key string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return jsonError(err, nil)
		}
		if len(stack) == 0 && tok != json.Delim('{') && tok != json.Delim('[') {
			return nil // a scalar after the object: left to decodeJSON's trailing check
		}
		top := func() *frame { return &stack[len(stack)-1] }
		if len(stack) > 0 && top().object && expectKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				expectKey = len(stack) > 0 && top().object
				continue
			}
			key = tok.(string)
			if top().keys[key] {
				return site.Invalid(joinPath(top().path, key), "is given twice")
			}
			top().keys[key] = true
			expectKey = false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) >= maxJSONDepth {
				return site.Invalid("", "the JSON is nested more than %d levels deep", maxJSONDepth)
			}
			path := ""
			if len(stack) > 0 {
				path = top().path
				if top().object {
					path = joinPath(path, key)
				}
			}
			stack = append(stack, frame{object: tok == json.Delim('{'), keys: map[string]bool{}, path: path})
			expectKey = tok == json.Delim('{')
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			expectKey = len(stack) > 0 && top().object
		default:
			expectKey = len(stack) > 0 && top().object
		}
		if len(stack) == 0 {
			// The first value is complete; what follows is decodeJSON's trailing check.
			return nil
		}
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonError turns encoding/json's errors into *site.InvalidError naming the field.
func jsonError(err error, v any) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var inv *site.InvalidError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), errors.As(err, &inv):
		return err
	case errors.As(err, &syn):
		return site.Invalid("", "malformed JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		return site.Invalid(jsonPath(typ.Field), "must be %s, not %s", jsonTypeName(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return site.Invalid("", "the JSON ends too early")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return site.Invalid(name, "unknown field; accepted: %s", strings.Join(jsonFields(v), ", "))
	}
	return site.Invalid("", "%s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonPath drops from encoding/json's field path the Go names of embedded structs
// ("siteFieldsJSON.name"): JSON names are snake_case, Go type names have capitals.
func jsonPath(path string) string {
	parts := strings.Split(path, ".")
	kept := parts[:0]
	for _, p := range parts {
		if strings.ToLower(p) == p {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ".")
}

// jsonTypeName says in JSON's words what a Go type wants.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32,
		reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another type"
}

// jsonFields lists the JSON names of v's fields, for the unknown-field message.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			names = append(names, jsonFields(reflect.New(f.Type).Interface())...)
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// optional is a field of a request body that may be absent, null, or a value: a PATCH
// changes only what it names, and null clears only where that means something.
type optional[T any] struct {
	set  bool // the field was in the body
	null bool // as null
	v    T
}

// UnmarshalJSON implements json.Unmarshaler. encoding/json calls it for null too.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		o.null = true
		return nil
	}
	return json.Unmarshal(b, &o.v)
}

// value returns a pointer to the value, nil when absent, and refuses null.
func (o optional[T]) value(field string) (*T, error) {
	switch {
	case !o.set:
		return nil, nil
	case o.null:
		return nil, site.Invalid(field, "must not be null")
	}
	return &o.v, nil
}

// required returns the value, refusing it absent or null.
func (o optional[T]) required(field string) (T, error) {
	var zero T
	if !o.set || o.null {
		return zero, site.Invalid(field, "is required")
	}
	return o.v, nil
}

// Limits on text fields, in characters.
const (
	maxShortText = 300    // names, labels, titles
	maxLongText  = 20_000 // notes, descriptions
)

// checkText refuses a text PostgreSQL cannot store (NUL) or too long; single-line texts
// also refuse line breaks and other control characters.
func checkText(field, s string, max int, multiline bool) error {
	if n := utf8.RuneCountInString(s); n > max {
		return site.Invalid(field, "is %d characters long; at most %d", n, max)
	}
	for _, r := range s {
		if r == 0 || r < 0x20 && !(multiline && (r == '\n' || r == '\r' || r == '\t')) || r == 0x7f {
			return site.Invalid(field, "must not contain control characters (U+%04X)", r)
		}
	}
	return nil
}

// text validates an optional text field.
func text(o optional[string], field string, max int, multiline, nonEmpty bool) (*string, error) {
	p, err := o.value(field)
	if err != nil || p == nil {
		return nil, err
	}
	if nonEmpty && strings.TrimSpace(*p) == "" {
		return nil, site.Invalid(field, "must not be empty")
	}
	if err := checkText(field, *p, max, multiline); err != nil {
		return nil, err
	}
	return p, nil
}

// requiredText validates a required, non-empty text field.
func requiredText(o optional[string], field string, max int) (string, error) {
	if _, err := o.required(field); err != nil {
		return "", err
	}
	p, err := text(o, field, max, false, true)
	if err != nil {
		return "", err
	}
	return *p, nil
}

// reasonText validates the free-text reason most edits carry.
func reasonText(o optional[string]) (string, error) {
	p, err := text(o, "reason", maxShortText*4, true, false)
	if err != nil || p == nil {
		return "", err
	}
	return strings.TrimSpace(*p), nil
}

// dateField parses a date with precision ("2021", "2019-Q1", "2015-09", "2017-01-19"),
// naming field in its errors.
func dateField(field, s string) (site.Date, error) {
	d, err := site.ParseDate(s)
	var inv *site.InvalidError
	if errors.As(err, &inv) {
		return site.Date{}, &site.InvalidError{Field: field, Reason: inv.Reason}
	}
	return d, err
}

// positive validates an optional number that must be finite and above zero, such as an
// area; null clears it when clearable.
func positive(o optional[float64], field string, limit float64) (*float64, bool, error) {
	if o.set && o.null {
		return nil, true, nil
	}
	p, err := o.value(field)
	if err != nil || p == nil {
		return nil, false, err
	}
	if !(*p > 0) || *p > limit {
		return nil, false, site.Invalid(field, "must be above 0 and at most %g", limit)
	}
	return p, false, nil
}

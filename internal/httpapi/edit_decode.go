package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/emprises/emprises/internal/site"
)

// maxJSONDepth bounds the nesting of a request body: a MultiPolygon needs 5 levels inside
// its object; anything much deeper is an attack on the decoder (json's own limit is 10000).
const maxJSONDepth = 16

// strictJSON is how every request body is read. JSON v2 already refuses, by default, a
// name given twice, a name in another case than the field's ("NOTES" for notes) and
// invalid UTF-8, lone surrogates escaped as \ud800 included; unknown members are refused
// too, at every depth, so that a typo such as "declared_area" cannot silently drop a value.
var strictJSON = json.RejectUnknownMembers(true)

// mediaTypeError is a body sent with a Content-Type other than JSON: 415.
type mediaTypeError struct{ got string }

func (e *mediaTypeError) Error() string {
	if e.got == "" {
		return "send the body as JSON with Content-Type: application/json"
	}
	return fmt.Sprintf("Content-Type %q is not accepted; send application/json", e.got)
}

// decodeBody reads r's body as one JSON object into v, strictly: Content-Type JSON, valid
// UTF-8, no unknown field at any depth, no field given twice, no value of the wrong type,
// nothing after the object. Each refusal is an *site.InvalidError naming the field when
// there is one, a *mediaTypeError (415) or an *http.MaxBytesError (413).
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
	if trimmed[0] != '{' {
		return site.Invalid("", "the request body must be a JSON object {…}")
	}
	if err := checkDepth(body); err != nil {
		return err
	}
	if err := json.Unmarshal(body, v, strictJSON); err != nil {
		return jsonError(err)
	}
	return nil
}

// checkDepth reads the tokens of the first JSON value in body and refuses it nested more
// than maxJSONDepth levels, before json.Unmarshal builds anything from it. What follows
// that value is left to json.Unmarshal, which refuses it.
func checkDepth(body []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	for {
		if _, err := dec.ReadToken(); err != nil {
			return jsonError(err)
		}
		switch depth := dec.StackDepth(); {
		case depth > maxJSONDepth:
			return site.Invalid("", "the JSON is nested more than %d levels deep", maxJSONDepth)
		case depth == 0:
			return nil
		}
	}
}

// jsonError turns the errors of JSON v2 into *site.InvalidError naming the field by its
// path ("part.colour"); the messages of the library name Go types, which mean nothing to
// a client.
func jsonError(err error) error {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return site.Invalid("", "the JSON ends too early")
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return site.Invalid(fieldPath(syn.JSONPointer, true), "is given twice")
	case errors.As(err, &syn):
		if field := fieldPath(syn.JSONPointer, false); field != "" {
			// Inside a value: invalid UTF-8, a lone surrogate, a bad literal.
			return site.Invalid(field, "is not valid JSON at byte %d: %v", syn.ByteOffset, syn.Err)
		}
		return site.Invalid("", "malformed JSON at byte %d: %v", syn.ByteOffset, syn.Err)
	case errors.As(err, &sem) && errors.Is(sem.Err, json.ErrUnknownName):
		accepted := jsonFieldsOf(sem.GoType)
		name := sem.JSONPointer.LastToken()
		for _, a := range accepted {
			if strings.EqualFold(a, name) {
				return site.Invalid(fieldPath(sem.JSONPointer, true), "unknown field; names are case-sensitive: %s", a)
			}
		}
		return site.Invalid(fieldPath(sem.JSONPointer, true), "unknown field; accepted: %s", strings.Join(accepted, ", "))
	case errors.As(err, &sem) && sem.Err != nil:
		// A number past float64 ("1e400"), or an integer too large.
		return site.Invalid(fieldPath(sem.JSONPointer, false), "must be %s; %s is refused: %v",
			jsonTypeName(sem.GoType), sem.JSONValue, sem.Err)
	case errors.As(err, &sem):
		return site.Invalid(fieldPath(sem.JSONPointer, false), "must be %s, not %s",
			jsonTypeName(sem.GoType), jsonKindName(sem.JSONKind))
	}
	return site.Invalid("", "%v", err)
}

// fieldPath turns a JSON Pointer into the dotted field name a problem carries:
// "/part/colour" is "part.colour". Array indices are left out ("/ids/0" is "ids"), as the
// page finds a form control by the list's name; no field of a request is named by digits,
// except an unknown member, which keepLast keeps.
func fieldPath(p jsontext.Pointer, keepLast bool) string {
	var names []string
	for tok := range p.Tokens() {
		names = append(names, tok)
	}
	kept := names[:0]
	for i, name := range names {
		if _, err := strconv.ParseUint(name, 10, 64); err == nil && !(keepLast && i == len(names)-1) {
			continue
		}
		kept = append(kept, name)
	}
	// A name with invalid UTF-8 is itself the error; the problem body must still be text.
	return strings.ToValidUTF8(strings.Join(kept, "."), "\uFFFD")
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

// jsonKindName names the kind of a JSON value as the client sent it.
func jsonKindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "true or false"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "another type"
}

// jsonFields lists the JSON names of v's fields, for the unknown-field message.
func jsonFields(v any) []string { return jsonFieldsOf(reflect.TypeOf(v)) }

// jsonFieldsOf lists the JSON names of a struct type's fields, those of embedded structs
// included.
func jsonFieldsOf(t reflect.Type) []string {
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
			names = append(names, jsonFieldsOf(f.Type)...)
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

// UnmarshalJSONFrom implements json.UnmarshalerFrom; json calls it for null too. The value
// is read from the same decoder, so the options of decodeJSON (unknown members refused)
// hold inside nested objects as well.
func (o *optional[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	o.set = true
	if dec.PeekKind() == 'n' {
		o.null = true
		_, err := dec.ReadToken()
		return err
	}
	return json.UnmarshalDecode(dec, &o.v)
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

// parsed reads an optional code with the domain's parser of it (governance.ParseAxis…),
// whose error names the field: nil when absent, refused when null.
func parsed[T any](o optional[string], field string, parse func(string) (T, error)) (*T, error) {
	p, err := o.value(field)
	if err != nil || p == nil {
		return nil, err
	}
	v, err := parse(*p)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// requiredParsed reads a code that must be given, with the domain's parser of it.
func requiredParsed[T any](o optional[string], field string, parse func(string) (T, error)) (T, error) {
	s, err := o.required(field)
	if err != nil {
		var zero T
		return zero, err
	}
	return parse(s)
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
	return d, renameInvalid(field, err)
}

// dayField parses an exact day YYYY-MM-DD with the domain's one day parser, naming field
// in its errors.
func dayField(field, s string) (time.Time, error) {
	t, err := site.ParseDay(s)
	return t, renameInvalid(field, err)
}

// renameInvalid puts field on a domain parser's *site.InvalidError, which names the
// domain's field ("date").
func renameInvalid(field string, err error) error {
	var inv *site.InvalidError
	if errors.As(err, &inv) {
		return &site.InvalidError{Field: field, Reason: inv.Reason}
	}
	return err
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

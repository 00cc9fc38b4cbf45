package cadastre

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

const parcelA = `{"type":"Feature","id":"94041000AZ0056","geometry":{"type":"Polygon","coordinates":[[[2.39,48.80],[2.391,48.80],[2.391,48.801],[2.39,48.801],[2.39,48.80]]]},"properties":{"id":"94041000AZ0056","commune":"94041","prefixe":"000","section":"AZ","numero":"56","contenance":9100,"arpente":false,"created":"2003-01-31","updated":"2019-04-09"}}`
const parcelB = `{"type":"Feature","id":"940410000A0012","geometry":{"type":"MultiPolygon","coordinates":[[[[2.38,48.80],[2.381,48.80],[2.381,48.801],[2.38,48.80]]]]},"properties":{"id":"940410000A0012","commune":"94041","prefixe":"000","section":"A","numero":"12","arpente":true}}`

func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + "\n" + strings.Join(features, ",\n") + "\n]}\n"
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func readAll(t *testing.T, r io.Reader) ([]*Parcel, error) {
	t.Helper()
	rd, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	var out []*Parcel
	for {
		p, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
}

func TestReaderReadsPlainAndGzip(t *testing.T) {
	text := collection(parcelA, parcelB)
	for name, data := range map[string][]byte{"plain": []byte(text), "gzip": gz(text)} {
		t.Run(name, func(t *testing.T) {
			ps, err := readAll(t, bytes.NewReader(data))
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if len(ps) != 2 {
				t.Fatalf("read %d parcels; want 2", len(ps))
			}
			a, b := ps[0], ps[1]
			if a.ID != "94041000AZ0056" || a.Index != 1 || *a.Contenance != 9100 || a.Arpente ||
				!a.Updated.Equal(time.Date(2019, 4, 9, 0, 0, 0, 0, time.UTC)) || len(a.Geometry) != 1 {
				t.Errorf("first parcel = %+v", a)
			}
			if off := strings.Index(text, `{"type":"Feature","id":"94041000AZ0056"`); a.Offset != int64(off) {
				t.Errorf("first parcel at byte %d; want %d", a.Offset, off)
			}
			if off := strings.Index(text, `{"type":"Feature","id":"940410000A0012"`); b.Offset != int64(off) {
				t.Errorf("second parcel at byte %d; want %d", b.Offset, off)
			}
			if b.Contenance != nil || !b.Arpente || !b.Updated.IsZero() || b.Index != 2 {
				t.Errorf("second parcel = %+v; want no contenance, arpente, no dates", b)
			}
		})
	}
}

func TestReaderRefusesBadFiles(t *testing.T) {
	good := collection(parcelA, parcelB)
	bad := func(old, new string) string { return strings.Replace(good, old, new, 1) }
	truncated := gz(good)
	truncated = truncated[:len(truncated)/2]
	tests := []struct {
		name  string
		data  []byte
		index int
		id    string
		want  string
	}{
		{"empty", nil, 0, "", "empty or not JSON"},
		{"not JSON", []byte("id;commune\n94041000AZ0056;94041\n"), 0, "", "not a GeoJSON file"},
		{"an array", []byte(`[1, 2]`), 0, "", "does not start with a JSON object"},
		{"a Feature", []byte(parcelA), 0, "", `"type" is "Feature"`},
		{"no features", []byte(`{"type":"FeatureCollection"}`), 0, "", `no "features"`},
		{"truncated gzip", truncated, 1, "", "truncated"},
		{"cut after a feature", []byte(good[:strings.Index(good, ",\n{")+1]), 2, "", "truncated"},
		{"cut after the features", []byte(good[:strings.LastIndex(good, "]")+1]), 0, "", "truncated"},
		{"cut inside a feature", []byte(good[:len(good)-40]), 2, "", "truncated"},
		{"trailing data", []byte(good + `{"type":"FeatureCollection","features":[]}`), 0, "", "after the FeatureCollection"},
		{"bad id", []byte(bad(`"id":"94041000AZ0056","commune"`, `"id":"94041000AZ056","commune"`)), 1, "94041000AZ056", "14 characters"},
		{"lower-case id", []byte(bad(`"id":"94041000AZ0056","commune"`, `"id":"94041000az0056","commune"`)), 1, "94041000az0056", "must be written"},
		{"ids disagree", []byte(bad(`"id":"94041000AZ0056","geometry"`, `"id":"94041000AZ0057","geometry"`)), 1, "94041000AZ0056", "differs"},
		{"section disagrees", []byte(bad(`"section":"AZ"`, `"section":"AY"`)), 1, "94041000AZ0056", "section"},
		{"no geometry", []byte(bad(`"geometry":{"type":"MultiPolygon","coordinates":[[[[2.38,48.80],[2.381,48.80],[2.381,48.801],[2.38,48.80]]]]}`, `"geometry":null`)), 2, "940410000A0012", "no geometry"},
		{"a point", []byte(bad(`{"type":"MultiPolygon","coordinates":[[[[2.38,48.80],[2.381,48.80],[2.381,48.801],[2.38,48.80]]]]}`, `{"type":"Point","coordinates":[2.38,48.8]}`)), 2, "940410000A0012", "Point"},
		{"open ring", []byte(bad(`[2.39,48.801],[2.39,48.80]]]`, `[2.39,48.801],[2.3901,48.80]]]`)), 1, "94041000AZ0056", "not closed"},
		{"Lambert-93 metres", []byte(bad(`[[[2.39,48.80],[2.391,48.80],[2.391,48.801],[2.39,48.801],[2.39,48.80]]]`, `[[[654000,6857000],[655000,6857000],[655000,6858000],[654000,6857000]]]`)), 1, "94041000AZ0056", "longitude and latitude"},
		{"contenance as text", []byte(bad(`"contenance":9100`, `"contenance":"9100"`)), 1, "94041000AZ0056", "contenance"},
		{"bad date", []byte(bad(`"updated":"2019-04-09"`, `"updated":"09/04/2019"`)), 1, "94041000AZ0056", "updated"},
		{"year 0", []byte(bad(`"created":"2003-01-31"`, `"created":"0000-01-01"`)), 1, "94041000AZ0056", "created: year 0 is out of range 1800–2200"},
		{"year past 2200", []byte(bad(`"updated":"2019-04-09"`, `"updated":"2219-04-09"`)), 1, "94041000AZ0056", "updated: year 2219 is out of range"},
		{"broken JSON in a feature", []byte(bad(`"arpente":true}`, `"arpente":tru}`)), 2, "", "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, bytes.NewReader(tt.data))
			var fe *FeatureError
			if !errors.As(err, &fe) {
				t.Fatalf("read = %v; want a *FeatureError", err)
			}
			if fe.Index != tt.index || fe.ID != tt.id || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("read = %q (index %d, id %q); want index %d, id %q, saying %q", err, fe.Index, fe.ID, tt.index, tt.id, tt.want)
			}
		})
	}
}

// FuzzReader feeds the reader arbitrary files: it must return parcels or an error, never
// panic or loop, and every parcel it returns must have passed its checks.
func FuzzReader(f *testing.F) {
	f.Add([]byte(collection(parcelA, parcelB)))
	f.Add([]byte(collection(parcelB)))
	f.Add(gz(collection(parcelA)))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":null}]}`))
	f.Add([]byte(`{"features":[{"type":"Feature","id":5,"geometry":{"type":"Polygon","coordinates":[[[1,2,3]]],"bbox":[1,2]},"properties":{"id":"x\u0041"}}],"type":"FeatureCollection"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for range 1000 {
			p, err := rd.Next()
			if err != nil {
				return
			}
			if len(p.ID) != 14 || len(p.Geometry) == 0 {
				t.Fatalf("parcel %+v passed the checks", p)
			}
		}
	})
}

package site

import (
	"encoding/json"
	"testing"
	"time"
)

func utc(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

func sameDate(a, b Date) bool {
	return a.Start.Equal(b.Start) && a.Start.Location() == b.Start.Location() && a.Precision == b.Precision
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
	}{
		{"2019", Date{utc(2019, 1, 1), Year}},
		{"2019-Q1", Date{utc(2019, 1, 1), Quarter}},
		{"2019-Q2", Date{utc(2019, 4, 1), Quarter}},
		{"2019-Q3", Date{utc(2019, 7, 1), Quarter}},
		{"2019-Q4", Date{utc(2019, 10, 1), Quarter}},
		{"2015-09", Date{utc(2015, 9, 1), Month}},
		{"2015-12", Date{utc(2015, 12, 1), Month}},
		{"2017-01-19", Date{utc(2017, 1, 19), Day}},
		{"2020-02-29", Date{utc(2020, 2, 29), Day}},
		{"1800", Date{utc(1800, 1, 1), Year}},
		{"2200-12-31", Date{utc(2200, 12, 31), Day}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if err != nil {
				t.Fatalf("ParseDate(%q) error = %v; want %v", tt.in, err, tt.want)
			}
			if !sameDate(got, tt.want) {
				t.Errorf("ParseDate(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDateInvalid(t *testing.T) {
	for _, in := range []string{
		"",
		"2019-Q5",
		"2019-Q0",
		"2019-q1",
		"2019-13",
		"2019-00",
		"2019-02-30",
		"2019-02-29", // not a leap year
		"2019-04-31",
		"2019-01-32",
		"2019-01-00",
		"2019-1-1",
		"2019-1",
		"19",
		"20190119",
		"2019/01/19",
		"19/01/2017",
		"début 2019",
		"fin 2021",
		"T1 2019",
		"1799",
		"2201",
		"0000",
		"0000-01-01",
		"1799-12-31",
		"2201-01-01",
		" 2019",
		"2019 ",
		"2019\n",
		"2019-Q1-01",
		"2019-W01",
		"２０１９", // full-width digits
		"-2019",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := ParseDate(in)
			if err == nil {
				t.Fatalf("ParseDate(%q) = %v; want an error", in, got)
			}
			if field, ok := invalidField(err); !ok || field != "date" {
				t.Errorf("ParseDate(%q) error = %v; want an *InvalidError on date", in, err)
			}
			if !got.IsZero() {
				t.Errorf("ParseDate(%q) = %v with an error; want the zero Date", in, got)
			}
		})
	}
}

func TestParseDay(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2017-01-19", utc(2017, 1, 19)},
		{"2020-02-29", utc(2020, 2, 29)},
		{"1800-01-01", utc(1800, 1, 1)},
		{"2200-12-31", utc(2200, 12, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDay(tt.in)
			if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseDay(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestParseDayInvalid covers the bounds the three day parsers used to disagree on: the
// ?date= reader stopped at 1800–2200, the OGC datetime at year 1, decided_on and the
// command line nowhere.
func TestParseDayInvalid(t *testing.T) {
	for _, in := range []string{
		"",
		"0000-01-01",
		"0001-01-01",
		"1799-12-31",
		"2201-01-01",
		"9999-12-31",
		"2019-02-29",
		"2019-13-01",
		"2019-00-10",
		"2019-01-00",
		"2019-1-1",
		"2019-01",
		"2019",
		"2019-Q1",
		"20190119",
		"19/01/2019",
		"2019-01-19T00:00:00Z",
		" 2019-01-19",
		"2019-01-19\n",
		"+2019-01-19",
		"２０１９-01-19",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := ParseDay(in)
			if err == nil {
				t.Fatalf("ParseDay(%q) = %v; want an error", in, got)
			}
			if field, ok := invalidField(err); !ok || field != "date" {
				t.Errorf("ParseDay(%q) error = %v; want an *InvalidError on date", in, err)
			}
			if !got.IsZero() {
				t.Errorf("ParseDay(%q) = %v with an error; want the zero time", in, got)
			}
		})
	}
}

func TestDatePeriod(t *testing.T) {
	tests := []struct {
		in     string
		end    time.Time
		last   time.Time
		french string
	}{
		{"2021", utc(2022, 1, 1), utc(2021, 12, 31), "2021"},
		{"2019-Q1", utc(2019, 4, 1), utc(2019, 3, 31), "T1 2019"},
		{"2020-Q1", utc(2020, 4, 1), utc(2020, 3, 31), "T1 2020"},
		{"2019-Q2", utc(2019, 7, 1), utc(2019, 6, 30), "T2 2019"},
		{"2019-Q3", utc(2019, 10, 1), utc(2019, 9, 30), "T3 2019"},
		{"2019-Q4", utc(2020, 1, 1), utc(2019, 12, 31), "T4 2019"},
		{"2015-09", utc(2015, 10, 1), utc(2015, 9, 30), "sept. 2015"},
		{"2015-01", utc(2015, 2, 1), utc(2015, 1, 31), "janv. 2015"},
		{"2016-02", utc(2016, 3, 1), utc(2016, 2, 29), "févr. 2016"},
		{"2015-02", utc(2015, 3, 1), utc(2015, 2, 28), "févr. 2015"},
		{"2015-08", utc(2015, 9, 1), utc(2015, 8, 31), "août 2015"},
		{"2015-12", utc(2016, 1, 1), utc(2015, 12, 31), "déc. 2015"},
		{"2017-01-19", utc(2017, 1, 20), utc(2017, 1, 19), "19/01/2017"},
		{"2017-12-31", utc(2018, 1, 1), utc(2017, 12, 31), "31/12/2017"},
		{"2020-02-28", utc(2020, 2, 29), utc(2020, 2, 28), "28/02/2020"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d := MustParseDate(tt.in)
			if got := d.End(); !got.Equal(tt.end) {
				t.Errorf("ParseDate(%q).End() = %v; want %v", tt.in, got, tt.end)
			}
			if got := d.Last(); !got.Equal(tt.last) {
				t.Errorf("ParseDate(%q).Last() = %v; want %v", tt.in, got, tt.last)
			}
			if got := d.String(); got != tt.in {
				t.Errorf("ParseDate(%q).String() = %q; want %q", tt.in, got, tt.in)
			}
			if got := d.French(); got != tt.french {
				t.Errorf("ParseDate(%q).French() = %q; want %q", tt.in, got, tt.french)
			}
			if !d.Start.Before(d.End()) || d.Last().Before(d.Start) {
				t.Errorf("ParseDate(%q): Start %v, Last %v, End %v are out of order", tt.in, d.Start, d.Last(), d.End())
			}
		})
	}
}

func TestFrenchMonths(t *testing.T) {
	want := []string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
	for i, name := range want {
		d := Date{utc(2020, time.Month(i+1), 1), Month}
		if got := d.French(); got != name+" 2020" {
			t.Errorf("%v.French() = %q; want %q", d, got, name+" 2020")
		}
	}
}

func TestDateZero(t *testing.T) {
	var d Date
	if !d.IsZero() {
		t.Errorf("Date{}.IsZero() = false; want true")
	}
	if got := d.String(); got != "" {
		t.Errorf("Date{}.String() = %q; want \"\"", got)
	}
	if got := d.French(); got != "" {
		t.Errorf("Date{}.French() = %q; want \"\"", got)
	}
	if MustParseDate("2019").IsZero() {
		t.Errorf("ParseDate(\"2019\").IsZero() = true; want false")
	}
}

func TestMustParseDatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("MustParseDate(\"2019-13\") did not panic")
		}
	}()
	MustParseDate("2019-13")
}

func TestNewDate(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	tests := []struct {
		name      string
		start     time.Time
		precision string
		want      string // text form; "" when refused
		wantField string
	}{
		{"day", utc(2017, 1, 19), "day", "2017-01-19", ""},
		{"month", utc(2015, 9, 1), "month", "2015-09", ""},
		{"quarter Q1", utc(2019, 1, 1), "quarter", "2019-Q1", ""},
		{"quarter Q2", utc(2019, 4, 1), "quarter", "2019-Q2", ""},
		{"quarter Q3", utc(2019, 7, 1), "quarter", "2019-Q3", ""},
		{"quarter Q4", utc(2019, 10, 1), "quarter", "2019-Q4", ""},
		{"year", utc(2021, 1, 1), "year", "2021", ""},
		{"time of day dropped", time.Date(2017, 1, 19, 15, 4, 5, 6, time.UTC), "day", "2017-01-19", ""},
		{"calendar day kept in its zone", time.Date(2019, 1, 1, 0, 30, 0, 0, paris), "year", "2019", ""},
		{"month not on day 1", utc(2015, 9, 2), "month", "", "date"},
		{"quarter not on day 1", utc(2019, 4, 2), "quarter", "", "date"},
		{"quarter in February", utc(2019, 2, 1), "quarter", "", "date"},
		{"quarter in December", utc(2019, 12, 1), "quarter", "", "date"},
		{"year in February", utc(2021, 2, 1), "year", "", "date"},
		{"year on 2 January", utc(2021, 1, 2), "year", "", "date"},
		{"unknown precision", utc(2021, 1, 1), "week", "", "precision"},
		{"empty precision", utc(2021, 1, 1), "", "", "precision"},
		{"upper-case precision", utc(2021, 1, 1), "Year", "", "precision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewDate(tt.start, tt.precision)
			if tt.wantField != "" {
				if field, ok := invalidField(err); !ok || field != tt.wantField {
					t.Errorf("NewDate(%v, %q) = %v, %v; want an *InvalidError on %s", tt.start, tt.precision, got, err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewDate(%v, %q) error = %v; want %s", tt.start, tt.precision, err, tt.want)
			}
			want := MustParseDate(tt.want)
			if !sameDate(got, want) {
				t.Errorf("NewDate(%v, %q) = %#v; want %#v", tt.start, tt.precision, got, want)
			}
		})
	}
}

// TestNewDateRoundTrip checks that what the store writes (Start, Precision) reads back.
func TestNewDateRoundTrip(t *testing.T) {
	for _, s := range []string{"2019", "2019-Q1", "2019-Q4", "2015-09", "2017-01-19", "2020-02-29"} {
		d := MustParseDate(s)
		got, err := NewDate(d.Start, string(d.Precision))
		if err != nil || !sameDate(got, d) {
			t.Errorf("NewDate(ParseDate(%q)) = %v, %v; want %v, nil", s, got, err, d)
		}
	}
}

func TestDateJSON(t *testing.T) {
	type event struct {
		When Date  `json:"when"`
		Due  *Date `json:"due,omitempty"`
	}
	for _, s := range []string{"2019", "2019-Q1", "2015-09", "2017-01-19"} {
		t.Run(s, func(t *testing.T) {
			d := MustParseDate(s)
			in := event{When: d, Due: &d}
			b, err := json.Marshal(in)
			if err != nil {
				t.Fatalf("json.Marshal(%v) error = %v", in, err)
			}
			want := `{"when":"` + s + `","due":"` + s + `"}`
			if string(b) != want {
				t.Errorf("json.Marshal(%v) = %s; want %s", in, b, want)
			}
			var out event
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatalf("json.Unmarshal(%s) error = %v", b, err)
			}
			if !sameDate(out.When, d) || out.Due == nil || !sameDate(*out.Due, d) {
				t.Errorf("json.Unmarshal(%s) = %+v; want When and Due %v", b, out, d)
			}
		})
	}

	t.Run("zero", func(t *testing.T) {
		b, err := json.Marshal(event{})
		if err != nil || string(b) != `{"when":""}` {
			t.Errorf("json.Marshal(event{}) = %s, %v; want {\"when\":\"\"}, nil", b, err)
		}
	})

	t.Run("null leaves the date unset", func(t *testing.T) {
		var out event
		if err := json.Unmarshal([]byte(`{"when":null,"due":null}`), &out); err != nil || !out.When.IsZero() || out.Due != nil {
			t.Errorf("json.Unmarshal(nulls) = %+v, %v; want zero dates, nil", out, err)
		}
	})

	for _, in := range []string{
		`{"when":"2019-Q5"}`,
		`{"when":"2019-02-30"}`,
		`{"when":"début 2019"}`,
		`{"when":""}`, // as ParseDate: an empty text is not a date
		`{"due":"1799"}`,
	} {
		t.Run(in, func(t *testing.T) {
			var out event
			err := json.Unmarshal([]byte(in), &out)
			if field, ok := invalidField(err); !ok || field != "date" {
				t.Errorf("json.Unmarshal(%s) = %+v, %v; want an *InvalidError on date", in, out, err)
			}
		})
	}

	t.Run("not a string", func(t *testing.T) {
		var out event
		if err := json.Unmarshal([]byte(`{"when":2019}`), &out); err == nil {
			t.Errorf("json.Unmarshal({\"when\":2019}) = %+v, nil; want an error", out)
		}
	})
}

func TestDateUnmarshalTextKeepsOldValueOnError(t *testing.T) {
	d := MustParseDate("2019-Q1")
	if err := d.UnmarshalText([]byte("2019-13")); err == nil {
		t.Fatalf("UnmarshalText(%q) = nil; want an error", "2019-13")
	}
	if d.String() != "2019-Q1" {
		t.Errorf("after a failed UnmarshalText, d = %v; want 2019-Q1", d)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2019", "2019-Q1", "2015-09", "2017-01-19", "2019-Q5", "2019-13",
		"2019-02-30", "2019-1-1", "", "début 2019", "1799", "2200-12-31", "2020-02-29"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !d.IsZero() {
				t.Errorf("ParseDate(%q) = %v with error %v; want the zero Date", s, d, err)
			}
			return
		}
		if got := d.String(); got != s {
			t.Errorf("ParseDate(%q).String() = %q; want %q", s, got, s)
		}
		switch d.Precision {
		case Day, Month, Quarter, Year:
		default:
			t.Errorf("ParseDate(%q).Precision = %q; want day, month, quarter or year", s, d.Precision)
		}
		if !d.Start.Before(d.End()) {
			t.Errorf("ParseDate(%q): End %v is not after Start %v", s, d.End(), d.Start)
		}
		if d.French() == "" {
			t.Errorf("ParseDate(%q).French() is empty", s)
		}
		again, err := NewDate(d.Start, string(d.Precision))
		if err != nil || !sameDate(again, d) {
			t.Errorf("NewDate(ParseDate(%q)) = %v, %v; want %v, nil", s, again, err, d)
		}
	})
}

package spreadsheet

import (
	"bytes"
	"testing"
)

func TestNeutralize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Parc de la Confluence", "Parc de la Confluence"},
		{`=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"-12,5", "-12,5"},
		{"+33", "+33"},
		{"-4.2e3", "-4.2e3"},
		{"-0x1p3", "'-0x1p3"},
		{"-Inf", "'-Inf"},
		{"-", "'-"},
		{"12/05/2021", "12/05/2021"},
		{"T4 2021", "T4 2021"},
	}
	for _, tt := range tests {
		if got := Neutralize(tt.in); got != tt.want {
			t.Errorf("Neutralize(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	w.Comma = ';'
	if err := w.Write([]string{"=1+1", "-3,5", "a"}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if got, want := b.String(), "'=1+1;-3,5;a\n"; got != want {
		t.Errorf("Write = %q; want %q", got, want)
	}
}

func FuzzNeutralize(f *testing.F) {
	for _, s := range []string{"=1", "-1", "+1,5", "@a", "abc", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Neutralize(s)
		if got != s && got != "'"+s {
			t.Fatalf("Neutralize(%q) = %q: changed beyond a leading apostrophe", s, got)
		}
		if got != "" && (got[0] == '=' || got[0] == '@' || got[0] == '\t' || got[0] == '\r') {
			t.Fatalf("Neutralize(%q) = %q still starts a formula", s, got)
		}
		if (got[0:min(1, len(got))] == "+" || got[0:min(1, len(got))] == "-") && !isNumber(got) {
			t.Fatalf("Neutralize(%q) = %q starts with a sign and is not a number", s, got)
		}
	})
}

package site

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateSlug(t *testing.T) {
	for _, s := range []string{
		"tam-robert-witchitz",
		"a",
		"9",
		"site-42",
		"2024-lot-b",
		strings.Repeat("a", 80),
		strings.Repeat("ab-", 26) + "ab",
	} {
		if err := ValidateSlug("slug", s); err != nil {
			t.Errorf("ValidateSlug(%q) = %v; want nil", s, err)
		}
	}
}

func TestValidateSlugInvalid(t *testing.T) {
	for _, s := range []string{
		"",
		strings.Repeat("a", 81),
		"-tam",
		"tam-",
		"-",
		"tam--robert",
		"Tam-Robert",
		"tam_robert",
		"tam robert",
		"tam.robert",
		"tam/robert",
		"ivry-sur-seine-é",
		"rue-de-l'église",
		"tam\n",
		"tam\x00",
	} {
		t.Run(s, func(t *testing.T) {
			err := ValidateSlug("site_id", s)
			if field, ok := invalidField(err); !ok || field != "site_id" {
				t.Errorf("ValidateSlug(%q) = %v; want an *InvalidError on site_id", s, err)
			}
		})
	}
}

func TestInvalidError(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{Invalid("status", "unknown status %q", "x"), `invalid status: unknown status "x"`},
		{Invalid("", "no body"), "invalid input: no body"},
		{Invalid("date", "100%% sure"), "invalid date: 100% sure"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
	var ie *InvalidError
	if !errors.As(Invalid("status", "x"), &ie) || ie.Field != "status" || ie.Reason != "x" {
		t.Errorf("Invalid(\"status\", \"x\") = %+v; want an *InvalidError{status, x}", ie)
	}
	if errors.Is(Invalid("status", "x"), ErrNotFound) {
		t.Errorf("errors.Is(Invalid(...), ErrNotFound) = true; want false")
	}
}

func TestParseModality(t *testing.T) {
	labels := map[string]Modality{}
	for _, m := range Modalities() {
		got, err := ParseModality(string(m))
		if err != nil || got != m {
			t.Errorf("ParseModality(%q) = %q, %v; want %q, nil", m, got, err, m)
		}
		if m.Label() == "" {
			t.Errorf("%q.Label() is empty", m)
		}
		if other, dup := labels[m.Label()]; dup {
			t.Errorf("%q and %q share the label %q", m, other, m.Label())
		}
		labels[m.Label()] = m
	}
	if len(Modalities()) != len(modalityLabels) {
		t.Errorf("Modalities() lists %d modalities; want all %d", len(Modalities()), len(modalityLabels))
	}
	for _, s := range []string{"", "sale", "Sale_to_developer", "cession"} {
		got, err := ParseModality(s)
		if field, ok := invalidField(err); !ok || field != "modality" {
			t.Errorf("ParseModality(%q) = %q, %v; want an *InvalidError on modality", s, got, err)
		}
	}
	if got := Modality("unknown").Label(); got != "" {
		t.Errorf("Modality(\"unknown\").Label() = %q; want \"\"", got)
	}
}

func TestParseGeometryQuality(t *testing.T) {
	for _, q := range []GeometryQuality{QualitySurveyed, QualityCadastre, QualityApproximate, QualityUnlocated} {
		got, err := ParseGeometryQuality(string(q))
		if err != nil || got != q {
			t.Errorf("ParseGeometryQuality(%q) = %q, %v; want %q, nil", q, got, err, q)
		}
	}
	for _, s := range []string{"", "exact", "Cadastre"} {
		got, err := ParseGeometryQuality(s)
		if field, ok := invalidField(err); !ok || field != "geometry_quality" {
			t.Errorf("ParseGeometryQuality(%q) = %q, %v; want an *InvalidError on geometry_quality", s, got, err)
		}
	}
}

func TestParseEventKind(t *testing.T) {
	for _, k := range []EventKind{EventDecision, EventStudy, EventDisposal, EventRelease, EventDelivery,
		EventDeadline, EventCommitteeReview, EventAgreement, EventOpening, EventNote} {
		got, err := ParseEventKind(string(k))
		if err != nil || got != k {
			t.Errorf("ParseEventKind(%q) = %q, %v; want %q, nil", k, got, err, k)
		}
	}
	for _, s := range []string{"", "meeting", "Decision"} {
		got, err := ParseEventKind(s)
		if field, ok := invalidField(err); !ok || field != "kind" {
			t.Errorf("ParseEventKind(%q) = %q, %v; want an *InvalidError on kind", s, got, err)
		}
	}
}

func TestParseMilestoneKind(t *testing.T) {
	tests := []struct {
		kind  MilestoneKind
		label string
	}{
		{MilestoneRelease, "Libération"},
		{MilestoneDisposal, "Cession"},
		{MilestoneDeadline, "Échéance"},
	}
	for _, tt := range tests {
		got, err := ParseMilestoneKind(string(tt.kind))
		if err != nil || got != tt.kind {
			t.Errorf("ParseMilestoneKind(%q) = %q, %v; want %q, nil", tt.kind, got, err, tt.kind)
		}
		if l := tt.kind.Label(); l != tt.label {
			t.Errorf("%q.Label() = %q; want %q", tt.kind, l, tt.label)
		}
	}
	for _, s := range []string{"", "note", "Release"} {
		got, err := ParseMilestoneKind(s)
		if field, ok := invalidField(err); !ok || field != "kind" {
			t.Errorf("ParseMilestoneKind(%q) = %q, %v; want an *InvalidError on kind", s, got, err)
		}
	}
	if got := MilestoneKind("other").Label(); got != "other" {
		t.Errorf("MilestoneKind(\"other\").Label() = %q; want \"other\"", got)
	}
}

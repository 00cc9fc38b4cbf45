package site

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// allowedMoves is the transition table as the convention describes it, written out again
// here so that a change to the package's table has to be made twice, on purpose.
var allowedMoves = map[Status][]Status{
	StatusInUse:              {StatusUnderStudy, StatusReleasePlanned, StatusReleased, StatusDisposalInProgress},
	StatusUnderStudy:         {StatusInUse, StatusReleasePlanned, StatusReleased, StatusDisposalInProgress},
	StatusReleasePlanned:     {StatusInUse, StatusUnderStudy, StatusReleased, StatusDisposalInProgress},
	StatusReleased:           {StatusInUse, StatusUnderStudy, StatusDisposalInProgress, StatusCeded},
	StatusDisposalInProgress: {StatusUnderStudy, StatusReleased, StatusCeded},
	StatusCeded:              nil,
}

// invalidField returns the field of err if it is an *InvalidError, and reports whether it is.
func invalidField(err error) (string, bool) {
	var ie *InvalidError
	if !errors.As(err, &ie) {
		return "", false
	}
	return ie.Field, true
}

func TestCheckTransitionWithoutCorrection(t *testing.T) {
	for _, from := range Statuses() {
		for _, to := range Statuses() {
			want := slices.Contains(allowedMoves[from], to)
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				err := CheckTransition(from, to, false, "")
				if want {
					if err != nil {
						t.Fatalf("CheckTransition(%q, %q, false, \"\") = %v; want nil", from, to, err)
					}
					return
				}
				if err == nil {
					t.Fatalf("CheckTransition(%q, %q, false, \"\") = nil; want an error", from, to)
				}
				if field, ok := invalidField(err); !ok || field != "status" {
					t.Errorf("CheckTransition(%q, %q, false, \"\") = %v; want an *InvalidError on status", from, to, err)
				}
			})
		}
	}
}

func TestCheckTransitionCeded(t *testing.T) {
	for _, to := range Statuses() {
		if to == StatusCeded {
			continue
		}
		t.Run(string(to), func(t *testing.T) {
			err := CheckTransition(StatusCeded, to, false, "")
			if err == nil {
				t.Fatalf("CheckTransition(ceded, %q, false, \"\") = nil; want an error", to)
			}
			if !strings.Contains(err.Error(), "correction") {
				t.Errorf("CheckTransition(ceded, %q, false, \"\") = %v; want a hint about correction", to, err)
			}
			// The way back is a correction that says why.
			if err := CheckTransition(StatusCeded, to, true, "acte de cession annulé"); err != nil {
				t.Errorf("CheckTransition(ceded, %q, true, reason) = %v; want nil", to, err)
			}
		})
	}
}

func TestCheckTransitionCorrection(t *testing.T) {
	for _, from := range Statuses() {
		for _, to := range Statuses() {
			if from == to {
				continue
			}
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				if err := CheckTransition(from, to, true, "saisie erronée"); err != nil {
					t.Errorf("CheckTransition(%q, %q, true, reason) = %v; want nil", from, to, err)
				}
				for _, reason := range []string{"", "   ", "\t\n"} {
					err := CheckTransition(from, to, true, reason)
					if field, ok := invalidField(err); !ok || field != "reason" {
						t.Errorf("CheckTransition(%q, %q, true, %q) = %v; want an *InvalidError on reason", from, to, reason, err)
					}
				}
			})
		}
	}
}

func TestCheckTransitionRefused(t *testing.T) {
	tests := []struct {
		name       string
		from, to   Status
		correction bool
		reason     string
		wantField  string
	}{
		{"same status", StatusInUse, StatusInUse, false, "", "status"},
		{"same status even as a correction", StatusReleased, StatusReleased, true, "erreur", "status"},
		{"ceded to ceded", StatusCeded, StatusCeded, true, "erreur", "status"},
		{"unknown target", StatusInUse, Status("demolished"), false, "", "status"},
		{"unknown target as a correction", StatusInUse, Status("demolished"), true, "erreur", "status"},
		{"empty target", StatusInUse, Status(""), true, "erreur", "status"},
		{"unknown origin", Status("demolished"), StatusInUse, false, "", "status"},
		{"in use straight to ceded", StatusInUse, StatusCeded, false, "", "status"},
		{"disposal back to in use", StatusDisposalInProgress, StatusInUse, false, "", "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTransition(tt.from, tt.to, tt.correction, tt.reason)
			if field, ok := invalidField(err); !ok || field != tt.wantField {
				t.Errorf("CheckTransition(%q, %q, %v, %q) = %v; want an *InvalidError on %s",
					tt.from, tt.to, tt.correction, tt.reason, err, tt.wantField)
			}
		})
	}
}

func TestStatusNext(t *testing.T) {
	for _, s := range Statuses() {
		t.Run(string(s), func(t *testing.T) {
			got, want := slices.Clone(s.Next()), slices.Clone(allowedMoves[s])
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%q.Next() = %v; want %v", s, got, want)
			}
			for _, next := range s.Next() {
				if err := CheckTransition(s, next, false, ""); err != nil {
					t.Errorf("CheckTransition(%q, %q) = %v; want nil since Next lists it", s, next, err)
				}
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	seen := map[string]Status{}
	for _, s := range Statuses() {
		got, err := ParseStatus(string(s))
		if err != nil || got != s {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q, nil", s, got, err, s)
		}
		label := s.Label()
		if label == "" {
			t.Errorf("%q.Label() is empty", s)
		}
		if other, dup := seen[label]; dup {
			t.Errorf("%q and %q share the label %q", s, other, label)
		}
		seen[label] = s
	}
	for _, s := range []string{"", "IN_USE", "in use", "cédé", "ceded ", "unknown"} {
		got, err := ParseStatus(s)
		if field, ok := invalidField(err); !ok || field != "status" {
			t.Errorf("ParseStatus(%q) = %q, %v; want an *InvalidError on status", s, got, err)
		}
	}
}

package httpapi

import (
	"testing"

	"github.com/emprises/emprises/internal/governance"
)

// TestConfigGovernance: the page's Engagements and Comités views take the governance codes
// and their French labels from /api/config, every code of the domain in its order.
func TestConfigGovernance(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	var c struct {
		Governance map[string][]vocabTerm `json:"governance"`
	}
	getJSON(t, srv, "/api/config", &c)
	for name, want := range map[string][]string{
		"axes":                codes(governance.Axes()),
		"parties":             codes(governance.Parties()),
		"commitment_statuses": codes(governance.Statuses()),
		"firmnesses":          codes(governance.Firmnesses()),
		"meeting_states":      {"planned", "held", "cancelled"},
	} {
		got := c.Governance[name]
		if len(got) != len(want) {
			t.Errorf("governance.%s = %v; want the codes %v", name, got, want)
			continue
		}
		for i, term := range got {
			if term.Key != want[i] || term.Label == "" {
				t.Errorf("governance.%s[%d] = %+v; want %s with a French label", name, i, term, want[i])
			}
		}
	}
}

func codes[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

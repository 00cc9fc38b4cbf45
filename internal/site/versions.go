package site

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"
)

// Recording is who recorded a change, when and why, as the audit log keeps it.
type Recording struct {
	At     time.Time // zero when no audit record is known
	By     string    // an account's name, or "cli:<os user>"; "" when unknown
	Reason string
}

// Shape is a part's outline with its quality and source.
type Shape struct {
	Geometry json.RawMessage // GeoJSON; nil when unlocated
	Quality  GeometryQuality
	Source   string
}

func (s Shape) equal(o Shape) bool {
	return bytes.Equal(s.Geometry, o.Geometry) && s.Quality == o.Quality && s.Source == o.Source
}

// StatusRecord is a status period of a part and the recording of the change that began it.
type StatusRecord struct {
	StatusPeriod
	Recorded Recording
}

// ShapeChange is a recorded change of a part's outline, its quality or its source, with
// the shape it replaced.
type ShapeChange struct {
	Before Shape
	Recording
}

// Day is the day a shape change takes effect: the day in Paris it was recorded. The audit
// log knows no other date for an outline, whereas a status carries the date it took
// effect, which may be years before it was recorded.
func (c ShapeChange) Day() time.Time { return TodayAt(c.At) }

// PartHistory is what the versions of a part are made of: its status periods, the recorded
// changes of its shape, and its shape now.
type PartHistory struct {
	PartID   string
	Statuses []StatusRecord // oldest first
	Changes  []ShapeChange  // oldest first
	Current  Shape
}

// PartVersion is one state of a part: a span of days over which its status and its shape
// stayed the same.
type PartVersion struct {
	N            int // 1 for the oldest
	Status       Status
	StatusSince  Date
	StatusReason string
	Shape        Shape
	From         time.Time  // its first day, a UTC midnight
	Until        *time.Time // the first day of the next version; nil for the current version
	// Change is the recording of the change that began the version: the status's, or the
	// shape change's when one was recorded that day (the later of the two if both).
	Change Recording
}

// Versions merges the part's two timelines into its versions (see PartVersions).
func (h PartHistory) Versions() []PartVersion {
	return PartVersions(h.Statuses, h.Changes, h.Current)
}

// PartVersions merges the status periods of a part with the recorded changes of its shape
// into its versions, oldest first, numbered from 1. A version begins where a status begins,
// and on the day a shape change was recorded within a status period; it ends where the
// next begins, or with its status period when the part has no status after it (the part
// did not exist then). Its shape is the one the first change recorded after its first day
// replaced, or the current shape when no change was recorded after it: changes recorded on
// one day count as one, the day's last. A shape change that leaves the shape as it was that
// day (a change undone the same day) begins no version, and one recorded before the first
// status begins none either: the part had no state then.
func PartVersions(statuses []StatusRecord, changes []ShapeChange, current Shape) []PartVersion {
	statuses = slices.Clone(statuses)
	slices.SortStableFunc(statuses, func(a, b StatusRecord) int { return a.From.Start.Compare(b.From.Start) })
	changes = slices.Clone(changes)
	slices.SortStableFunc(changes, func(a, b ShapeChange) int { return a.At.Compare(b.At) })

	// shapeOn is the shape on a day: the one the first change of a later day replaced.
	shapeOn := func(day time.Time) Shape {
		for _, c := range changes {
			if c.Day().After(day) {
				return c.Before
			}
		}
		return current
	}
	// changeOn is the last shape change recorded on a day.
	changeOn := func(day time.Time) (Recording, bool) {
		for i := len(changes) - 1; i >= 0; i-- {
			if changes[i].Day().Equal(day) {
				return changes[i].Recording, true
			}
		}
		return Recording{}, false
	}

	var out []PartVersion
	for _, st := range statuses {
		starts := []time.Time{st.From.Start}
		for _, c := range changes {
			d := c.Day()
			if d.After(starts[len(starts)-1]) && (st.Until == nil || d.Before(*st.Until)) {
				starts = append(starts, d)
			}
		}
		for i, from := range starts {
			until := st.Until
			if i+1 < len(starts) {
				until = &starts[i+1]
			}
			shape := shapeOn(from)
			if i > 0 && shape.equal(out[len(out)-1].Shape) {
				out[len(out)-1].Until = until // nothing changed: the version goes on
				continue
			}
			v := PartVersion{Status: st.Status, StatusSince: st.From, StatusReason: st.Reason,
				Shape: shape, From: from, Until: until, Change: st.Recorded}
			if c, ok := changeOn(from); ok && (i > 0 || c.At.After(v.Change.At)) {
				v.Change = c
			}
			out = append(out, v)
		}
	}
	for i := range out {
		out[i].N = i + 1
	}
	return out
}

// VersionOn returns the version of versions (as PartVersions made them) that held on day.
func VersionOn(versions []PartVersion, day time.Time) (PartVersion, bool) {
	for _, v := range versions {
		if !v.From.After(day) && (v.Until == nil || day.Before(*v.Until)) {
			return v, true
		}
	}
	return PartVersion{}, false
}

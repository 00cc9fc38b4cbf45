package site

import "strings"

// InseeIvry is the INSEE code of Ivry-sur-Seine.
const InseeIvry = "94041"

// ParcelID is a 14-character French cadastral parcel id: INSEE code (5), prefix (3),
// section (2, zero-padded) and number (4, zero-padded), e.g. "94041000AZ0056".
type ParcelID string

// ParseParcelID validates s as a cadastral parcel id. Lower-case letters are accepted and
// upper-cased, as planners type them.
func ParseParcelID(s string) (ParcelID, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 14 {
		return "", Invalid("parcel_id", "%q must be 14 characters (INSEE 5 + prefix 3 + section 2 + number 4), got %d", s, len(s))
	}
	insee, prefix, section, number := s[:5], s[5:8], s[8:10], s[10:]
	// Corsica's departments are 2A and 2B; everywhere else the INSEE code is all digits.
	if !digits(insee[:2]) && insee[:2] != "2A" && insee[:2] != "2B" || !digits(insee[2:]) {
		return "", Invalid("parcel_id", "%q: INSEE code %q is not valid", s, insee)
	}
	if !digits(prefix) {
		return "", Invalid("parcel_id", "%q: prefix %q must be 3 digits", s, prefix)
	}
	for _, r := range section {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return "", Invalid("parcel_id", "%q: section %q must be letters or digits", s, section)
		}
	}
	if section == "00" {
		return "", Invalid("parcel_id", "%q: section cannot be 00", s)
	}
	if !digits(number) || number == "0000" {
		return "", Invalid("parcel_id", "%q: number %q must be 4 digits from 0001", s, number)
	}
	return ParcelID(s), nil
}

// Insee is the commune code of the parcel.
func (p ParcelID) Insee() string { return string(p[:5]) }

// Section is the cadastral section without its zero padding ("AZ", "A").
func (p ParcelID) Section() string { return strings.TrimLeft(string(p[8:10]), "0") }

// Number is the parcel number without its zero padding.
func (p ParcelID) Number() string { return strings.TrimLeft(string(p[10:]), "0") }

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// SuggestionShare is the least share of a parcel's area that an approximate part's
// outline must cover for the parcel to be suggested: a drawn square over a parcel's
// middle covers most of it, while one that only clips its neighbours covers little of
// theirs.
const SuggestionShare = 0.5

// ParcelSuggestion is a parcel that an approximate part's outline mostly covers: a
// candidate for linking to the part, which a planner confirms.
type ParcelSuggestion struct {
	ParcelID   ParcelID
	AreaM2     float64 // the parcel's outline's area
	Contenance *int32  // legal area, when the cadastre gives it
	Share      float64 // share of the parcel's area inside the part's outline, 0 to 1
	// LinkedPart is the part the parcel already serves, when another: linking it here
	// means taking it from that part.
	LinkedPart string
}

// PartSuggestions are the parcels suggested for a part. Only an approximate part gets
// suggestions: a surveyed or cadastre outline is better than its parcels' union, and an
// unlocated part covers nothing.
type PartSuggestions struct {
	PartID  string
	SiteID  string
	Quality GeometryQuality
	Parcels []ParcelSuggestion
}

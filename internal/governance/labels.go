package governance

import "strings"

// The French names of the governance vocabulary, as planners read them on the page, in the
// spreadsheets and in the committee pack, like site.Status.Label for the sites.

var (
	axisLabels = map[Axis]string{
		AxisClimate:     "A – Relever le défi climatique autour des grands projets communs",
		AxisHousing:     "B – Politiques solidaires d'habitat et d'hébergement",
		AxisConnections: "C – Connexions et liaisons entre Paris et Ivry-sur-Seine",
		AxisGovernance:  "III – Pilotage, gestion et durée de la convention",
	}
	partyLabels = map[Party]string{
		PartyParis: "Ville de Paris", PartyIvry: "Ville d'Ivry-sur-Seine", PartyCPCU: "CPCU",
		PartySyctom: "Syctom", PartyAPUR: "APUR", PartyIDFM: "Île-de-France Mobilités", PartyHaropa: "Haropa",
		PartyVNF: "Voies navigables de France", PartyValDeMarne: "Département du Val-de-Marne",
		PartySadev94: "Sadev 94", PartyEauDeParis: "Eau de Paris", PartyGrandeDix: "Association La Grande 10",
		PartyVitry: "Ville de Vitry-sur-Seine", PartyMetropoleGP: "Métropole du Grand Paris",
	}
	firmnessLabels = map[Firmness]string{
		Commits: "s'engage", Shall: "devra", Will: "futur (sera, accompagnera…)",
		Aims: "objectif (tendre vers, souhaite)", May: "pourra",
	}
	meetingStateLabels = map[MeetingState]string{
		Planned: "Prévue", Held: "Tenue", Cancelled: "Annulée",
	}
	statusLabels = map[Status]string{
		NotStarted: "Non engagé", InProgress: "En cours", Done: "Réalisé", Abandoned: "Abandonné",
		Superseded: "Remplacé par un avenant", Unknown: "Inconnu",
	}
)

// Label is the axis's French name.
func (a Axis) Label() string { return axisLabels[a] }

// Label is the party's French name.
func (p Party) Label() string { return partyLabels[p] }

// Label is the firmness's French name, as the convention words it.
func (f Firmness) Label() string { return firmnessLabels[f] }

// Label is the meeting state's French name.
func (m MeetingState) Label() string { return meetingStateLabels[m] }

// Label is the status's French name.
func (s Status) Label() string { return statusLabels[s] }

// CommitteeName names a committee in a meeting's name from its id, as the decisions that
// move the calendar cite it: "COPIL", "COTECH".
func CommitteeName(id string) string { return strings.ToUpper(id) }

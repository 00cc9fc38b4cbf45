package governance

import (
	"fmt"
	"time"
)

// The texts Emprises writes by itself into the record, in French as planners read them.

// SeedReason is the reason recorded for each commitment, committee and meeting the seed adds.
const SeedReason = "Engagements et instances de la convention Paris–Ivry 2019 (emprises seed)"

// MeetingName names a meeting as planners do: "COPIL du 17/03/2021".
func MeetingName(committee string, day time.Time) string {
	return committee + " du " + day.Format("02/01/2006")
}

// DecisionPlanReason is the reason a milestone's new plan records when a meeting's decision
// moves it, so that the calendar's history cites the meeting.
func DecisionPlanReason(meeting string, meetingID int64, reason string) string {
	return fmt.Sprintf("Décision du %s (réunion n° %d) : %s", meeting, meetingID, reason)
}

// DecisionSource is the source a plan moved by a decision records.
func DecisionSource(meeting string, meetingID int64) string {
	return fmt.Sprintf("Relevé de décisions, %s (réunion n° %d)", meeting, meetingID)
}

package web

import (
	"time"

	"github.com/jiefen/jiefen/cases"
)

// Shapes the channels answer with, so that a registration through a channel
// (the 12345 hotline's work orders) looks exactly like one through
// POST /api/v1/intakes, and a case like GET /api/v1/cases/{no}.

// RegistrationResponse is the body POST /api/v1/intakes answers with: the
// registration and the case as stored (full, from Service.Get), masked.
func RegistrationResponse(reg *cases.Registration, full *cases.Case, now time.Time) any {
	return registrationJSON{CaseNo: reg.Case.No, IntakeRef: reg.Intake.Ref, Decision: reg.Decision,
		Related: presentMatches(reg.Related), Replayed: reg.Replayed, Case: presentCaseDetail(full, now)}
}

// CaseDetailResponse is a case with its parties, intakes, links and
// timeline as GET /api/v1/cases/{no} shows it, masked.
func CaseDetailResponse(c *cases.Case, now time.Time) any { return presentCaseDetail(c, now) }

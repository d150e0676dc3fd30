package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// ListFilter is a module's filter of the case list, GET
// /cases?{Param}=value: Parse turns the value into a condition, or a
// field error (kernel.FieldError(Param, …)) for a bad value.
type ListFilter struct {
	Param string
	Parse func(value string, now time.Time) (cases.Cond, error)
}

// Modules (mediation, petition, statistics …) add console pages and case
// page panels without touching the console's templates: a page is a shell
// whose script (a file of the module's under /static) drives the module's
// API with the session cookie, as the channels' pages do.

// ConsolePage is a module's page under /console.
type ConsolePage struct {
	// Path under /console, e.g. "/mediator".
	Path  string
	Title string
	// Nav is its label in the navigation bar; empty: not listed there.
	Nav string
	// Roles may open it; none: any staff.
	Roles []kernel.Role
	// Script is the page's script, e.g. "/static/mediator.js".
	Script string
	// Intro is a line under the title.
	Intro string
}

// CasePanel is a module's panel on the case page: a card with an empty
// body its script fills from the module's API. The card carries
// data-case (the case number) and data-panel (the ID).
type CasePanel struct {
	ID     string // HTML id of the card, e.g. "mediation"
	Title  string
	Script string
	// Roles see it; none: any staff who may see the case.
	Roles []kernel.Role
}

func allowed(roles []kernel.Role, r kernel.Role) bool {
	if len(roles) == 0 {
		return true
	}
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// navLink is a module page's entry in the navigation bar.
type navLink struct{ Path, Label string }

// modulePages registers the modules' pages on the console group.
func (s *Server) modulePages(auth fiber.Router) {
	for _, mp := range s.Pages {
		mp := mp
		auth.Get(mp.Path, func(c *fiber.Ctx) error {
			if u := CurrentUser(c); u == nil || !allowed(mp.Roles, u.Role) {
				return kernel.Errorf(kernel.EForbidden, "无权访问此页面")
			}
			return s.render(c, fiber.StatusOK, "module", &page{Title: mp.Title, Intro: mp.Intro, Script: mp.Script})
		})
	}
}

// moduleNav lists the module pages role may open, for the navigation bar.
func (s *Server) moduleNav(r kernel.Role) []navLink {
	var out []navLink
	for _, mp := range s.Pages {
		if mp.Nav != "" && allowed(mp.Roles, r) {
			out = append(out, navLink{Path: "/console" + mp.Path, Label: mp.Nav})
		}
	}
	return out
}

// casePanels lists the panels role sees on a case page.
func (s *Server) casePanels(r kernel.Role) []CasePanel {
	var out []CasePanel
	for _, p := range s.CasePanels {
		if allowed(p.Roles, r) {
			out = append(out, p)
		}
	}
	return out
}

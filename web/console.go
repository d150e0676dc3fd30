package web

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/groupwarn"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
)

// The staff console: server-rendered pages over the same services as the
// API, usable without any build step.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var consoleFuncs = template.FuncMap{
	"channelLabel": func(c kernel.Channel) string { return c.Label() },
	"isOpen":       func(st cases.Status) bool { return st.Open() },
	"day": func(v any) string {
		switch t := v.(type) {
		case *time.Time:
			if t != nil {
				return t.In(cases.ChinaTime).Format("2006-01-02")
			}
		case time.Time:
			return t.In(cases.ChinaTime).Format("2006-01-02")
		}
		return ""
	},
	"percent": func(x float64) string { return fmt.Sprintf("%.0f%%", x*100) },
	"decisionLabel": func(d string) string {
		return map[string]string{cases.DecisionNew: "新案件", cases.DecisionMerged: "自动并入（重复受理）",
			cases.DecisionRepeat: "重复信访", cases.DecisionGrouped: "群体性事项"}[d]
	},
	"linkLabel": func(k cases.LinkKind, dir string) string {
		switch {
		case k == cases.LinkRepeat && dir == "in":
			return "被重复反映"
		case k == cases.LinkRepeat:
			return "重复信访（前案）"
		case k == cases.LinkDuplicate:
			return "同一事项"
		}
		return "相关"
	},
	"linkStatus": func(st string) string {
		return map[string]string{cases.LinkSuggested: "待确认", cases.LinkConfirmed: "已确认", cases.LinkRejected: "已驳回"}[st]
	},
	"featureLabel": func(name string) string {
		return map[string]string{"id_number": "身份证号", "phone": "手机号", "name": "姓名", "name_sound": "姓名同音",
			"subject_sim": "标题相似", "text_sim": "内容相似", "shared_terms": "共同关键词", "address_sim": "地址相近",
			"respondent": "同一被反映人", "time_gap": "时间间隔", "same_channel": "同一渠道", "person_matters": "本人已有其他事项", "address_diff": "地点不同"}[name]
	},
	"undoable": func(e eventJSON) bool {
		switch e.Kind {
		case cases.EventMerged, cases.EventSplit:
			return true
		case cases.EventLinked:
			_, manual := e.Data["from"]
			return manual
		}
		return false
	},
	"datetime": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(cases.ChinaTime).Format("2006-01-02 15:04")
	},
	"partyRole": func(r cases.PartyRole) string {
		return map[cases.PartyRole]string{cases.RoleApplicant: "申请人", cases.RoleRespondent: "被申请人",
			cases.RoleRepresentative: "代理人"}[r]
	},
	"eventText": eventText,
	"fieldError": func(fields map[string]string, name string) template.HTML {
		if m := fields[name]; m != "" {
			return template.HTML(`<span class="field-error">` + template.HTMLEscapeString(m) + `</span>`)
		}
		return ""
	},
}

// eventText describes a timeline event in plain Chinese.
func eventText(e eventJSON) string {
	switch e.Kind {
	case cases.EventRegistered:
		if ch, ok := e.Data["channel"].(string); ok {
			return "登记受理（" + kernel.Channel(ch).Label() + "）"
		}
		return "登记受理"
	case cases.EventIntakeAdded:
		return "追加受理记录"
	case cases.EventTransition:
		return "将状态由“" + e.From.Label() + "”变更为“" + e.To.Label() + "”"
	case cases.EventPIIRevealed:
		return "查看了当事人完整个人信息"
	case cases.EventLinked:
		no, _ := e.Data["case_no"].(string)
		if st, ok := e.Data["status"].(string); ok && e.Data["from"] != nil {
			return "将关联状态改为“" + map[string]string{cases.LinkSuggested: "待确认", cases.LinkConfirmed: "已确认", cases.LinkRejected: "已驳回"}[st] + "”"
		}
		return "关联案件 " + no
	case cases.EventGrouped:
		return "归入群体性事项"
	case cases.EventMerged:
		into, _ := e.Data["into"].(string)
		from, _ := e.Data["from"].(string)
		return "将案件 " + from + " 并入案件 " + into
	case cases.EventSplit:
		into, _ := e.Data["into"].(string)
		return "拆分受理记录至新案件 " + into
	case cases.EventUndone:
		return "撤销了此前的操作"
	case cases.EventAssigned:
		if name, ok := e.Data["assignee"].(string); ok {
			return "交由 " + name + " 承办"
		}
		return "收回承办"
	case cases.EventNeedsMoreInfo:
		r, _ := e.Data["request"].(string)
		return "要求群众补充材料：" + r
	case cases.EventClockMissed: // the note names the clock and its due
		return "期限届满（超期）"
	case "clock_extended": // clocks.EventExtended; the note says by how much and why
		return "延长期限"
	case "document_generated": // documents.EventGenerated; the note names the document
		return "生成文书"
	case "document_failed": // documents.EventFailed; the note says why
		return "文书生成失败（将自动重试）"
	case cases.EventGroupWarning: // the note gives the people, county and growth
		return "群体性事件预警"
	case cases.EventEvaluated:
		r, _ := e.Data["rating"].(string)
		return "群众评价：" + cases.RatingLabel(r)
	case "return_visit": // visits: the note is the resident's words
		what := "回访"
		if e.Data["sample"] == true {
			what = "回访抽查"
		}
		if sat, ok := e.Data["satisfaction"].(string); ok {
			return what + "：" + sat
		}
		return what + "：未联系上群众"
	case "visit_sampled": // visits.EventSampled; the note names the visitor
		return "抽取为回访抽查案件"
	}
	return e.Kind
}

var pages = func() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(consoleFuncs).ParseFS(templateFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	for _, name := range []string{"login", "cases", "case", "intake", "error", "clusters", "reception", "caller", "users", "module", "home"} {
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
	}
	return out
}()

type page struct {
	Title         string
	User          *staff.User
	ScopeName     string
	CanRegister   bool
	CanTransition bool
	CanAssign     bool
	CanSchedule   bool
	Flash, Error  string
	Form          map[string]string
	Fields        map[string]string

	Cases          []caseJSON
	NextURL        string
	Case           *caseDetailJSON
	Statuses       []cases.Status
	Categories     []cases.Category
	Channels       []kernel.Channel
	IntakeChannels []kernel.Channel
	Regions        []kernel.Region
	Similar        []matchJSON
	Assignees      []assigneeOptionJSON
	Clusters       []cases.ClusterSummary
	Warnings       []groupwarn.Warning // 群体性事件预警 of the user's region
	Query          string
	Number         string // the calling number (来电查询)
	Script         string // the page's own script, loaded after console.js
	Intro          string // a module page's line under its title
	// Nav lists the module pages of the user's role; Panels the modules'
	// panels on a case page (modules.go).
	Nav    []navLink
	Panels []CasePanel
	// Documents is the case page's 文书 panel (documents_panel.go).
	Documents *documentsPanel
	// Home is the role's landing page (/console/).
	Home *homeData
}

func (s *Server) console(app *fiber.App) {
	static, _ := fs.Sub(staticFS, "static")
	app.Use("/static", pageHeaders)
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static), MaxAge: 3600}))
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/console/", fiber.StatusFound) })
	con := app.Group("/console", pageHeaders, s.sameOrigin)
	con.Get("/login", s.loginPage)
	con.Post("/login", s.loginLimiter(), s.loginSubmit)
	con.Post("/logout", s.logoutSubmit)
	auth := con.Group("", s.consoleAuth)
	auth.Get("/", s.home) // each role's home; a leader's is the dashboard
	auth.Get("/cases", s.casesPage)
	auth.Get("/cases/:no", s.casePage)
	auth.Post("/cases/:no/transition", s.transitionSubmit)
	auth.Get("/intake", s.intakePage)
	auth.Post("/intake", s.intakeSubmit)
	auth.Post("/cases/:no/links/:id", s.consoleAction)
	auth.Post("/cases/:no/split", s.consoleAction)
	auth.Post("/cases/:no/merge", s.consoleAction)
	auth.Post("/cases/:no/undo", s.consoleAction)
	auth.Post("/cases/:no/assign", s.consoleAction)
	auth.Post("/cases/:no/info-request", s.consoleAction)
	auth.Get("/clusters", s.clustersPage)
	auth.Get("/clusters/:id", s.clusterPage)
	auth.Get("/search", s.searchPage)
	// Pages of the channels: the page is a shell, its script drives the
	// channel's staff API with the session cookie.
	auth.Get("/reception", func(c *fiber.Ctx) error {
		return s.render(c, fiber.StatusOK, "reception", &page{Title: "领导接访", Script: "/static/reception.js"})
	})
	auth.Get("/users", s.usersPage)
	auth.Get("/caller", func(c *fiber.Ctx) error {
		return s.render(c, fiber.StatusOK, "caller", &page{Title: "来电查询", Number: c.Query("number"), Script: "/static/caller.js"})
	})
	s.modulePages(auth)
}

// consoleCSP allows the console's own scripts, styles and images only: no
// inline script (every page script is a file under /static), no framing.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// pageHeaders are the security headers of console pages and assets.
func pageHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, consoleCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	return c.Next()
}

// sameOrigin refuses cross-site form posts (the session cookie is also
// SameSite=Strict; this covers browsers that ignore it).
func (s *Server) sameOrigin(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodPost {
		return c.Next()
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		origin = c.Get(fiber.HeaderReferer)
	}
	if origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host != string(c.Request().Host()) {
			return kernel.Errorf(kernel.EForbidden, "拒绝跨站提交")
		}
	}
	return c.Next()
}

func (s *Server) consoleAuth(c *fiber.Ctx) error {
	u, err := s.Staff.Authenticate(c.UserContext(), c.Cookies(tokenCookie))
	if kernel.ErrorCode(err) == kernel.EUnauthorized {
		return c.Redirect("/console/login", fiber.StatusSeeOther)
	} else if err != nil {
		return err
	}
	c.Locals(userKey, u)
	return c.Next()
}

// render fills the common parts of a page and writes it.
func (s *Server) render(c *fiber.Ctx, status int, name string, p *page) error {
	if u := CurrentUser(c); u != nil {
		p.User = u
		a := u.Actor()
		p.CanRegister, p.CanTransition = a.Can(kernel.PermRegister), a.Can(kernel.PermTransition)
		p.CanAssign, p.CanSchedule = a.Can(kernel.PermAssign), a.Can(kernel.PermSchedule)
		p.Nav = s.moduleNav(u.Role)
		if p.Case != nil {
			p.Panels = s.casePanels(u.Role)
		}
		if r, err := s.Cases.LookupRegion(c.UserContext(), u.RegionCode); err == nil {
			p.ScopeName = r.Name
		}
	}
	if p.Flash == "" {
		p.Flash = c.Query("msg")
	}
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.Status(status).Send(buf.Bytes())
}

func (s *Server) loginPage(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "login", &page{Title: "登录"})
}

func (s *Server) loginSubmit(c *fiber.Ctx) error {
	username := c.FormValue("username")
	token, exp, _, err := s.Staff.LoginFrom(c.UserContext(), username, c.FormValue("password"), c.IP())
	if err != nil {
		code := kernel.ErrorCode(err)
		if code != kernel.EUnauthorized && code != kernel.ELocked && code != errTooManyRequests {
			return err
		}
		setRetryAfter(c, err)
		return s.render(c, statusOf[code], "login", &page{Title: "登录", Error: kernel.ErrorMessage(err),
			Form: map[string]string{"username": username}})
	}
	c.Cookie(&fiber.Cookie{Name: tokenCookie, Value: token, Path: "/", Expires: exp, HTTPOnly: true,
		Secure: s.secureCookie(c), SameSite: fiber.CookieSameSiteStrictMode})
	return c.Redirect("/console/", fiber.StatusSeeOther)
}

func (s *Server) logoutSubmit(c *fiber.Ctx) error {
	if tok := c.Cookies(tokenCookie); tok != "" {
		if err := s.Staff.Logout(c.UserContext(), tok); err != nil {
			return err
		}
	}
	c.ClearCookie(tokenCookie)
	return c.Redirect("/console/login", fiber.StatusSeeOther)
}

func (s *Server) casesPage(c *fiber.Ctx) error {
	form := map[string]string{}
	f := cases.CaseFilter{Limit: 50}
	for _, k := range []string{"status", "category", "channel", "overdue", "q", "assignee", "awaiting_info"} {
		form[k] = c.Query(k)
	}
	switch form["assignee"] {
	case "me":
		f.AssigneeID = CurrentUser(c).ID
	case "none":
		f.Unassigned = true
	}
	f.AwaitingInfo = form["awaiting_info"] == "true"
	if form["status"] != "" {
		f.Statuses = []cases.Status{cases.Status(form["status"])}
	}
	f.Category, f.Channel, f.Q = form["category"], kernel.Channel(form["channel"]), strings.TrimSpace(form["q"])
	if form["overdue"] == "true" {
		yes := true
		f.Overdue = &yes
	}
	if id, ok := decodeCursor(c.Query("cursor")); ok {
		f.BeforeID = id
	}
	title := "案件列表"
	if f.Overdue != nil {
		title = "超期案件"
	}
	p := &page{Title: title, Form: form, Statuses: cases.Statuses, Categories: cases.Categories, Channels: kernel.Channels}
	list, err := s.Cases.List(c.UserContext(), actor(c), f)
	if err != nil {
		if kernel.ErrorCode(err) != kernel.EInvalid {
			return err
		}
		p.Error = "筛选条件无效"
	}
	now := s.Now()
	for _, cs := range list {
		p.Cases = append(p.Cases, presentCase(cs, now))
	}
	if len(list) == f.Limit {
		q := url.Values{}
		for k, v := range form {
			if v != "" {
				q.Set(k, v)
			}
		}
		q.Set("cursor", encodeCursor(list[len(list)-1].ID))
		p.NextURL = "/console/cases?" + q.Encode()
	}
	return s.render(c, fiber.StatusOK, "cases", p)
}

func (s *Server) casePage(c *fiber.Ctx) error {
	p, err := s.casePageData(c, c.Params("no"))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "case", p)
}

// casePageData loads a case with its most similar cases (those not yet
// linked), for the case page.
func (s *Server) casePageData(c *fiber.Ctx, no string) (*page, error) {
	a := actor(c)
	cs, err := s.Cases.Get(c.UserContext(), a, no)
	if err != nil {
		return nil, err
	}
	d := presentCaseDetail(cs, s.Now())
	p := &page{Title: cs.Subject, Case: &d}
	p.Documents = s.caseDocumentsPanel(c, cs)
	if a.Can(kernel.PermAssign) && cs.Status.Open() {
		if p.Assignees, err = s.assigneeOptions(c.UserContext(), cs); err != nil {
			return nil, err
		}
	}
	sim, err := s.Cases.Similar(c.UserContext(), a, no)
	if err != nil {
		return nil, err
	}
	linked := map[string]bool{}
	for _, l := range cs.Links {
		linked[l.OtherCaseNo] = true
	}
	if p.Similar, err = s.reviewList(c.UserContext(), a, sim, linked); err != nil {
		return nil, err
	}
	return p, nil
}

// consoleAction runs a review action from the case page (link status,
// split, merge, undo) and shows the case again.
func (s *Server) consoleAction(c *fiber.Ctx) error {
	a, ctx, no := actor(c), c.UserContext(), c.Params("no")
	note := c.FormValue("note")
	var err error
	var msg, target = "", no
	switch path := c.Path(); {
	case strings.Contains(path, "/links/"):
		var id int64
		if id, err = strconv.ParseInt(c.Params("id"), 10, 64); err != nil {
			return kernel.Errorf(kernel.ENotFound, "关联不存在")
		}
		_, err = s.Cases.SetLinkStatus(ctx, a, no, id, c.FormValue("status"), note)
		msg = "关联状态已更新"
	case strings.HasSuffix(path, "/split"):
		var nc *cases.Case
		if nc, err = s.Cases.Split(ctx, a, no, c.FormValue("intake_ref"), note); err == nil {
			target, msg = nc.No, "已拆分为新案件 "+nc.No
		}
	case strings.HasSuffix(path, "/merge"):
		_, err = s.Cases.Merge(ctx, a, no, c.FormValue("from"), note)
		msg = "已将案件 " + c.FormValue("from") + " 并入本案"
	case strings.HasSuffix(path, "/assign"):
		var to *cases.Assignee
		if c.FormValue("claim") == "1" {
			u := CurrentUser(c)
			to = &cases.Assignee{UserID: u.ID, Name: a.Name, Role: u.Role, RegionCode: u.RegionCode, Disabled: u.Disabled}
			msg = "已认领本案"
		} else if to, err = s.assignee(ctx, strings.TrimSpace(c.FormValue("assignee"))); err == nil {
			msg = "已收回承办"
			if to != nil {
				msg = "已交由 " + to.Name + " 承办"
			}
		}
		if err == nil {
			_, err = s.Cases.Assign(ctx, a, no, to, note)
		}
	case strings.HasSuffix(path, "/info-request"):
		_, err = s.Cases.RequestInfo(ctx, a, no, c.FormValue("request"))
		msg = "已通知群众补充材料"
	case strings.HasSuffix(path, "/undo"):
		var id int64
		if id, err = strconv.ParseInt(c.FormValue("event_id"), 10, 64); err != nil {
			return kernel.FieldError("event_id", "事件编号无效")
		}
		_, err = s.Cases.Undo(ctx, a, no, id, note)
		msg = "已撤销"
	}
	if code := kernel.ErrorCode(err); code == kernel.EInvalid || code == kernel.EConflict {
		p, perr := s.casePageData(c, no)
		if perr != nil {
			return perr
		}
		p.Error = kernel.ErrorMessage(err)
		for _, m := range kernel.ErrorFields(err) {
			p.Error += "：" + m
		}
		return s.render(c, statusOf[code], "case", p)
	} else if err != nil {
		return err
	}
	return c.Redirect("/console/cases/"+target+"?msg="+url.QueryEscape(msg), fiber.StatusSeeOther)
}

func (s *Server) clustersPage(c *fiber.Ctx) error {
	cl, err := s.Cases.Clusters(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	// Largest and fastest-growing first: what leaders must see early.
	sort.SliceStable(cl, func(i, j int) bool {
		if cl[i].Last7Days != cl[j].Last7Days {
			return cl[i].Last7Days > cl[j].Last7Days
		}
		return cl[i].Cases > cl[j].Cases
	})
	warnings, err := s.groupWarnings(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "clusters", &page{Title: "群体性事项", Clusters: cl, Warnings: warnings})
}

func (s *Server) clusterPage(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return kernel.Errorf(kernel.ENotFound, "群体性事项不存在")
	}
	list, err := s.Cases.ClusterCases(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "cases", s.listPage(fmt.Sprintf("群体性事项 #%d", id), list))
}

func (s *Server) searchPage(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	if q == "" {
		return c.Redirect("/console/", fiber.StatusSeeOther)
	}
	list, err := s.Cases.Search(c.UserContext(), actor(c), q, 50)
	if err != nil {
		return err
	}
	p := s.listPage("搜索：“"+q+"”", list)
	p.Query = q
	return s.render(c, fiber.StatusOK, "cases", p)
}

// listPage is a case list page without filters' state.
func (s *Server) listPage(title string, list []*cases.Case) *page {
	p := &page{Title: title, Form: map[string]string{}, Statuses: cases.Statuses, Categories: cases.Categories, Channels: kernel.Channels}
	now := s.Now()
	for _, cs := range list {
		p.Cases = append(p.Cases, presentCase(cs, now))
	}
	return p
}

func (s *Server) transitionSubmit(c *fiber.Ctx) error {
	no := c.Params("no")
	_, err := s.Cases.Transition(c.UserContext(), actor(c), no, cases.Status(c.FormValue("to")), c.FormValue("note"))
	if err != nil && kernel.ErrorCode(err) != kernel.EInvalid {
		return err
	}
	cs, gerr := s.Cases.Get(c.UserContext(), actor(c), no)
	if gerr != nil {
		return gerr
	}
	d := presentCaseDetail(cs, s.Now())
	p := &page{Title: cs.Subject, Case: &d}
	if err != nil {
		p.Documents = s.caseDocumentsPanel(c, cs)
		p.Error = kernel.ErrorMessage(err)
		for _, m := range kernel.ErrorFields(err) {
			p.Error += "：" + m
		}
		return s.render(c, fiber.StatusBadRequest, "case", p)
	}
	return c.Redirect("/console/cases/"+no+"?msg="+url.QueryEscape("状态已更新为“"+cs.Status.Label()+"”"), fiber.StatusSeeOther)
}

// intakeChannels are those staff register for visitors and callers.
var intakeChannels = []kernel.Channel{kernel.ChannelWindow, kernel.ChannelHotline, kernel.ChannelVideo, kernel.ChannelWeb}

func (s *Server) intakeForm(c *fiber.Ctx, p *page) error {
	a := actor(c)
	// Villages are many; offer them only to users of a county or below.
	level := kernel.LevelVillage
	if kernel.RegionLevel(a.RegionCode) < kernel.LevelCounty {
		level = kernel.LevelTown
	}
	regions, err := s.Cases.RegionsInScope(c.UserContext(), a, level)
	if err != nil {
		return err
	}
	p.Title, p.Categories, p.IntakeChannels, p.Regions = "登记受理", cases.Categories, intakeChannels, regions
	return nil
}

func newFormKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "form-" + hex.EncodeToString(b)
}

func (s *Server) intakePage(c *fiber.Ctx) error {
	p := &page{Form: map[string]string{"channel": "window", "category": "other", "idempotency_key": newFormKey()}}
	// Prefilled from 来电查询: the call being registered.
	if ch := kernel.Channel(c.Query("channel")); slices.Contains(intakeChannels, ch) {
		p.Form["channel"] = string(ch)
	}
	if ph := strings.TrimSpace(c.Query("phone")); len(ph) <= 20 {
		p.Form["person_phone"] = ph
	}
	if err := s.intakeForm(c, p); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "intake", p)
}

func (s *Server) intakeSubmit(c *fiber.Ctx) error {
	form := map[string]string{}
	for _, k := range []string{"channel", "category", "subject", "content", "address", "region_code", "respondent", "idempotency_key"} {
		form[k] = c.FormValue(k)
	}
	for _, k := range []string{"name", "id_number", "phone"} {
		form["person_"+k] = strings.TrimSpace(c.FormValue("person." + k))
	}
	req := intakeRequest{
		Channel: form["channel"], Category: form["category"], Subject: form["subject"], Content: form["content"],
		Address: form["address"], RegionCode: strings.TrimSpace(form["region_code"]),
		Person: PersonRequest{Name: form["person_name"], IDNumber: form["person_id_number"], Phone: form["person_phone"]},
	}
	if r := strings.TrimSpace(form["respondent"]); r != "" {
		req.Respondent = &RespondentRequest{Name: r}
	}
	reg, _, err := s.registerIntake(c, &req, c.Body(), form["idempotency_key"])
	if err != nil {
		if kernel.ErrorCode(err) != kernel.EInvalid && kernel.ErrorCode(err) != kernel.EConflict {
			return err
		}
		p := &page{Form: form, Fields: kernel.ErrorFields(err), Error: kernel.ErrorMessage(err)}
		if ferr := s.intakeForm(c, p); ferr != nil {
			return ferr
		}
		return s.render(c, fiber.StatusBadRequest, "intake", p)
	}
	return c.Redirect("/console/cases/"+reg.Case.No+"?msg="+url.QueryEscape(registeredMessage(reg)), fiber.StatusSeeOther)
}

// homeData is a role's landing page: links, the caller lookup, and
// sections the page's script (home.js) fills from the JSON API — case
// lists through GET /api/v1/cases with the list's own filters, and the
// modules' lists (mediations, spot checks, users, units).
type homeData struct {
	Role   kernel.Role
	Today  string // China date of now (the server's clock)
	Intake string // the registration form, for those who register
	Caller bool   // the caller lookup (来电查询)
	// Draw is the form drawing a spot-check sample (回访抽查), with its
	// defaults: the user's region and last month.
	Draw     *sampleDraw
	Sections []homeSection
}

type sampleDraw struct{ Region, From, To string }

// homeSection is one list on a home page.
type homeSection struct {
	ID, Title string
	// Kind is what the script renders: cases | mediations | samples |
	// users | units.
	Kind string
	API  string // path under /api/v1
	Sort string // "due": the nearest due first
	More string // the full list in the console
	Hint string
	// Optional sections hide when their module is not mounted (404).
	Optional bool
}

func (s *Server) hasPage(path string) bool {
	for _, mp := range s.Pages {
		if mp.Path == path {
			return true
		}
	}
	return false
}

// hasRoute reports whether a module mounted the route on app.
func hasRoute(app *fiber.App, method, path string) bool {
	for _, r := range app.GetRoutes(true) {
		if r.Method == method && r.Path == path {
			return true
		}
	}
	return false
}

func (s *Server) hasListFilter(param string) bool {
	for _, lf := range s.ListFilters {
		if lf.Param == param {
			return true
		}
	}
	return false
}

// openStatuses are the statuses of cases still being handled.
const openStatuses = "registered,accepted,in_progress,suspended"

// home is each role's landing page after login: the window clerk's
// registrations of today and the registration form; the hotline agent's
// caller lookup and today's hotline work orders; the mediator's cases by
// clock, requests awaiting the resident and mediations; the supervisor's
// overdue, soon-due and unassigned cases and 督办; the admin's users and
// units. A leader lands on the dashboard (领导驾驶舱) when the statistics
// module added it. The case list is /console/cases.
func (s *Server) home(c *fiber.Ctx) error {
	u := CurrentUser(c)
	if u.Role == kernel.RoleLeader && s.hasPage("/dashboard") {
		return c.Redirect("/console/dashboard", fiber.StatusSeeOther)
	}
	today := s.Now().In(cases.ChinaTime).Format("2006-01-02")
	h := &homeData{Role: u.Role, Today: today}
	a := u.Actor()
	if a.Can(kernel.PermRegister) {
		h.Intake = "/console/intake"
	}
	mine := homeSection{ID: "mine", Title: "我承办的案件（按期限）", Kind: "cases", Sort: "due",
		API: "/cases?assignee=me&status=" + openStatuses + "&limit=100", More: "/console/cases?assignee=me"}
	awaiting := homeSection{ID: "awaiting", Title: "待群众补充材料", Kind: "cases",
		API: "/cases?assignee=me&awaiting_info=true&limit=50", More: "/console/cases?assignee=me&awaiting_info=true",
		Hint: "已要求群众补充材料、尚未补齐的我承办的案件"}
	samples := homeSection{ID: "samples", Title: "我的回访抽查", Kind: "samples", API: "/visits/samples?done=false",
		Optional: true, Hint: "交由我独立回访的已办结案件（不是我承办的），点“登记回访”记录结果"}
	switch u.Role {
	case kernel.RoleWindowClerk:
		h.Intake = "/console/intake?channel=window"
		h.Sections = []homeSection{
			{ID: "today", Title: "今日登记", Kind: "cases", API: "/cases?created_from=" + today + "&limit=100",
				Hint: "本辖区今天登记的案件（" + today + "）"},
			mine, samples}
	case kernel.RoleHotlineAgent:
		h.Intake, h.Caller = "/console/intake?channel=hotline", true
		h.Sections = []homeSection{
			{ID: "today", Title: "今日工单（热线）", Kind: "cases", API: "/cases?channel=hotline&created_from=" + today + "&limit=100",
				More: "/console/cases?channel=hotline", Hint: "今天经热线登记的案件（" + today + "）"}}
	case kernel.RoleMediator:
		h.Sections = []homeSection{mine, awaiting}
		if s.hasPage("/mediator") {
			h.Sections = append(h.Sections, homeSection{ID: "mediations", Title: "我的调解", Kind: "mediations",
				API: "/mediations/mine", More: "/console/mediator", Optional: true})
		}
		h.Sections = append(h.Sections, samples)
	case kernel.RoleAdmin:
		h.Sections = []homeSection{
			{ID: "users", Title: "用户", Kind: "users", API: "/users", More: "/console/users"},
			{ID: "units", Title: "机构（单位）", Kind: "units", API: "/units", Optional: true}}
	default: // supervisor; a leader without the dashboard
		h.Sections = []homeSection{
			{ID: "overdue", Title: "超期案件", Kind: "cases", Sort: "due", API: "/cases?overdue=true&limit=100",
				More: "/console/cases?overdue=true"},
			{ID: "due-soon", Title: "即将到期（3日内）", Kind: "cases", Sort: "due", API: "/cases?due_within=3d&limit=100",
				Hint: "办理期限在3天内届满、尚未超期的案件"},
			{ID: "unassigned", Title: "未分派案件", Kind: "cases", API: "/cases?assignee=none&status=registered,accepted,in_progress&limit=100",
				More: "/console/cases?assignee=none"}}
		if s.hasListFilter("supervised") {
			h.Sections = append(h.Sections, homeSection{ID: "supervised", Title: "督办案件", Kind: "cases", Sort: "due",
				API: "/cases?supervised=true&limit=100", Hint: "督办待反馈、挂牌督办或已上报上级的信访事项"})
		}
		if a.Can(kernel.PermTransition) {
			h.Sections = append(h.Sections, samples)
		}
		if a.Can(kernel.PermAssign) && hasRoute(c.App(), fiber.MethodPost, "/api/v1/visits/samples") {
			now := s.Now().In(cases.ChinaTime)
			first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, cases.ChinaTime)
			h.Draw = &sampleDraw{Region: u.RegionCode, From: first.AddDate(0, -1, 0).Format("2006-01-02"),
				To: first.AddDate(0, 0, -1).Format("2006-01-02")}
		}
	}
	return s.render(c, fiber.StatusOK, "home", &page{Title: "我的工作台", Home: h, Script: "/static/home.js"})
}

package demo

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// scene is one matter at one place and time, from which the texts of one
// or more intakes and the notes on their cases are written. Random values
// in templates are remembered by their token, so "{money:8000-45000}" in a
// complaint and in the agreement that settles it are the same amount.
type scene struct {
	g     *gen
	place *place
	at    time.Time
	m     *matter
	cat   *category
	spot  string // 三组, 金州花园5号楼2单元
	me    string // the resident's name
	resp  string // respondent; built on first use
	third string // "" for the resident's own words, else 来电人/来访人
	prior time.Time
	memo  map[string]string
	// The templates chosen by the first telling, kept for a retelling.
	fact    string
	details []string
}

func newScene(g *gen, pl *place, at time.Time, m *matter, cat *category) *scene {
	sc := &scene{g: g, place: pl, at: at, m: m, cat: cat, memo: map[string]string{}}
	sc.spot = sc.makeSpot()
	return sc
}

// again is the same matter told again at a later time: same place,
// respondent, amounts and dates.
func (sc *scene) again(at time.Time) *scene {
	c := *sc
	c.at = at
	c.details = append([]string(nil), sc.details...)
	c.memo = make(map[string]string, len(sc.memo))
	for k, v := range sc.memo {
		c.memo[k] = v
	}
	return &c
}

var estates = strings.Fields("金州花园 阳光小区 锦绣家园 滨江佳苑 香溪御景 兴安嘉园 凤凰城 书香苑 江南名居 幸福里小区 " +
	"城市花园 汉江明珠 学府佳苑 移民安置小区 翠屏小区 康居苑")

var groupNumerals = strings.Fields("一 二 三 四 五 六 七 八 九 十 十一 十二")

func (sc *scene) makeSpot() string {
	g := sc.g
	switch {
	case sc.place.urban:
		return g.pick(estates) + itoa(g.between(1, 16)) + "号楼" + itoa(g.between(1, 4)) + "单元"
	case sc.place.town4:
		return "集镇" + g.pick([]string{"老街", "新街", "十字街", "河街"})
	}
	return g.pick(groupNumerals[:g.between(4, 12)]) + "组"
}

// address is where the matter is, for the intake's address field.
func (sc *scene) address() string {
	return sc.place.county + sc.home()
}

func (sc *scene) home() string {
	if sc.place.town4 {
		return sc.place.town + sc.spot
	}
	return sc.place.town + sc.place.name + sc.spot
}

func (sc *scene) townGov() string {
	if strings.HasSuffix(sc.place.town, "街道") {
		return sc.place.town + "办事处"
	}
	return sc.place.town + "人民政府"
}

// respName returns the respondent, making it on first use.
func (sc *scene) respName() string {
	if sc.resp != "" || sc.m.resp == "" {
		return sc.resp
	}
	g := sc.g
	kind, arg, _ := strings.Cut(sc.m.resp, ":")
	switch kind {
	case "person":
		switch n := g.intn(10); {
		case n < 7:
			sc.resp = g.surname() + "某"
		case n < 9:
			sc.resp = g.surname() + "某某"
		default:
			sc.resp = g.surname() + g.given(g.chance(0.3), g.between(1960, 1990))
		}
	case "kin": // a relative: same surname as the resident
		if sc.me == "" {
			return ""
		}
		sc.resp = string([]rune(sc.me)[:1]) + "某"
	case "org":
		sc.resp = g.org(arg, sc.place.county)
	case "town":
		sc.resp = sc.townGov()
	case "village":
		switch {
		case sc.place.town4:
			sc.resp = sc.townGov()
		case sc.place.urban:
			sc.resp = sc.place.name + "居委会"
		default:
			sc.resp = sc.place.name + "村委会"
		}
	case "county":
		sc.resp = sc.place.county + arg
	case "police":
		sc.resp = strings.TrimSuffix(strings.TrimSuffix(sc.place.town, "街道"), "镇") + "派出所"
	default:
		panic("demo: unknown respondent kind " + sc.m.resp)
	}
	return sc.resp
}

func (sc *scene) respKind() cases.PartyKind {
	if k, _, _ := strings.Cut(sc.m.resp, ":"); k == "person" || k == "kin" {
		return cases.KindPerson
	}
	return cases.KindOrganisation
}

// compose writes the subject and content of an intake through a channel:
// the resident's own words on the web, WeChat and some window visits, the
// call-taker's or receptionist's record otherwise.
func (sc *scene) compose(ch kernel.Channel) (subject, content string) {
	g := sc.g
	m := sc.m
	sc.third = ""
	switch ch {
	case kernel.ChannelHotline:
		sc.third = "来电人"
	case kernel.ChannelVideo:
		sc.third = "来访人"
	case kernel.ChannelWindow:
		if g.chance(0.5) {
			sc.third = "来访人"
		}
	}
	subject = sc.expand(g.pick(m.subjects))

	var parts []string
	switch {
	case ch == kernel.ChannelHotline:
		parts = append(parts, sc.expand(g.pick([]string{
			"来电人反映：其家住{county}{home}。",
			"来电人反映，其系{where}{resident}。",
			"来电人称，其家住{county}{home}。"})))
	case ch == kernel.ChannelVideo:
		parts = append(parts, sc.expand("来访人{me}通过视频接访反映：其系{where}{resident}，家住{spot}。"))
	case sc.third != "":
		parts = append(parts, sc.expand(g.pick([]string{
			"来访人{me}到窗口反映：其系{where}{resident}，家住{spot}。",
			"来访人{me}反映，其家住{county}{home}。"})))
	default:
		if ch == kernel.ChannelWeb {
			parts = append(parts, "尊敬的领导：您好！")
		}
		if ch != kernel.ChannelWeChat || g.chance(0.6) {
			parts = append(parts, sc.expand(g.pick([]string{
				"我是{where}{resident}{me}，家住{spot}。",
				"我叫{me}，家住{county}{home}。"})))
		}
	}
	if !sc.prior.IsZero() {
		parts = append(parts, sc.expand("其已于{prior}向{county}{pick:综治中心|矛调中心|群众来访接待大厅}反映过此事，至今问题仍未解决，故再次来电。"))
	}
	if sc.fact == "" {
		sc.fact = g.pick(m.facts)
		nd := 0
		if len(m.details) > 0 {
			nd = g.between(0, min(2, len(m.details)))
			if ch == kernel.ChannelHotline || ch == kernel.ChannelWeChat {
				nd = min(nd, 1)
			}
		}
		for _, i := range g.r.Perm(len(m.details))[:nd] {
			sc.details = append(sc.details, m.details[i])
		}
	}
	parts = append(parts, sc.expand(sc.fact))
	for _, d := range sc.details {
		parts = append(parts, sc.expand(d))
	}
	parts = append(parts, sc.expand(g.pick(m.asks)))
	switch ch {
	case kernel.ChannelWeb:
		parts = append(parts, g.pick([]string{"恳请领导重视，盼复。", "望领导在百忙之中给予解决，谢谢！"}))
	case kernel.ChannelWeChat:
		if g.chance(0.4) {
			parts = append(parts, "谢谢！")
		}
	case kernel.ChannelHotline:
		if g.chance(0.5) {
			parts = append(parts, g.pick([]string{"请相关部门核实处理。", "来电人要求回复处理结果。"}))
		}
	}
	return subject, strings.Join(parts, "")
}

// note picks a note template (from special most of the time, if given) and
// fills it in. Templates naming the respondent are skipped when there is
// none.
func (sc *scene) note(list, special []string) string {
	if len(special) > 0 && sc.g.chance(0.6) {
		list = special
	}
	hasResp := sc.respName() != ""
	var ok []string
	for _, t := range list {
		if hasResp || !strings.Contains(t, "{resp}") {
			ok = append(ok, t)
		}
	}
	if len(ok) == 0 {
		return ""
	}
	sc.third = ""
	return sc.expand(sc.g.pick(ok))
}

var tokenRE = regexp.MustCompile(`\{([^{}]+)\}`)

func (sc *scene) expand(t string) string {
	s := tokenRE.ReplaceAllStringFunc(t, func(tok string) string { return sc.value(tok[1 : len(tok)-1]) })
	if sc.third != "" {
		s = strings.ReplaceAll(s, "其的", "其") // 我的权益 → 其权益
	}
	return s
}

func (sc *scene) value(key string) string {
	p := sc.place
	switch key {
	case "我":
		if sc.third != "" {
			return "其"
		}
		return "我"
	case "我们":
		if sc.third != "" {
			return "他们"
		}
		return "我们"
	case "诉":
		return sc.third
	case "me":
		return sc.me
	case "place":
		if p.town4 {
			return p.town
		}
		return p.name
	case "town":
		return p.town
	case "towngov":
		return sc.townGov()
	case "county":
		return p.county
	case "countyshort":
		return shortCounty(p.county)
	case "spot":
		return sc.spot
	case "home":
		return sc.home()
	case "where":
		if p.town4 {
			return p.county + p.town
		}
		return p.county + p.town + p.name
	case "resident":
		switch {
		case p.town4:
			return "群众"
		case p.urban:
			return "居民"
		}
		return "村民"
	case "resp":
		return sc.respName()
	case "dept":
		return sc.expand(sc.cat.dept)
	case "mediator":
		return StaffName(p.code, kernel.RoleMediator)
	case "prior":
		return sc.prior.In(cases.ChinaTime).Format("1月2日")
	}
	if v, ok := sc.memo[key]; ok {
		return v
	}
	v := sc.random(key)
	sc.memo[key] = v
	return v
}

func bounds(arg string) (int, int) {
	a, b, ok := strings.Cut(arg, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || hi < lo {
		panic("demo: bad range " + arg)
	}
	return lo, hi
}

// random draws the value of a remembered token.
func (sc *scene) random(key string) string {
	g := sc.g
	name, arg, _ := strings.Cut(key, ":")
	at := sc.at.In(cases.ChinaTime)
	switch name {
	case "money":
		return money(g.between(bounds(arg)))
	case "num":
		return itoa(g.between(bounds(arg)))
	case "pick":
		return g.pick(strings.Split(arg, "|"))
	case "day": // a date some days before the intake
		return at.AddDate(0, 0, -g.between(bounds(arg))).Format("1月2日")
	case "month": // a month some months before the intake
		t := time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, cases.ChinaTime).AddDate(0, -g.between(bounds(arg)), 0)
		return relYear(t.Year(), at.Year()) + fmt.Sprintf("%d月", t.Month())
	case "year": // a year some years before the intake
		return relYear(at.Year()-g.between(bounds(arg)), at.Year())
	}
	if strings.HasPrefix(name, "sur") {
		return g.surname()
	}
	panic("demo: unknown token " + key)
}

func relYear(y, now int) string {
	switch now - y {
	case 0:
		return "今年"
	case 1:
		return "去年"
	case 2:
		return "前年"
	}
	return itoa(y) + "年"
}

// money writes an amount the way people say it: 2600元, 3.85万元.
func money(v int) string {
	switch {
	case v >= 10000:
		v = (v + 50) / 100 * 100
		s := strconv.FormatFloat(float64(v)/10000, 'f', -1, 64)
		return s + "万元"
	case v >= 1000:
		return itoa((v+50)/100*100) + "元"
	}
	return itoa((v+5)/10*10) + "元"
}

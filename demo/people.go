package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// gen wraps the random source with the choices the tables need.
type gen struct{ r *rand.Rand }

func (g *gen) intn(n int) int            { return g.r.IntN(n) }
func (g *gen) float() float64            { return g.r.Float64() }
func (g *gen) chance(p float64) bool     { return g.r.Float64() < p }
func (g *gen) between(lo, hi int) int    { return lo + g.r.IntN(hi-lo+1) }
func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

type weighted[T any] struct {
	v T
	w int
}

func pickWeighted[T any](g *gen, list []weighted[T]) T {
	total := 0
	for _, x := range list {
		total += x.w
	}
	n := g.intn(total)
	for _, x := range list {
		if n < x.w {
			return x.v
		}
		n -= x.w
	}
	panic("empty weights")
}

func itoa(n int) string { return strconv.Itoa(n) }

// Surnames, weighted towards those common in southern Shaanxi (汪, 柯, 鲁
// are typical of 安康).
var surnames = []weighted[string]{
	{"陈", 8}, {"王", 8}, {"李", 7}, {"张", 7}, {"刘", 6}, {"杨", 5}, {"吴", 4}, {"汪", 4},
	{"周", 4}, {"胡", 3}, {"徐", 3}, {"何", 3}, {"黄", 3}, {"罗", 3}, {"余", 3}, {"程", 2},
	{"冯", 2}, {"邓", 2}, {"鲁", 2}, {"柯", 2}, {"赵", 2}, {"谢", 2}, {"唐", 2}, {"沈", 2},
	{"肖", 2}, {"曹", 2}, {"田", 2}, {"朱", 2}, {"贺", 1}, {"付", 1}, {"袁", 1}, {"廖", 1},
	{"邹", 1}, {"彭", 1}, {"郑", 1}, {"魏", 1}, {"蒋", 1}, {"龚", 1}, {"熊", 1}, {"向", 1},
	{"蔡", 1}, {"任", 1}, {"姚", 1}, {"万", 1}, {"石", 1}, {"雷", 1}, {"钟", 1}, {"宋", 1},
	{"孙", 1}, {"马", 1}, {"郭", 1}, {"储", 1}, {"覃", 1}, {"屈", 1},
}

// Given names by sex and generation.
var givenNames = map[bool][3][]string{
	false: { // male
		{"建国", "建华", "建军", "国强", "国华", "志强", "志明", "德明", "德贵", "德林", "明华", "永福", "永贵",
			"长林", "长富", "春生", "家富", "文华", "玉山", "成林", "顺民", "宝林", "金山", "有才", "先华",
			"正富", "光明", "学军", "海", "军", "勇", "平", "林", "华", "刚", "忠", "贵"},
		{"伟", "军", "磊", "涛", "勇", "杰", "斌", "鹏", "超", "刚", "辉", "明", "强", "波", "洪涛", "海波",
			"建伟", "俊", "红军", "小军", "文斌", "晓东", "海龙", "志勇", "国庆", "卫东", "永强", "新华", "亮", "峰"},
		{"浩", "宇", "杰", "鑫", "磊", "帅", "阳", "龙", "健", "博", "浩然", "子豪", "俊杰", "宇航", "明轩",
			"家乐", "文博", "鹏飞", "嘉豪", "志豪", "一鸣", "思远"},
	},
	true: { // female
		{"秀英", "桂兰", "玉兰", "秀兰", "桂英", "凤英", "秀珍", "玉珍", "素芳", "翠兰", "春梅", "冬梅", "金凤",
			"玉梅", "淑华", "兰芳", "菊花", "桂芳", "秀芳", "芳", "英", "兰", "梅", "琴", "翠花", "德芳"},
		{"丽", "娟", "静", "敏", "燕", "艳", "霞", "芳", "红", "玲", "丽娟", "晓燕", "红梅", "小燕", "海燕",
			"春燕", "雪梅", "晓丽", "丽华", "慧", "萍", "琳", "莉", "婷", "小红", "利平"},
		{"婷", "雪", "倩", "欣", "悦", "佳", "静怡", "欣怡", "梦瑶", "佳怡", "雨欣", "思雨", "婉婷", "晓雪",
			"慧敏", "诗雨", "梦婷", "甜", "可欣", "佳琪"},
	},
}

func (g *gen) surname() string { return pickWeighted(g, surnames) }

func (g *gen) given(female bool, born int) string {
	era := 0
	switch {
	case born >= 1990:
		era = 2
	case born >= 1970:
		era = 1
	}
	return g.pick(givenNames[female][era])
}

// mobilePrefixes are mainland mobile number blocks.
var mobilePrefixes = strings.Fields("130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 " +
	"166 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 198 199")

func mobile(g *gen) string {
	return g.pick(mobilePrefixes) + fmt.Sprintf("%08d", g.intn(100000000))
}

// idNumber makes an 18-digit resident ID number that passes the checksum:
// the county's area code, a birth date in the year, a sequence whose last
// digit is odd for men and even for women, and the check character.
func idNumber(g *gen, county string, year int, female bool) string {
	month := g.between(1, 12)
	day := g.between(1, 28)
	last := g.intn(5) * 2
	if !female {
		last++
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%02d%d", county, year, month, day, g.intn(100), last)
	return first17 + string(kernel.IDCheckChar(first17))
}

// newPerson makes the resident behind an intake. Desk channels nearly
// always record an ID number; callers and WeChat users rarely give one.
// Everyone has a name and at least a phone or an ID number.
func newPerson(g *gen, geo *geography, pl *place, m *matter, ch kernel.Channel) cases.Person {
	female := g.chance(0.45)
	switch m.sex {
	case 'F':
		female = true
	case 'M':
		female = false
	}
	lo, hi := 1950, 2003
	if m.born[0] != 0 {
		lo, hi = m.born[0], m.born[1]
	} else if g.chance(0.7) {
		lo, hi = 1958, 1992
	}
	born := g.between(lo, hi)
	p := cases.Person{Name: g.surname() + g.given(female, born)}
	idRate := map[kernel.Channel]float64{kernel.ChannelWindow: 0.95, kernel.ChannelVideo: 0.85,
		kernel.ChannelWeb: 0.6, kernel.ChannelWeChat: 0.3, kernel.ChannelHotline: 0.15}[ch]
	if g.chance(idRate) {
		county := kernel.CountyCode(pl.code)
		if g.chance(0.1) {
			county = geo.counties[g.intn(len(geo.counties))].code[:6]
		}
		p.IDNumber = idNumber(g, county, born, female)
	}
	if p.IDNumber == "" || ch != kernel.ChannelWindow || g.chance(0.85) {
		p.Phone = mobile(g)
	}
	return p
}

// Organisation names: invented trade names on common business forms.
var tradeNames = strings.Fields("鑫源 兴达 宏盛 恒通 金州 秦巴 汉江 瀛湖 安泰 华晟 永丰 盛达 康源 富硒源 博远 " +
	"顺和 瑞丰 众鑫 天成 佳和 德润 安居 和美 锦绣 凤凰 龙腾 新月 晨光 嘉禾 润泽")

var orgForms = map[string][]string{
	"mixer":      {"商砼有限公司", "混凝土有限公司", "新型建材有限公司"},
	"quarry":     {"砂石厂", "石料加工厂", "建材厂"},
	"property":   {"物业服务有限公司", "物业管理有限公司"},
	"builder":    {"建筑劳务有限公司", "建筑工程有限公司", "建设工程有限公司"},
	"developer":  {"房地产开发有限公司", "置业有限公司"},
	"factory":    {"毛绒玩具有限公司", "新型建材有限公司", "富硒食品有限公司", "服饰有限公司", "电子科技有限公司", "包装制品厂"},
	"shop":       {"商贸有限公司", "购物广场", "超市"},
	"hospital":   {"医院", "中医医院", "仁爱医院"},
	"clinic":     {"诊所", "中西医结合诊所", "社区卫生服务站"},
	"insurer":    {"财产保险股份有限公司安康中心支公司"},
	"coop":       {"茶叶专业合作社", "农业开发有限公司", "魔芋种植专业合作社"},
	"farm":       {"生态养殖场", "生猪养殖专业合作社", "养殖有限公司"},
	"restaurant": {"烧烤", "饭庄", "火锅店", "农家乐"},
	"gym":        {"健身会所", "健身中心", "游泳健身馆"},
	"seed":       {"农资经营部", "种业门市部", "农资超市"},
	"travel":     {"旅行社有限公司", "国际旅行社有限公司"},
	"school":     {"教育培训学校", "艺术培训中心", "教育咨询有限公司"},
	"appliance":  {"家电商场", "电器城", "家电专卖店"},
	"decor":      {"装饰工程有限公司", "装饰设计工程部"},
	"tea":        {"茶业有限公司", "茶厂", "富硒茶业有限公司"},
}

func (g *gen) org(kind string, county string) string {
	forms, ok := orgForms[kind]
	if !ok {
		panic("demo: unknown organisation kind " + kind)
	}
	name := g.pick(tradeNames) + g.pick(forms)
	if kind == "insurer" {
		return name
	}
	switch n := g.intn(10); {
	case n < 5:
		return "安康" + name
	case n < 8:
		return shortCounty(county) + name
	}
	return name
}

// shortCounty drops the 区/县/市 suffix: 汉滨区 → 汉滨.
func shortCounty(name string) string {
	r := []rune(name)
	if len(r) > 2 {
		return string(r[:len(r)-1])
	}
	return name
}

// geography is the 安康市 part of the region list, indexed for picking.
type geography struct {
	counties []*county
	byCode   map[string]*county
}

type county struct {
	code, name   string
	weight       int
	towns        []*place
	urban, rural []*place
}

// place is a village, community or town where a matter arises.
type place struct {
	code   string
	name   string // short: 屈家河村, 西大街社区, 五里镇
	town   string // 老城街道
	county string // 汉滨区
	urban  bool
	town4  bool // the region is the town itself
}

// countyWeights spread the cases roughly by population.
var countyWeights = map[string]int{
	"610902": 30, "610981": 14, "610924": 9, "610921": 8, "610926": 8,
	"610929": 7, "610922": 7, "610925": 7, "610923": 4, "610927": 3,
}

const (
	anywhere = iota
	urban
	rural
)

func newGeography(regions []kernel.Region) *geography {
	rs := make([]kernel.Region, 0, 2500)
	for _, r := range regions {
		if strings.HasPrefix(r.Code, CityCode) && r.Level >= kernel.LevelCounty && r.Level <= kernel.LevelVillage {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b kernel.Region) int { return strings.Compare(a.Code, b.Code) })
	geo := &geography{byCode: map[string]*county{}}
	towns := map[string]*place{}
	for _, r := range rs {
		switch r.Level {
		case kernel.LevelCounty:
			w := countyWeights[r.Code[:6]]
			if w == 0 {
				w = 3
			}
			c := &county{code: r.Code, name: r.Name, weight: w}
			geo.counties = append(geo.counties, c)
			geo.byCode[r.Code[:6]] = c
		case kernel.LevelTown:
			c := geo.byCode[r.Code[:6]]
			if c == nil {
				continue
			}
			t := &place{code: r.Code, name: r.Name, town: r.Name, county: c.name, town4: true,
				urban: strings.HasSuffix(r.Name, "街道")}
			c.towns = append(c.towns, t)
			towns[r.Code[:9]] = t
		case kernel.LevelVillage:
			c, t := geo.byCode[r.Code[:6]], towns[r.Code[:9]]
			if c == nil || t == nil {
				continue
			}
			p := &place{code: r.Code, town: t.name, county: c.name}
			name, _, _ := strings.Cut(r.Name, "（")
			switch {
			case strings.Contains(name, "村委会"):
				p.name = name[:strings.Index(name, "村委会")] + "村"
			case strings.Contains(name, "社区居委会"):
				p.name = name[:strings.Index(name, "社区居委会")] + "社区"
				p.urban = true
			case strings.Contains(name, "居委会"):
				p.name = name[:strings.Index(name, "居委会")] + "社区"
				p.urban = true
			default:
				p.name = name
			}
			if p.urban {
				c.urban = append(c.urban, p)
			} else {
				c.rural = append(c.rural, p)
			}
		}
	}
	// Keep counties that have somewhere to place a case.
	geo.counties = slices.DeleteFunc(geo.counties, func(c *county) bool {
		return len(c.urban)+len(c.rural) == 0 && len(c.towns) == 0
	})
	if len(geo.counties) == 0 {
		return nil
	}
	return geo
}

// place picks a county by weight, then a village or community of the wanted
// kind (or, with townLevel, a town).
func (geo *geography) place(g *gen, where int, townLevel bool) *place {
	ws := make([]weighted[*county], len(geo.counties))
	for i, c := range geo.counties {
		ws[i] = weighted[*county]{c, c.weight}
	}
	c := pickWeighted(g, ws)
	if townLevel && len(c.towns) > 0 {
		return c.towns[g.intn(len(c.towns))]
	}
	return geo.village(g, c.code[:6], where)
}

// village picks a village (rural) or community (urban) of a county, falling
// back to whatever it has.
func (geo *geography) village(g *gen, countyCode string, where int) *place {
	c := geo.byCode[countyCode]
	if c == nil {
		c = geo.counties[g.intn(len(geo.counties))]
	}
	if where == anywhere {
		where = rural
		if g.chance(0.35) {
			where = urban
		}
	}
	list := c.rural
	if where == urban {
		list = c.urban
	}
	if len(list) == 0 {
		list = append(append([]*place{}, c.rural...), c.urban...)
	}
	if len(list) == 0 {
		return c.towns[g.intn(len(c.towns))]
	}
	return list[g.intn(len(list))]
}

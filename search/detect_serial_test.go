package search_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/search"
)

// A resident who raises one matter after another, every one opening the
// same way: each new matter gets its own case, while a true duplicate of
// one of them (a hotline retelling) still joins that matter's case.
func TestSerialPetitionerSameOpening(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		// The city's other suggestions open the same way, so the index
		// knows the opening is common.
		for i := range 40 {
			words := make([]rune, 6)
			for k := range words {
				words[k] = rune(0x5000 + i*6 + k)
			}
			e.register(t, fmt.Sprintf("市民%d", i), fmt.Sprintf("1370000%04d", i), "wechat",
				"请加快A市"+string(words)+"建设力度", "请加快A市"+string(words)+"建设力度，希望有关部门重视。")
			e.clock = e.clock.Add(time.Hour)
		}
		// Different matters that share only their opening.
		places := [][2]string{
			{"芙蓉路口人行天桥", "芙蓉路口车流量大，老人小孩过马路非常危险，去年还出过交通事故。"},
			{"星沙大道公交站台", "星沙大道东段站台没有遮雨棚，下雨天等车的乘客只能淋雨。"},
			{"梅溪湖公园停车场", "周末游客很多，车辆乱停在绿化带上，草坪都被压坏了。"},
			{"河西渡口码头", "渡口码头台阶破损，涨水时积满淤泥，过河的村民经常滑倒。"},
			{"东塘菜市场消防通道", "菜市场摊贩占用消防通道堆放货物，一旦失火后果不堪设想。"},
		}
		seen := map[string]bool{}
		var first *cases.Registration
		for i, p := range places {
			reg := e.register(t, "张伟", "13912345678", "wechat", "请加快A市"+p[0]+"建设力度", "请加快A市"+p[0]+"建设力度。"+p[1])
			if reg.Decision != cases.DecisionNew || seen[reg.Case.No] {
				for _, r := range reg.Related {
					t.Logf("%+v", r.Reasons)
				}
				t.Fatalf("matter %d (%s): %s into %s", i, p[0], reg.Decision, reg.Case.No)
			}
			seen[reg.Case.No] = true
			if i == 0 {
				first = reg
			}
			e.clock = e.clock.Add(5 * 24 * time.Hour)
		}
		dup := e.register(t, "张伟", "13912345678", "hotline", "请加快A市芙蓉路口人行天桥建设力度",
			"来电人反映：芙蓉路口车流量大，老人小孩过马路非常危险，人行天桥迟迟不建。")
		if dup.Decision != cases.DecisionMerged || dup.Case.No != first.Case.No {
			t.Fatalf("duplicate: %s into %s, want merged into %s", dup.Decision, dup.Case.No, first.Case.No)
		}
	})
}

// A resident with many earlier matters: every pair of theirs carries the
// count of their distinct earlier matters (person_matters), also when
// those intakes share no text with the new one (the cheap text pass drops
// them from comparison, not from the count), and a retelling of one
// matter still joins it.
func TestPersonMattersCounted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		topics := [][2]string{
			{"芙蓉路口人行天桥", "芙蓉路口车流量大，老人小孩过马路非常危险，去年还出过交通事故。"},
			{"星沙大道公交站台", "星沙大道东段站台没有遮雨棚，下雨天等车的乘客只能淋雨。"},
			{"梅溪湖公园停车场", "周末游客很多，车辆乱停在绿化带上，草坪都被压坏了。"},
			{"河西渡口码头台阶", "渡口码头台阶破损，涨水时积满淤泥，过河的村民经常滑倒。"},
			{"东塘菜市场消防通道", "菜市场摊贩占用消防通道堆放货物，一旦失火后果不堪设想。"},
			{"岳麓山景区厕所", "景区厕所太少，节假日排队半小时，卫生条件也差。"},
			{"湘府路小学校门口斑马线", "校门口斑马线磨损看不清，接送孩子的家长和车辆抢道。"},
			{"枫林路桥下积水", "每逢大雨桥下积水齐膝，车辆熄火，行人只能绕行两公里。"},
		}
		var first *cases.Registration
		seen := map[string]bool{}
		for i, p := range topics {
			reg := e.register(t, "王秀英", "13900000002", "wechat", "关于"+p[0]+"的问题", p[1])
			if reg.Decision != cases.DecisionNew || seen[reg.Case.No] {
				t.Fatalf("matter %d: %s into %s", i, reg.Decision, reg.Case.No)
			}
			seen[reg.Case.No] = true
			if i == 0 {
				first = reg
			}
			e.clock = e.clock.Add(3 * 24 * time.Hour)
		}
		dup := e.register(t, "王秀英", "13900000002", "hotline", "关于芙蓉路口人行天桥的问题",
			"来电人反映：芙蓉路口车流量大，老人小孩过马路非常危险，希望尽快建人行天桥。")
		if dup.Decision != cases.DecisionMerged || dup.Case.No != first.Case.No {
			t.Fatalf("retelling: %s into %s, want merged into %s", dup.Decision, dup.Case.No, first.Case.No)
		}
		// Eight distinct earlier matters: log(1+8)/log(1+50).
		want := math.Round(math.Log1p(8)/math.Log1p(50)*1000) / 1000
		var got float64
		for _, m := range dup.Related {
			for _, f := range m.Reasons.Features {
				if f.Name == "person_matters" {
					got = f.Value
				}
			}
		}
		if got != want {
			t.Fatalf("person_matters = %v, want %v (related %+v)", got, want, dup.Related)
		}
	})
}

// Two long letters of one resident about two different housing estates
// share the letter's boilerplate and little else. The matter model alone
// would call them one matter (the same person raises its prior); the
// matter's own evidence (subject, text, place) is too weak, so the second
// is a new case with the first only suggested to staff.
func TestSamePersonDoesNotDecideAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		const letter = "尊敬的领导：您好！我们是A市的普通居民，多次向有关部门反映情况，至今没有得到答复，问题依旧存在，" +
			"严重影响了周边群众的正常生活，希望领导高度重视，责成相关部门尽快调查处理，给老百姓一个满意的答复。谢谢！"
		// Other residents write such letters too, so the index knows the
		// boilerplate is common.
		for i := range 40 {
			words := make([]rune, 12)
			for k := range words {
				words[k] = rune(0x5000 + i*12 + k)
			}
			e.register(t, fmt.Sprintf("市民%d", i), fmt.Sprintf("1370000%04d", i), "wechat",
				"反映"+string(words[:6])+"问题", string(words)+letter)
			e.clock = e.clock.Add(time.Hour)
		}
		e.register(t, "刘芳", "13900000004", "wechat", "反映A市鑫远楚府华城二期垃圾站安全隐患",
			"鑫远楚府华城二期小区配建的生活垃圾站建在2栋楼下，距离楼栋仅5米，夏天臭气熏天，蚊蝇滋生。"+letter)
		e.clock = e.clock.Add(6 * 24 * time.Hour)
		in := cases.Intake{Channel: "hotline", ReceivedAt: e.clock, RegionCode: village,
			Person:  cases.Person{Name: "刘芳", Phone: "13900000004"},
			Subject: "反映A市香樟家园小区安全隐患",
			Content: "香樟路168号香樟家园小区建成十多年，消防通道被占，电梯老化多次困人，外墙瓷砖脱落砸坏车辆。" + letter}
		// Weighed as in a city's corpus: the same proportions, a thousand
		// times the documents (a test index of 42 letters is too young for
		// the IDF to call the boilerplate common).
		d := *e.svc.Detector.(*search.Detector)
		d.Stats = cityStats{d.Stats}
		det, err := d.Detect(ctx, e.store, &in, "", e.clock)
		if err != nil {
			t.Fatal(err)
		}
		if det.Decision != cases.DecisionNew || len(det.Review) != 1 {
			for _, m := range append(det.Review, det.Group...) {
				t.Logf("%+v", m.Reasons)
			}
			if det.Target != nil {
				t.Logf("target %+v", det.Target.Reasons)
			}
			t.Fatalf("decision %s, review %+v; want new with one suggestion", det.Decision, det.Review)
		}
		r := det.Review[0].Reasons
		t.Logf("suggested: %+v", r)
		if r.SameMatter < search.DefaultConfig.Merge {
			t.Fatalf("the matter model gives %.3f: this letter no longer tests the evidence rule", r.SameMatter)
		}
		// Without the rule the same detector merges them: it is the rule
		// that keeps them apart.
		loose := d
		loose.Config.MinEvidence = 0
		det, err = loose.Detect(ctx, e.store, &in, "", e.clock)
		if err != nil {
			t.Fatal(err)
		}
		if det.Decision != cases.DecisionMerged {
			t.Fatalf("without the evidence rule: %s", det.Decision)
		}
	})
}

type cityStats struct{ search.GramStats }

func (s cityStats) DocCount() int        { return 1000 * s.GramStats.DocCount() }
func (s cityStats) DocFreq(k uint64) int { return 1000 * s.GramStats.DocFreq(k) }

// An intake matching two open cases of its person joins the better one,
// and the other is suggested to staff: the two are likely one matter.
func TestSecondMatchSuggested(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		a := e.register(t, "孙斌", "13812345678", "wechat", plantSubject, plantContent)
		// The same matter registered again while detection was off (an
		// import, an outage): a second open case.
		det := e.svc.Detector
		e.svc.Detector = nil
		e.clock = e.clock.Add(24 * time.Hour)
		b := e.register(t, "孙斌", "13812345678", "window", plantSubject, plantContent)
		e.svc.Detector = det
		if a.Case.No == b.Case.No {
			t.Fatal("setup: one case")
		}
		e.clock = e.clock.Add(24 * time.Hour)
		c := e.register(t, "孙斌", "13812345678", "hotline", plantSubject,
			"来电人反映：丽发新城小区附近的搅拌站机器日夜轰鸣，扬尘漫天，严重影响休息。")
		if c.Decision != cases.DecisionMerged {
			t.Fatalf("decision %s", c.Decision)
		}
		other := a.Case.No
		if c.Case.No == a.Case.No {
			other = b.Case.No
		}
		var suggested bool
		for _, m := range c.Related {
			if m.CaseNo == other && m.Kind == cases.LinkDuplicate {
				suggested = true
			}
		}
		if !suggested {
			t.Fatalf("merged into %s; %s not suggested: %+v", c.Case.No, other, c.Related)
		}
	})
}

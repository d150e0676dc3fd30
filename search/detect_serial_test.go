package search_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database/dbtest"
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

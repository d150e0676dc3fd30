package search

import (
	"math"
	"testing"
	"time"
)

type fixedStats map[uint64]int

func (s fixedStats) DocFreq(k uint64) int { return s[k] }
func (s fixedStats) DocCount() int        { return 1000 }

func TestOverlapContainment(t *testing.T) {
	w := newWeigher(fixedStats{})
	full := w.profile("丽发新城附近修建搅拌站噪音灰尘污染", "汉滨区丽发新城小区附近新建一座混凝土搅拌站，机器日夜轰鸣，扬尘漫天。", "", true, false)
	short := w.profile("丽发新城附近修建搅拌站噪音灰尘污染", "", "", false, false)
	other := w.profile("小区电梯长期故障无人维修", "电梯坏了两个月，物业公司一直不修。", "", false, false)
	if r, _ := overlap(full.text, short.text); r < 0.99 {
		t.Errorf("a subject-only intake inside the full text: %.2f, want 1", r)
	}
	if r, _ := overlap(full.text, other.text); r > 0.2 {
		t.Errorf("unrelated texts: %.2f", r)
	}
	f := features(full, short)
	if f[fSubject] < 0.99 || f[fChannel] != 1 {
		t.Errorf("features %v", f)
	}
}

func FuzzFeatures(f *testing.F) {
	f.Add("来电人反映：丽发新城", "搅拌站噪音", "张伟", "章玮", "A市3区", "")
	f.Add("", "", "", "", "", "")
	f.Add("😀", "ＡＢＣ１２３", "臺灣", "\xff", strings5(), "x")
	f.Fuzz(func(t *testing.T, s1, c1, n1, n2, a1, a2 string) {
		w := newWeigher(fixedStats{})
		q := w.profile(s1, c1, a1, true, false)
		q.name, q.channel, q.at = n1, "hotline", time.Unix(0, 0)
		p := w.profile(c1, s1, a2, false, false)
		p.name, p.channel, p.at = n2, "wechat", time.Unix(86400*400, 0)
		feat := features(q, p)
		for name, v := range feat {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < -1 || v > 1 {
				t.Fatalf("%s = %v", name, v)
			}
		}
		for _, m := range []Model{DefaultConfig.Person, DefaultConfig.Matter, DefaultConfig.Group} {
			if pr, _ := m.Prob(feat); math.IsNaN(pr) || pr < 0 || pr > 1 {
				t.Fatalf("probability %v", pr)
			}
		}
	})
}

func strings5() string { return "一二三四五" }

// A subject-only intake (a video booking) against a long letter on the
// same matter: the letter's length holds the text overlap down, so the
// subjects' overlap stands for it — whichever side is bare, and also when
// the engine compared the texts (no grams on the candidate side).
func TestBareSubjectComparesSubjects(t *testing.T) {
	w := newWeigher(fixedStats{})
	long := "尊敬的领导：我是板桥小区的居民，这是第几次反映这个情况我已经不记得了。小区门口夜宵一条街每晚营业到凌晨三点，" +
		"摊位占满人行道，油烟直冲楼上住户的窗户，喝酒划拳的吵闹声让老人小孩无法入睡，城管来了就收，走了又摆，希望彻底整治。" +
		"去年夏天我们曾联名写信给街道办事处，也打过多次电话，答复都是会加强管理，可是情况没有任何改变。垃圾桶旁堆满了竹签、" +
		"啤酒瓶和剩菜，污水顺着下水道口流到小区里面，蚊蝇成群，气味难闻。周边还有一所幼儿园，早上孩子们上学要绕过满地狼藉，" +
		"车辆乱停乱放堵住了消防通道，万一发生火灾后果不堪设想。恳请有关部门划定经营区域，规定营业时间，安排专人值守。"
	letter := w.profile("A7县星沙镇板桥小区夜宵一条街占道经营和噪音扰民", long, "", true, false)
	video := w.profile("A7县星沙镇板桥小区夜宵一条街噪音扰民", "", "", false, false)
	if !video.bare() || letter.bare() {
		t.Fatalf("bare: video %v, letter %v", video.bare(), letter.bare())
	}
	f := features(letter, video)
	if r, _ := overlap(letter.text, video.text); r >= f[fSubject] {
		t.Fatalf("text overlap %.2f ≥ subject overlap %.2f: the test shows nothing", r, f[fSubject])
	}
	if f[fText] != f[fSubject] {
		t.Errorf("letter vs booking: text %.3f, subject %.3f", f[fText], f[fSubject])
	}
	// The booking as the query; the letter compared by the engine.
	q := w.profile("A7县星沙镇板桥小区夜宵一条街噪音扰民", "", "", true, false)
	c := w.profile("A7县星沙镇板桥小区夜宵一条街占道经营和噪音扰民", long, "", false, true)
	full := w.grams("A7县星沙镇板桥小区夜宵一条街占道经营和噪音扰民\n"+long, false)
	c.textTotal, c.textKnown = full.total, true
	for _, k := range full.keys {
		c.textShared += q.text.set[k]
	}
	if c.bare() {
		t.Fatal("a compared letter taken for bare")
	}
	if g := features(q, c); g[fText] != g[fSubject] {
		t.Errorf("booking vs compared letter: text %.3f, subject %.3f", g[fText], g[fSubject])
	}
	// Two full texts keep their own text overlap.
	other := w.profile("A7县星沙镇板桥小区夜宵一条街占道经营", "夜宵摊占道经营，油烟扰民。", "", false, false)
	if g := features(letter, other); g[fText] == g[fSubject] {
		t.Errorf("two texts: text %.3f equals subject", g[fText])
	}
}

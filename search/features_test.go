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

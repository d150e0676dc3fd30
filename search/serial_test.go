package search

import (
	"fmt"
	"testing"
	"time"
)

// corpusStats counts gram document frequencies over a list of texts.
type corpusStats struct {
	df map[uint64]int
	n  int
}

func (s corpusStats) DocFreq(k uint64) int { return s.df[k] }
func (s corpusStats) DocCount() int        { return s.n }

func newCorpusStats(texts []string) corpusStats {
	s := corpusStats{df: map[uint64]int{}, n: len(texts)}
	for _, t := range texts {
		seen := map[uint64]bool{}
		for _, k := range GramKeys(t, nil) {
			if !seen[k] {
				seen[k] = true
				s.df[k]++
			}
		}
	}
	return s
}

// serialTopics are different matters a serial petitioner might raise.
var serialTopics = []string{"望城区湘江大道路灯", "芙蓉路口人行天桥", "地铁三号线换乘通道", "梅溪湖公园停车场",
	"河西渡口码头", "星沙大道公交站台", "东塘菜市场消防通道", "岳麓山景区厕所", "火车站广场出租车候客区",
	"湘府路小学校门口斑马线", "高新区污水管网", "雨花区农贸市场", "开福寺周边停车", "橘子洲大桥人行道",
	"洋湖湿地公园照明", "金星路拓宽工程", "枫林路桥下积水", "坪塘镇自来水管网", "暮云街道垃圾站", "黄兴路步行街公厕"}

// The openings every suggestion shares ("请加快A市……", "反映", "关于……的问题")
// must weigh less than what the matter is about once a corpus holds many
// such texts, so that two matters opening alike overlap little while a
// retelling of one matter still overlaps much.
func TestSharedOpeningsWeighLittle(t *testing.T) {
	// A city's posts: 10 % are suggestions that open alike, about twenty
	// places; the rest are about everything else (random words here).
	var corpus []string
	for i := range 300 {
		topic := serialTopics[i%len(serialTopics)]
		switch i % 3 {
		case 0:
			corpus = append(corpus, fmt.Sprintf("请加快A市%s建设力度，附近群众出行不便。", topic))
		case 1:
			corpus = append(corpus, fmt.Sprintf("反映A市%s的问题，希望有关部门尽快解决。", topic))
		default:
			corpus = append(corpus, fmt.Sprintf("关于A市%s的问题", topic))
		}
	}
	rng := uint32(1)
	for range 2700 {
		var b []rune
		for range 30 {
			rng = rng*1664525 + 1013904223
			b = append(b, rune(0x4e00+rng>>20%3000))
		}
		corpus = append(corpus, string(b))
	}
	w := newWeigher(newCorpusStats(corpus))
	opening := w.grams("请加快A市", false)
	topic := w.grams("芙蓉路口人行天桥", false)
	// Measured: about 0.6 of a topic gram's weight — less, not little: in
	// short texts the openings still carry much of the overlap.
	if o, tp := opening.total/float64(len(opening.keys)), topic.total/float64(len(topic.keys)); o > 0.7*tp {
		t.Errorf("opening grams weigh %.2f each, topic grams %.2f", o, tp)
	}

	at := time.Date(2019, 5, 1, 9, 0, 0, 0, time.UTC)
	mk := func(subject, content string, query bool, days int) *profile {
		p := w.profile(subject, content, "", query, false)
		p.name, p.nameKey, p.phone = "张伟", "zhangwei", "h1"
		p.at = at.AddDate(0, 0, days)
		return p
	}
	a := mk("请加快A市芙蓉路口人行天桥建设力度", "请加快A市芙蓉路口人行天桥建设力度，群众过马路很危险。", true, 0)
	other := mk("请加快A市星沙大道公交站台建设力度", "请加快A市星沙大道公交站台建设力度，群众等车很不方便。", false, -20)
	dup := mk("请加快A市芙蓉路口人行天桥建设力度", "来电人反映：芙蓉路口人行天桥迟迟不建，过马路危险。", false, -2)
	fo, fd := features(a, other), features(a, dup)
	if fo[fText] > 0.3 || fd[fText] < 0.6 {
		t.Errorf("text overlap: other matter %.2f, duplicate %.2f", fo[fText], fd[fText])
	}
	// What the gram weights cannot do alone: a same-person prior this high
	// still carries a different matter over the merge line on its shared
	// opening (P ≈ 0.6 here). Kept as a measurement, not an assertion.
	po, _ := DefaultConfig.Matter.Prob(fo)
	t.Logf("same person, other matter with the same opening: P(matter) = %.2f", po)
	if pd, _ := DefaultConfig.Matter.Prob(fd); pd < DefaultConfig.Merge {
		t.Errorf("duplicate P(matter) = %.2f", pd)
	}
}

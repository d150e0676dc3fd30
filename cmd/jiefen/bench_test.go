package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// benchCorpus is a tiny external set: five intakes and three retellings.
const (
	benchCorpus = `{"id": 11, "subject": "丽发新城附近修建搅拌站噪音灰尘污染", "content": "汉滨区丽发新城小区附近新建一座混凝土搅拌站，机器日夜轰鸣，扬尘漫天，严重影响居民休息和健康。"}
{"id": 12, "subject": "伊景园滨河苑捆绑销售车位", "content": "伊景园滨河苑项目开发商强行捆绑销售车位，不买车位不给办理交房手续，请求有关部门查处。"}

{"id": 13, "subject": "公司拖欠工资三个月", "content": "我在安康市华晟商贸有限公司做保洁员，公司已经拖欠三个月工资共计九千六百元，多次讨要无果。"}
{"id": 14, "subject": "小区电梯长期故障无人维修", "content": "王益区某小区3号楼电梯坏了两个月，物业公司一直不修，老人上下楼非常困难。"}
{"id": 15, "subject": "邻居装修噪音扰民", "content": ""}
`
	benchQueries = `{"qid": 0, "target": 12, "text": "来电人反映：伊景园滨河苑开发商捆绑销售车位，不买车位不给交房。"}
{"qid": 1, "target": 13, "text": "市民来电称，华晟商贸公司拖欠保洁员三个月工资九千六百元。"}
{"qid": 2, "target": 15, "text": "群众反映：楼上邻居装修噪音扰民，每天早上七点开始电钻施工。"}
`
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var finalLine = regexp.MustCompile(`^recall@10=(\d\.\d{3}) p50_ms=\d+\.\d{2} p95_ms=\d+\.\d{2} p99_ms=\d+\.\d{2} build_s=\d+\.\d rss_mb=\d+$`)

func TestBenchExternal(t *testing.T) {
	corpus := writeFile(t, "corpus.jsonl", benchCorpus)
	queries := writeFile(t, "queries.jsonl", benchQueries)
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"bench", "detect", "--corpus", corpus, "--queries", queries, "--engine", "embedded", "--warmup", "1"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	m := finalLine.FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("last line %q does not match %s\n%s", last, finalLine, out.String())
	}
	if m[1] != "1.000" {
		t.Errorf("recall %s, want every target found:\n%s", m[1], out.String())
	}
	for _, want := range []string{"corpus: 5 documents", "queries: 3 one at a time", "found 3 of 3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	t.Run("K1", func(t *testing.T) {
		var out bytes.Buffer
		if code := Run(context.Background(), []string{"bench", "detect", "--corpus", corpus, "--queries", queries, "--k", "1", "--warmup", "0", "--reps", "2"}, &out, &bytes.Buffer{}); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if !strings.Contains(out.String(), "\nrecall@1=") {
			t.Errorf("no recall@1 line:\n%s", out.String())
		}
	})
	t.Run("ErrBadCorpus", func(t *testing.T) {
		bad := writeFile(t, "bad.jsonl", `{"subject":"no id"}`)
		var errb bytes.Buffer
		if code := Run(context.Background(), []string{"bench", "detect", "--corpus", bad, "--queries", queries}, &bytes.Buffer{}, &errb); code != 1 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if !strings.Contains(errb.String(), "line 1: id is missing") {
			t.Errorf("stderr %q", errb.String())
		}
	})
	t.Run("ErrNoCorpusFile", func(t *testing.T) {
		if code := Run(context.Background(), []string{"bench", "detect", "--corpus", filepath.Join(t.TempDir(), "none"), "--queries", queries}, &bytes.Buffer{}, &bytes.Buffer{}); code != 1 {
			t.Fatalf("exit %d", code)
		}
	})
}

func TestBenchUsage(t *testing.T) {
	t.Setenv("MEILI_URL", "")
	for name, args := range map[string][]string{
		"NoSubcommand":       {"bench"},
		"UnknownSubcommand":  {"bench", "search"},
		"NoMode":             {"bench", "detect"},
		"CorpusWithoutQuery": {"bench", "detect", "--corpus", "c.jsonl"},
		"BothModes":          {"bench", "detect", "--corpus", "c.jsonl", "--queries", "q.jsonl", "--dev", "dev.jsonl"},
		"BadEngine":          {"bench", "detect", "--corpus", "c.jsonl", "--queries", "q.jsonl", "--engine", "bleve"},
		"MeiliWithoutURL":    {"bench", "detect", "--corpus", "c.jsonl", "--queries", "q.jsonl", "--engine", "meili"},
		"BadK":               {"bench", "detect", "--corpus", "c.jsonl", "--queries", "q.jsonl", "--k", "0"},
		"BadReps":            {"bench", "detect", "--corpus", "c.jsonl", "--queries", "q.jsonl", "--reps", "0"},
		"UnknownFlag":        {"bench", "detect", "--corpus", "c.jsonl", "--queries", "q.jsonl", "--fast"},
		"NotANumber":         {"bench", "detect", "--corpus", "c.jsonl", "--queries", "q.jsonl", "--k", "ten"},
		"Argument":           {"bench", "detect", "--corpus", "c.jsonl", "--queries", "q.jsonl", "extra"},
		"BadSizes":           {"bench", "detect", "--dev", "dev.jsonl", "--n", "100k,lots"},
		"QueriesNotCount":    {"bench", "detect", "--dev", "dev.jsonl", "--queries", "q.jsonl"},
		"BadThreshold":       {"bench", "detect", "--dev", "dev.jsonl", "--pg-threshold", "1.5"},
		"BadCloseAfter":      {"bench", "detect", "--dev", "dev.jsonl", "--close-after", "soon"},
		"BadRegion":          {"bench", "detect", "--dev", "dev.jsonl", "--region", "61x"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := Run(context.Background(), args, &out, &errb); code != 2 {
				t.Fatalf("exit %d, want 2 (usage)\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
			}
			if !strings.Contains(errb.String(), "jiefen bench detect") {
				t.Errorf("stderr lacks the usage:\n%s", errb.String())
			}
		})
	}
}

// benchDev is a tiny labelled file: two matters reach the hotline after
// another channel, the other posts only feed the padding.
const benchDev = `{"ref":"T1-1","channel":"wechat","received_at":"2019-03-01T09:00:00+08:00","person":{"name":"程敏","id_number":"","phone":"15636748049"},"subject":"仁湾镇罗剑村医疗本迟迟不发","content":"罗剑村自农村合作医疗体系建立以来，年年缴费却一直没有拿到医疗本，看病无法报销，请相关部门尽快解决。","address":"罗剑村","truth":{"matter":"M1","person":"P1","group":"","source":"1"}}
{"ref":"T1-2","channel":"hotline","received_at":"2019-03-03T10:00:00+08:00","person":{"name":"陈敏","id_number":"","phone":"15636748049"},"subject":"仁湾镇罗剑村医疗本迟迟不发","content":"来电人反映：罗剑村自农村合作医疗体系建立以来，年年缴费却一直没有拿到医疗本。","address":"罗剑村","truth":{"matter":"M1","person":"P1","group":"","source":"1"}}
{"ref":"T2-1","channel":"window","received_at":"2019-04-02T14:00:00+08:00","person":{"name":"刘刚","id_number":"610902198503120012","phone":"13483955034"},"subject":"A市新华小区楼下烧烤店油烟扰民","content":"新华小区3栋楼下的烧烤店每天营业到凌晨两点，油烟和噪音严重影响居民休息，多次反映无果。","address":"新华小区","truth":{"matter":"M2","person":"P2","group":"","source":"2"}}
{"ref":"T2-2","channel":"hotline","received_at":"2019-05-20T19:00:00+08:00","person":{"name":"刘刚","id_number":"","phone":"13483955034"},"subject":"烧烤店油烟问题仍未解决","content":"市民来电称，新华小区楼下烧烤店油烟噪音问题上次反映后仍未解决。","address":"新华小区","truth":{"matter":"M2","person":"P2","group":"","source":"3"}}
{"ref":"T3-1","channel":"hotline","received_at":"2019-06-01T08:00:00+08:00","person":{"name":"王芳","id_number":"","phone":"13912345678"},"subject":"公交站台损坏","content":"来电人称：幸福路公交站台顶棚损坏，下雨无法避雨。","address":"幸福路","truth":{"matter":"M3","person":"P3","group":"","source":"4"}}
{"ref":"T4-1","channel":"wechat","received_at":"2019-02-11T08:30:00+08:00","person":{"name":"张伟","id_number":"","phone":""},"subject":"建议增加出租车数量","content":"高峰时段打车难，黑车多，乘坐黑车没有票据也没有保障，建议增加出租车投放数量。","address":"","truth":{"matter":"M4","person":"P4","group":"","source":"5"}}
{"ref":"T5-1","channel":"video","received_at":"2019-07-09T16:00:00+08:00","person":{"name":"李娜","id_number":"610921199001018827","phone":"13700001111"},"subject":"和平街道路灯长期不亮","content":"","address":"","truth":{"matter":"M5","person":"P5","group":"","source":"6"}}
{"ref":"T6-1","channel":"wechat","received_at":"2019-08-15T11:00:00+08:00","person":{"name":"赵强","id_number":"","phone":"18800002222"},"subject":"B3县幸福村饮水困难","content":"幸福村二组自来水管道老化，经常停水，村民只能到两公里外挑水，夏天用水更加紧张，请求更换管道。","address":"幸福村","truth":{"matter":"M6","person":"P6","group":"","source":"7"}}
`

func TestBenchSynthetic(t *testing.T) {
	t.Setenv("MEILI_URL", "")
	dev := writeFile(t, "dev.jsonl", benchDev)
	set := t.TempDir()
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"bench", "detect", "--dev", dev, "--n", "40,60", "--queries", "5", "--warmup", "1", "--write-set", set}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	s := out.String()
	for _, want := range []string{
		"queries: 2 of 2 hotline intakes",
		"import: 8 intakes in ",
		"== n=40: 5 real + 35 synthetic cases",
		"load (bulk INSERTs into SQLite, personal data sealed and hashed): 40 cases",
		"Syncer.Rebuild of 40 intakes",
		"== n=60: 5 real + 55 synthetic cases",
		"| detector: Similar (person keys in SQLite + index + scoring) | 1.000 |",
		"| index: Search, the detector's text retrieval alone | 1.000 |",
		"summary n=60 engine=embedded path=detector recall@10=1.000 p50_ms=",
		"goal import ≥ 2000 intakes/s",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	// The written external set runs in the external mode.
	out.Reset()
	code = Run(context.Background(), []string{"bench", "detect", "--corpus", filepath.Join(set, "corpus-60.jsonl"), "--queries", filepath.Join(set, "queries-60.jsonl")}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "corpus: 60 documents") || !strings.Contains(out.String(), "\nrecall@10=1.000 ") {
		t.Errorf("external run on the written set:\n%s", out.String())
	}
}

func TestParseSizes(t *testing.T) {
	got, err := parseSizes("100k, 1M,2500")
	if err != nil || len(got) != 3 || got[0] != 100_000 || got[1] != 1_000_000 || got[2] != 2500 {
		t.Fatalf("parseSizes = %v, %v", got, err)
	}
	for _, s := range []string{"", "0", "-5", "1G", "1.5M"} {
		if _, err := parseSizes(s); err == nil {
			t.Errorf("parseSizes(%q) accepted", s)
		}
	}
}

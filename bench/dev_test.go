package bench

import (
	"slices"
	"strings"
	"testing"
)

// devFixture is a tiny labelled file in the DEV format: M1 is posted on
// WeChat and retold on the hotline (a duplicate), M2 comes to the window
// and is later repeated on the hotline, M3 only ever reaches the hotline,
// M4–M6 are posts nobody calls about.
const devFixture = `{"ref":"T1-1","channel":"wechat","received_at":"2019-03-01T09:00:00+08:00","person":{"name":"程敏","id_number":"","phone":"15636748049"},"subject":"仁湾镇罗剑村医疗本迟迟不发","content":"罗剑村自农村合作医疗体系建立以来，年年缴费却一直没有拿到医疗本，看病无法报销，请相关部门尽快解决。","address":"罗剑村","truth":{"matter":"M1","person":"P1","group":"","source":"1"}}
{"ref":"T1-2","channel":"hotline","received_at":"2019-03-03T10:00:00+08:00","person":{"name":"陈敏","id_number":"","phone":"15636748049"},"subject":"仁湾镇罗剑村医疗本迟迟不发","content":"来电人反映：罗剑村自农村合作医疗体系建立以来，年年缴费却一直没有拿到医疗本。","address":"罗剑村","truth":{"matter":"M1","person":"P1","group":"","source":"1"}}
{"ref":"T2-1","channel":"window","received_at":"2019-04-02T14:00:00+08:00","person":{"name":"刘刚","id_number":"610902198503120012","phone":"13483955034"},"subject":"A市新华小区楼下烧烤店油烟扰民","content":"新华小区3栋楼下的烧烤店每天营业到凌晨两点，油烟和噪音严重影响居民休息，多次反映无果。","address":"新华小区","truth":{"matter":"M2","person":"P2","group":"","source":"2"}}
{"ref":"T2-2","channel":"hotline","received_at":"2019-05-20T19:00:00+08:00","person":{"name":"刘刚","id_number":"","phone":"13483955034"},"subject":"烧烤店油烟问题仍未解决","content":"市民来电称，新华小区楼下烧烤店油烟噪音问题上次反映后仍未解决。","address":"新华小区","truth":{"matter":"M2","person":"P2","group":"","source":"3"}}
{"ref":"T3-1","channel":"hotline","received_at":"2019-06-01T08:00:00+08:00","person":{"name":"王芳","id_number":"","phone":"13912345678"},"subject":"公交站台损坏","content":"来电人称：幸福路公交站台顶棚损坏，下雨无法避雨。","address":"幸福路","truth":{"matter":"M3","person":"P3","group":"","source":"4"}}
{"ref":"T4-1","channel":"wechat","received_at":"2019-02-11T08:30:00+08:00","person":{"name":"张伟","id_number":"","phone":""},"subject":"建议增加出租车数量","content":"高峰时段打车难，黑车多，乘坐黑车没有票据也没有保障，建议增加出租车投放数量。","address":"","truth":{"matter":"M4","person":"P4","group":"","source":"5"}}
{"ref":"T5-1","channel":"video","received_at":"2019-07-09T16:00:00+08:00","person":{"name":"李娜","id_number":"610921199001018827","phone":"13700001111"},"subject":"和平街道路灯长期不亮","content":"","address":"","truth":{"matter":"M5","person":"P5","group":"","source":"6"}}
{"ref":"T6-1","channel":"wechat","received_at":"2019-08-15T11:00:00+08:00","person":{"name":"赵强","id_number":"","phone":"18800002222"},"subject":"B3县幸福村饮水困难","content":"幸福村二组自来水管道老化，经常停水，村民只能到两公里外挑水，夏天用水更加紧张，请求更换管道。","address":"幸福村","truth":{"matter":"M6","person":"P6","group":"","source":"7"}}
`

func fixture(t testing.TB) []DevIntake {
	t.Helper()
	all, err := ReadDev(strings.NewReader(devFixture))
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func TestReadDev(t *testing.T) {
	all := fixture(t)
	if len(all) != 8 || all[2].Person.IDNumber != "610902198503120012" || all[1].Truth.Source != "1" {
		t.Fatalf("read %d intakes: %+v", len(all), all[2])
	}
	if all[0].ReceivedAt.UTC().Hour() != 1 {
		t.Errorf("received_at = %v", all[0].ReceivedAt)
	}
	t.Run("ErrNoTruth", func(t *testing.T) {
		_, err := ReadDev(strings.NewReader("\n" + `{"ref":"x","channel":"wechat","subject":"s"}`))
		if err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrJSON", func(t *testing.T) {
		if _, err := ReadDev(strings.NewReader("{")); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		if _, err := ReadDev(strings.NewReader("\n\n")); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestSplit(t *testing.T) {
	all := fixture(t)
	corpus, queries := Split(all)
	if want := []int{0, 2, 5, 6, 7}; !slices.Equal(corpus, want) {
		t.Errorf("corpus = %v, want %v", corpus, want)
	}
	if len(queries) != 2 {
		t.Fatalf("queries = %+v", queries)
	}
	// The retelling finds its post; the repeat the matter's first post.
	if q := queries[0]; q.Intake != 1 || q.Target != 0 || !q.Dup || !slices.Equal(q.Relevant, []int{0}) {
		t.Errorf("query 0 = %+v", q)
	}
	if q := queries[1]; q.Intake != 3 || q.Target != 2 || q.Dup {
		t.Errorf("query 1 = %+v", q)
	}
	m := QueriedMatters(all, queries)
	if len(m) != 2 || !m["M1"] || !m["M2"] {
		t.Errorf("queried matters = %v", m)
	}
}

func TestSample(t *testing.T) {
	xs := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	a, b := Sample(xs, 4, 1), Sample(xs, 4, 1)
	if len(a) != 4 || !slices.Equal(a, b) || !slices.IsSorted(a) {
		t.Errorf("Sample = %v and %v", a, b)
	}
	if c := Sample(xs, 4, 2); slices.Equal(a, c) {
		t.Logf("seeds 1 and 2 chose the same sample %v (possible, unlikely)", c)
	}
	if all := Sample(xs, 0, 1); !slices.Equal(all, xs) {
		t.Errorf("Sample(0) = %v", all)
	}
	if all := Sample(xs, 20, 1); !slices.Equal(all, xs) {
		t.Errorf("Sample(20) = %v", all)
	}
}

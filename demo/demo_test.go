package demo

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/regions"
)

func official(t *testing.T) []kernel.Region {
	t.Helper()
	all, err := regions.Official()
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// testNow is fixed so failures reproduce; a date inside a holiday period
// (Spring Festival 2026) exercises deadline roll-over too.
var testNow = time.Date(2026, 3, 2, 10, 30, 0, 0, cases.ChinaTime)

func TestSamplesDeterministic(t *testing.T) {
	all := official(t)
	a := Samples(7, 300, testNow, all)
	b := Samples(7, 300, testNow, all)
	if len(a) != 300 {
		t.Fatalf("got %d samples, want 300", len(a))
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different samples")
	}
	// The order of the region list does not matter.
	rev := make([]kernel.Region, len(all))
	for i, r := range all {
		rev[len(all)-1-i] = r
	}
	if !reflect.DeepEqual(a, Samples(7, 300, testNow, rev)) {
		t.Error("samples depend on the order of the regions")
	}
	if reflect.DeepEqual(a, Samples(8, 300, testNow, all)) {
		t.Error("another seed gave the same samples")
	}
	if s := Samples(7, 0, testNow, all); s != nil {
		t.Errorf("n=0: %d samples", len(s))
	}
	if s := Samples(7, 10, testNow, nil); s != nil {
		t.Errorf("no regions: %d samples", len(s))
	}
	if s := Samples(7, 5, testNow, all); len(s) != 5 {
		t.Errorf("n=5: %d samples", len(s))
	}
}

func TestUsers(t *testing.T) {
	all := map[string]bool{}
	for _, r := range official(t) {
		all[r.Code] = true
	}
	seen := map[kernel.Role]bool{}
	for _, u := range Users() {
		seen[u.Role] = true
		code, ok := kernel.NormalizeRegionCode(u.RegionCode)
		if !ok || !all[code] || !strings.HasPrefix(code, CityCode) {
			t.Errorf("%s: region %q", u.Username, u.RegionCode)
		}
		if len([]rune(u.Password)) < 8 || u.DisplayName == "" || u.Username == "" {
			t.Errorf("%+v", u)
		}
	}
	for _, r := range kernel.Roles {
		if !seen[r] {
			t.Errorf("no demo user with role %s", r)
		}
	}
	if StaffName("610902", kernel.RoleMediator) != "陈建华" || StaffName("610981", kernel.RoleMediator) == "陈建华" ||
		StaffName("610981", kernel.RoleMediator) != StaffName("610981001001", kernel.RoleMediator) {
		t.Error("StaffName")
	}
}

// TestSamplesRegister runs every sample through the real case service and
// checks that the data look like a working centre's.
func TestSamplesRegister(t *testing.T) {
	ctx := context.Background()
	all := official(t)
	byCode := map[string]kernel.Region{}
	for _, r := range all {
		byCode[r.Code] = r
	}
	now := testNow.UTC()
	samples := Samples(20251123, 300, now, all)

	db := dbtest.Open(t, "sqlite")
	store := casestore.New(db, dbtest.Keys(t))
	actor := kernel.Actor{Name: "张晓燕", Role: kernel.RoleWindowClerk, RegionCode: "610900000000"}
	final := make([]*cases.Case, len(samples))
	err := database.Transactor{DB: db}.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		svc := cases.NewService(database.Transactor{DB: db}, store, calendar.Default()).WithTx(tx)
		var clock time.Time
		svc.Now = func() time.Time { return clock }
		for i, s := range samples {
			clock = s.At
			reg, err := svc.Register(ctx, actor, s.Intake)
			if err != nil {
				t.Fatalf("sample %d %q: register: %v", i, s.Intake.Subject, err)
			}
			c := reg.Case
			if !strings.HasPrefix(c.No, c.RegionCode[:6]+s.At.In(cases.ChinaTime).Format("20060102")) {
				t.Errorf("sample %d: case number %s for %s", i, c.No, s.At)
			}
			for _, st := range s.Path {
				clock = clock.Add(st.After)
				if st.After < 0 || clock.After(now) {
					t.Fatalf("sample %d: step to %s at %s (after %s), now %s", i, st.To, clock, st.After, now)
				}
				if c, err = svc.Transition(ctx, actor, c.No, st.To, st.Note); err != nil {
					t.Fatalf("sample %d %q: → %s: %v", i, s.Intake.Subject, st.To, err)
				}
			}
			final[i] = c
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	statuses := map[cases.Status]int{}
	channels := map[kernel.Channel]int{}
	counties := map[string]int{}
	categories := map[string]int{}
	overdue, staleRegistered, withID, townLevel := 0, 0, 0, 0
	for i, s := range samples {
		in := s.Intake
		c := final[i]
		statuses[c.Status]++
		channels[in.Channel]++
		counties[in.RegionCode[:6]]++
		categories[in.Category]++
		if c.Overdue(now) {
			overdue++
		}
		if c.Status == cases.StatusRegistered && now.Sub(s.At) > 15*24*time.Hour {
			staleRegistered++
		}
		if i > 0 && s.At.Before(samples[i-1].At) {
			t.Errorf("sample %d: not sorted by At", i)
		}
		if s.At.After(now) || now.Sub(s.At) > 125*24*time.Hour {
			t.Errorf("sample %d: At %s, now %s", i, s.At, now)
		}
		if !in.ReceivedAt.Equal(s.At) {
			t.Errorf("sample %d: received %s, At %s", i, in.ReceivedAt, s.At)
		}
		r, ok := byCode[in.RegionCode]
		if !ok || !strings.HasPrefix(in.RegionCode, "6109") || r.Level < kernel.LevelTown {
			t.Errorf("sample %d: region %s", i, in.RegionCode)
		}
		if r.Level == kernel.LevelTown {
			townLevel++
		}
		p := in.Person
		if p.Name == "" || p.IDNumber == "" && p.Phone == "" {
			t.Errorf("sample %d: person %+v", i, p)
		}
		if p.IDNumber != "" {
			withID++
			if msg := kernel.IDNumberProblem(p.IDNumber, now); msg != "" {
				t.Errorf("sample %d: ID %s: %s", i, p.IDNumber, msg)
			}
			if y := p.IDNumber[6:10]; !strings.HasPrefix(p.IDNumber, "6109") || y < "1950" || y > "2003" {
				t.Errorf("sample %d: ID %s", i, p.IDNumber)
			}
		}
		if p.Phone != "" && !kernel.ValidMobile(p.Phone) {
			t.Errorf("sample %d: phone %s", i, p.Phone)
		}
		text := in.Subject + in.Content + in.Address
		if in.Subject == "" || strings.ContainsAny(text, "{}") || !strings.HasPrefix(in.Address, byCode[in.RegionCode[:6]+"000000"].Name) {
			t.Errorf("sample %d: %q %q %q", i, in.Subject, in.Content, in.Address)
		}
		if n := strings.Count(in.Content, "。") + strings.Count(in.Content, "！"); n < 2 || n > 8 {
			t.Errorf("sample %d: %d sentences: %s", i, n, in.Content)
		}
		if in.Channel == kernel.ChannelHotline && !strings.HasPrefix(in.Content, "来电人") {
			t.Errorf("sample %d: hotline content %q", i, in.Content)
		}
		for _, st := range s.Path {
			if strings.ContainsAny(st.Note, "{}") || st.Note == "" {
				t.Errorf("sample %d: note %q", i, st.Note)
			}
		}
	}
	t.Logf("statuses %v; channels %v; counties %v; overdue %d; ID numbers %d; town level %d",
		statuses, channels, counties, overdue, withID, townLevel)
	if len(statuses) < 6 {
		t.Errorf("only %d statuses", len(statuses))
	}
	if len(counties) < 5 || counties["610902"] < 60 {
		t.Errorf("counties %v", counties)
	}
	if len(channels) < 4 || channels[kernel.ChannelImport] > 0 {
		t.Errorf("channels %v", channels)
	}
	if len(categories) < 12 {
		t.Errorf("only %d categories", len(categories))
	}
	open := statuses[cases.StatusRegistered] + statuses[cases.StatusAccepted] + statuses[cases.StatusInProgress] + statuses[cases.StatusSuspended]
	if open <= statuses[cases.StatusClosed] {
		t.Errorf("open %d, closed %d", open, statuses[cases.StatusClosed])
	}
	if overdue < 5 || staleRegistered < 3 {
		t.Errorf("overdue %d, registered over 15 days %d", overdue, staleRegistered)
	}
	if withID < 100 || withID > 250 || townLevel == 0 {
		t.Errorf("%d with ID numbers, %d at town level", withID, townLevel)
	}
}

// TestSamplesRepeatsAndGroups checks the material of the future duplicate
// and group detectors: the same person raising the same matter twice, and
// neighbours complaining about one plant.
func TestSamplesRepeatsAndGroups(t *testing.T) {
	samples := Samples(20251123, 300, testNow, official(t))
	byPhone := map[string][]Sample{}
	byResp := map[string][]Sample{}
	for _, s := range samples {
		if p := s.Intake.Person.Phone; p != "" {
			byPhone[p] = append(byPhone[p], s)
		}
		if r := s.Intake.Respondent; r != nil {
			key := s.Intake.RegionCode + "/" + r.Name
			byResp[key] = append(byResp[key], s)
		}
	}
	repeats := 0
	for _, ss := range byPhone {
		if len(ss) == 2 && ss[0].Intake.Subject == ss[1].Intake.Subject &&
			ss[0].Intake.Person.Name == ss[1].Intake.Person.Name &&
			ss[0].Intake.RegionCode == ss[1].Intake.RegionCode &&
			ss[0].Intake.Channel != kernel.ChannelHotline && ss[1].Intake.Channel == kernel.ChannelHotline &&
			ss[1].At.Sub(ss[0].At) >= 48*time.Hour && strings.Contains(ss[1].Intake.Content, "再次来电") &&
			strings.Contains(ss[1].Intake.Content, firstFact(ss[0].Intake.Content)) {
			repeats++
		}
	}
	if repeats < 3 {
		t.Errorf("%d follow-ups of the same matter", repeats)
	}
	group := 0
	for key, ss := range byResp {
		if len(ss) >= 5 {
			group = len(ss)
			people := map[string]bool{}
			channels := map[kernel.Channel]bool{}
			for _, s := range ss {
				people[s.Intake.Person.Name] = true
				channels[s.Intake.Channel] = true
				if s.Intake.Category != "environment" || !strings.HasPrefix(s.Intake.RegionCode, HanbinCode) {
					t.Errorf("group sample %s: %+v", key, s.Intake)
				}
			}
			if len(people) < 5 || len(channels) < 3 {
				t.Errorf("group %s: %d people, %d channels", key, len(people), len(channels))
			}
		}
	}
	if group < 5 || group > 10 {
		t.Errorf("group issue with %d complaints", group)
	}
}

// firstFact is the sentence after the introduction: the heart of the story,
// told again in the call-taker's words (我 → 其).
func firstFact(content string) string {
	sentences := strings.Split(content, "。")
	i := 1
	if strings.HasPrefix(content, "尊敬的领导") {
		i = 2
	}
	s := strings.ReplaceAll(sentences[min(i, len(sentences)-1)], "我", "其")
	if r := []rune(s); len(r) > 12 {
		s = string(r[len(r)-12:])
	}
	return s
}

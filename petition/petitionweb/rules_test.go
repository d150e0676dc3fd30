package petitionweb_test

import (
	"context"
	"testing"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/petition"
	"github.com/jiefen/jiefen/petition/petitiontest"
)

// register registers a matter through user and returns its registration.
func register(t *testing.T, e *petitiontest.Env, user, name, phone, subject, region string, respondent *cases.Respondent) *cases.Registration {
	t.Helper()
	reg, err := e.Cases.Register(context.Background(), e.Users[user].Actor(), cases.Intake{Channel: kernel.ChannelWindow,
		Person: cases.Person{Name: name, Phone: phone}, Subject: subject, Content: subject + "，请求依法处理。",
		RegionCode: region, Category: "other", Respondent: respondent})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestRules runs the track's rules on both databases: a table of dated
// notify clocks (plain, holiday roll-over, 调休, 2027) and the objection's
// 5 working days over a 调休 Sunday; 越级; more than 5 representatives; a
// denunciation sent to the denounced unit.
func TestRules(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { rules(t, petitiontest.New(t, d)) })
	}
}

func rules(t *testing.T, e *petitiontest.Env) {
	ctx := context.Background()
	office, hr := e.Member("office"), e.Member("hr")
	// notify: 15 calendar days from the transfer, a last day that is not a
	// working day rolled to the next working day (an adjusted working day
	// counts as one).
	for i, tc := range []struct{ transfer, due, objectBy string }{
		{"2026-07-27", "2026-08-11", "2026-08-03"}, // plain; 5 working days over a weekend
		{"2026-09-10", "2026-09-28", "2026-09-17"}, // 09-25 中秋 → 09-28
		{"2026-09-05", "2026-09-20", "2026-09-11"}, // 09-20 is a 调休 Sunday: no roll
		{"2026-09-16", "2026-10-08", "2026-09-22"}, // 10-01 国庆 → 10-08; objection by 09-22 counting the 调休 Sunday 09-20
		{"2027-01-22", "2027-02-14", "2027-01-29"}, // 02-06 春节 → 2027's 调休 Sunday 02-14
		{"2027-09-23", "2027-10-08", "2027-09-29"}, // 10-08 after 国庆 2027; objection counts the 调休 Sunday 2027-09-26
	} {
		e.At(t, tc.transfer)
		reg := register(t, e, "office", "王"+string(rune('一'+i)), "1390000000"+string(rune('0'+i)), "路灯损坏无人维修"+tc.transfer, "610902001003", nil)
		no := reg.Case.No
		if _, err := e.Petition.Classify(ctx, office, no, petition.ClassSuggestion, "", ""); err != nil {
			t.Fatal(err)
		}
		st, err := e.Petition.Transfer(ctx, office, no, e.Units["hr"].ID, "转送", "")
		if err != nil {
			t.Fatal(err)
		}
		if st.ObjectBy != tc.objectBy {
			t.Errorf("transfer %s: object by %s, want %s", tc.transfer, st.ObjectBy, tc.objectBy)
		}
		k, err := e.Clocks.FindIn(ctx, nil, reg.Case.ID, petition.Notify)
		if err != nil || k == nil {
			t.Fatal(k, err)
		}
		if got := calendar.DateOf(k.Due).String(); got != tc.due {
			t.Errorf("transfer %s: notify due %s, want %s", tc.transfer, got, tc.due)
		}
		// One day after the objection period: refused.
		last, _ := calendar.ParseDate(tc.objectBy)
		e.At(t, last.AddDays(1).String())
		if _, err := e.Petition.Object(ctx, hr, no, "不属本单位职责"); kernel.ErrorCode(err) != kernel.EConflict {
			t.Errorf("objection after %s: %v", tc.objectBy, err)
		}
		e.At(t, tc.objectBy)
		if st, err := e.Petition.Object(ctx, hr, no, "不属本单位职责"); err != nil || st.Stage != petition.StageObjected {
			t.Errorf("objection on %s: %v %v", tc.objectBy, st, err)
		}
	}

	// 越级: a county matter registered by the province (two levels up) is
	// flagged; by the county itself or the city, not.
	e.At(t, "2026-08-03")
	reg := register(t, e, "provclerk", "蒋越级", "13700000001", "征地补偿款未到位", "610902001003", nil)
	ans, _ := reg.Extra["petition"].(petition.Answer)
	if !ans.Yueji {
		t.Fatalf("province registration of a county matter: %+v", reg.Extra)
	}
	if st, err := e.Petition.Get(ctx, e.Users["provclerk"].Actor(), reg.Case.No); err != nil || !st.Yueji {
		t.Fatalf("yueji state: %+v %v", st, err)
	}
	for _, user := range []string{"office", "citybad"} {
		reg := register(t, e, user, "沈本级"+user, "1370000000"+string(rune('2'+len(user)%5)), "小区噪音扰民"+user, "610902001003", nil)
		if _, ok := reg.Extra["petition"]; ok {
			t.Errorf("registration by %s flagged: %+v", user, reg.Extra)
		}
	}

	// Representatives: at most 5.
	reg = register(t, e, "office", "韩代表", "13600000000", "村集体收益分配不公", "610902001003", nil)
	for i := 1; i <= 6; i++ {
		st, err := e.Petition.Representative(ctx, office, reg.Case.No, cases.Person{Name: "代表" + string(rune('0'+i)),
			Phone: "1360000000" + string(rune('0'+i))})
		if i <= 5 && (err != nil || st.Representatives != i) {
			t.Fatalf("representative %d: %+v %v", i, st, err)
		}
		if i == 6 && kernel.ErrorCode(err) != kernel.EConflict {
			t.Fatalf("a sixth representative: %v", err)
		}
	}

	// A denunciation is never sent to the unit it denounces.
	reg = register(t, e, "office", "杨检举", "13500000000", "举报人社局工作人员违规收费", "610902001003",
		&cases.Respondent{Kind: cases.KindOrganisation, Name: "汉滨区人力资源和社会保障局"})
	if _, err := e.Petition.Classify(ctx, office, reg.Case.No, petition.ClassDenunciation, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Petition.Transfer(ctx, office, reg.Case.No, e.Units["hr"].ID, "转送", ""); kernel.ErrorCode(err) != kernel.EConflict {
		t.Fatalf("denunciation sent to the denounced unit: %v", err)
	}
	if st, err := e.Petition.Transfer(ctx, office, reg.Case.No, e.Units["housing"].ID, "交办", ""); err != nil || st.Stage != petition.StageTransferred {
		t.Fatalf("denunciation sent elsewhere: %+v %v", st, err)
	}
	// A party to the matter recuses (art. 28).
	reg = register(t, e, "office", "李信访", "13400000000", "本人家属的宅基地纠纷", "610902001003", nil)
	if _, err := e.Petition.Classify(ctx, office, reg.Case.No, petition.ClassClaim, "", ""); kernel.ErrorCode(err) != kernel.EForbidden {
		t.Fatalf("a party classifies their own petition: %v", err)
	}
}

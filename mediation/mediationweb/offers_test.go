package mediationweb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/documents/pdftest"
	"github.com/jiefen/jiefen/mediation"
	"github.com/jiefen/jiefen/mediation/mediationtest"
)

// An offer unanswered for 3 working days moves to the next mediator; two
// sweeps at once move it once. With nobody left the mediation waits.
// Capacity, recusal and a failure that gives the case back are checked on
// the way.
func TestOfferSweepAndFailure(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := mediationtest.New(t, d)
			ctx := context.Background()
			profiles(t, e)
			c := e.Register(t, "李秀英", "13800138000", "", "王建国")
			m, err := e.Mediation.Open(ctx, e.Actor("clerk"), c.No, mediation.OpenInput{UnitID: e.Unit["village"], Flow: mediation.FlowPeople})
			if err != nil {
				t.Fatal(err)
			}
			if o := m.PendingOffer(); o == nil || o.Mediator != "med1" {
				t.Fatalf("first offer: %+v", m.Offers)
			}
			// Thursday 4 December is the last day: nothing expires yet.
			e.Set(at("2025-12-04 23:00"))
			if n, err := e.Mediation.ExpireOffers(ctx); err != nil || n != 0 {
				t.Fatalf("sweep on the last day: %d %v", n, err)
			}
			e.Set(at("2025-12-05 08:00"))
			done := make(chan int, 2)
			for range 2 {
				go func() {
					n, err := e.Mediation.ExpireOffers(ctx)
					if err != nil {
						t.Error(err)
					}
					done <- n
				}()
			}
			if a, b := <-done, <-done; a+b != 1 {
				t.Errorf("two sweeps expired %d+%d offers", a, b)
			}
			m, err = e.Mediation.Get(ctx, e.Actor("supervisor"), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if o := m.PendingOffer(); o == nil || o.Mediator != "med2" || m.Offers[0].Status != mediation.OfferExpired {
				t.Fatalf("after the sweep: %+v", m.Offers)
			}
			// med2 declines; med3 has a declared relation: nobody is left.
			m, err = e.Mediation.Decline(ctx, e.Actor("med2"), m.ID, m.PendingOffer().ID, "回避近亲属")
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != mediation.StatusWaiting || m.PendingOffer() != nil {
				t.Fatalf("nobody left: %s %+v", m.Status, m.Offers)
			}

			// Capacity: med1 full with one active mediation.
			r := e.Do(t, "supervisor", "PUT", "/api/v1/mediators/med1", map[string]any{"unit_ids": []int64{e.Unit["village"], e.Unit["street"]},
				"specialties": []string{"neighbourhood"}, "capacity": 1})
			if r.Status != 200 {
				t.Fatalf("profile: %d %s", r.Status, r.Body)
			}
			c2 := e.Register(t, "张三", "13900139000", "", "李四")
			m2, err := e.Mediation.Open(ctx, e.Actor("clerk"), c2.No, mediation.OpenInput{UnitID: e.Unit["village"], Flow: mediation.FlowPeople, Mediator: "med1"})
			if err != nil {
				t.Fatal(err)
			}
			if m2, err = e.Mediation.Accept(ctx, e.Actor("med1"), m2.ID, m2.PendingOffer().ID); err != nil {
				t.Fatal(err)
			}
			c3 := e.Register(t, "王五", "13700137000", "", "赵六")
			r = e.Do(t, "clerk", "POST", "/api/v1/cases/"+c3.No+"/mediation", map[string]any{"unit_id": e.Unit["village"], "flow": "people", "mediator": "med1"})
			if r.Status != 400 || !strings.Contains(r.Field(t, "mediator"), "承办上限") {
				t.Errorf("at capacity: %d %s", r.Status, r.Body)
			}

			// med1 discloses a conflict: recused, the case taken back, offered on.
			if m2, err = e.Mediation.Recuse(ctx, e.Actor("med1"), m2.ID, "申请人系本人远亲"); err != nil {
				t.Fatal(err)
			}
			if o := m2.PendingOffer(); o == nil || o.Mediator != "med2" {
				t.Fatalf("after recusal: %s %+v", m2.Status, m2.Offers)
			}
			if got, _ := e.Cases.Find(ctx, e.Actor("supervisor"), c2.No); got.AssigneeID != nil {
				t.Errorf("recused mediator still assigned")
			}
			if m2, err = e.Mediation.Accept(ctx, e.Actor("med2"), m2.ID, m2.PendingOffer().ID); err != nil {
				t.Fatal(err)
			}
			// One side refuses: failure; the case is back in the queue.
			r = e.Do(t, "med2", "POST", fmt.Sprintf("/api/v1/mediations/%d/outcome", m2.ID), map[string]any{"kind": "failure", "reason": "nope"})
			if r.Status != 400 || r.Field(t, "reason") == "" {
				t.Errorf("unknown failure reason: %d %s", r.Status, r.Body)
			}
			r = e.Do(t, "med2", "POST", fmt.Sprintf("/api/v1/mediations/%d/outcome", m2.ID), map[string]any{"kind": "failure", "reason": "one_side_refuses"})
			if r.Status != 200 || r.JSON(t)["status"] != "failed" {
				t.Fatalf("failure: %d %s", r.Status, r.Body)
			}
			got, _ := e.Cases.Get(ctx, e.Actor("supervisor"), c2.No)
			if got.Status != "in_progress" || got.AssigneeID != nil {
				t.Errorf("case after failure: %s %v", got.Status, got.AssigneeID)
			}
			if last := got.Events[len(got.Events)-1]; last.Kind != "assigned" || !strings.Contains(last.Note, "一方拒绝调解") {
				t.Errorf("last event: %+v", last)
			}
			views, err := e.Clocks.ByCaseID(ctx, c2.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range views {
				if v.Kind == "mediation" && v.Status != "met" {
					t.Errorf("mediation clock after failure: %s", v.Status)
				}
			}
		})
	}
}

// A mediator with one place left, offered eight mediations at once (staff
// choosing them by name on eight cases): one offer is made, the others are
// refused for capacity — never two offers for the last place.
func TestCapacityUnderConcurrentOffers(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := mediationtest.New(t, d)
			ctx := context.Background()
			profiles(t, e)
			r := e.Do(t, "supervisor", "PUT", "/api/v1/mediators/med1", map[string]any{"unit_ids": []int64{e.Unit["village"]},
				"specialties": []string{"neighbourhood"}, "capacity": 1})
			if r.Status != 200 {
				t.Fatalf("profile: %d %s", r.Status, r.Body)
			}
			const n = 8
			var nos []string
			for i := range n {
				nos = append(nos, e.Register(t, fmt.Sprintf("申请人%d", i), fmt.Sprintf("1390013%04d", i), "", fmt.Sprintf("被申请人%d", i)).No)
			}
			errs := make(chan error, n)
			start := make(chan struct{})
			for _, no := range nos {
				go func() {
					<-start
					_, err := e.Mediation.Open(ctx, e.Actor("clerk"), no, mediation.OpenInput{UnitID: e.Unit["village"],
						Flow: mediation.FlowPeople, Mediator: "med1"})
					errs <- err
				}()
			}
			close(start)
			ok, full := 0, 0
			for range n {
				switch err := <-errs; {
				case err == nil:
					ok++
				case strings.Contains(fmt.Sprint(err), "承办上限"):
					full++
				default:
					t.Errorf("open: %v", err)
				}
			}
			if ok != 1 || full != n-1 {
				t.Fatalf("%d offers made, %d refused for capacity; want 1 and %d", ok, full, n-1)
			}
			if load, err := e.Mediation.Store.Load(ctx, e.Users["med1"].ID); err != nil || load != 1 {
				t.Fatalf("load %d %v", load, err)
			}
		})
	}
}

// A case mediated twice — an agreement whose judicial confirmation the
// court refused, then a second agreement — keeps both 调解协议书, and each
// mediation answers with its own.
func TestTwoAgreementsOnOneCase(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := mediationtest.New(t, d)
			if e.Docs.Renderer == nil {
				t.Skip("no CJK font for documents")
			}
			ctx := context.Background()
			profiles(t, e)
			c := e.Register(t, "李秀英", "13800138000", "", "王建国")
			agree := func(obligation string) *mediation.Mediation {
				t.Helper()
				m, err := e.Mediation.Open(ctx, e.Actor("clerk"), c.No, mediation.OpenInput{UnitID: e.Unit["village"],
					Flow: mediation.FlowPeople, Mediator: "med1"})
				if err != nil {
					t.Fatal(err)
				}
				if m, err = e.Mediation.Accept(ctx, e.Actor("med1"), m.ID, m.PendingOffer().ID); err != nil {
					t.Fatal(err)
				}
				m, err = e.Mediation.RecordOutcome(ctx, e.Actor("med1"), m.ID, mediation.OutcomeInput{Kind: mediation.OutcomeAgreement,
					Form: "written", Facts: "楼道彩钢棚堵住通道", Issues: "是否拆除", Method: "背对背调解",
					Terms: []mediation.TermInput{{Party: "王建国", Obligation: obligation, Due: "2025-12-31"}}})
				if err != nil {
					t.Fatal(err)
				}
				if m.AgreementDocID == nil {
					t.Fatalf("agreement stored without its document: %+v", m)
				}
				return m
			}
			first := agree("十日内拆除彩钢棚")
			e.Set(at("2025-12-03 10:00"))
			if _, err := e.Mediation.ApplyConfirmation(ctx, e.Actor("med1"), first.ID, e.Unit["court"], "2025-12-03"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Mediation.Ruling(ctx, e.Actor("med1"), first.ID, "rejected", "2025-12-03", "（2025）陕0902民特9号"); err != nil {
				t.Fatal(err)
			}
			second := agree("赔偿李秀英通行损失二千元")
			for _, m := range []struct {
				m         *mediation.Mediation
				has, lack string
			}{{first, "十日内拆除彩钢棚", "二千元"}, {second, "二千元", "十日内拆除彩钢棚"}} {
				r := e.Do(t, "med1", "GET", fmt.Sprintf("/api/v1/mediations/%d/agreement.pdf", m.m.ID), nil)
				if r.Status != 200 {
					t.Fatalf("agreement.pdf %d: %d %s", m.m.ID, r.Status, r.Body)
				}
				if text := pdftest.Text(t, r.Body); text != "" && (!strings.Contains(text, m.has) || strings.Contains(text, m.lack)) {
					t.Errorf("mediation %d's agreement: want %q without %q:\n%s", m.m.ID, m.has, m.lack, text)
				}
			}
		})
	}
}

package residentstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/residents"
	"github.com/jiefen/jiefen/residents/residentstore"
)

func TestResidents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Date(2025, 9, 16, 9, 0, 0, 0, time.UTC)
		svc := residents.NewService(residentstore.New(db, dbtest.Keys(t)))
		svc.Now = func() time.Time { return now }

		// Concurrent first logins of one openid make one account.
		var wg sync.WaitGroup
		ids := make([]int64, 6)
		for i := range ids {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, _, r, err := svc.Login(ctx, "oAbc123", "")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = r.ID
			}(i)
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] || id == 0 {
				t.Fatalf("accounts %v", ids)
			}
		}
		token, exp, r, err := svc.Login(ctx, "oAbc123", "union9")
		if err != nil || !exp.After(now) {
			t.Fatal(err)
		}
		got, err := svc.Authenticate(ctx, token)
		if err != nil || got.ID != r.ID || got.UnionID != "union9" {
			t.Fatalf("authenticate: %+v %v", got, err)
		}
		if _, err := svc.SetProfile(ctx, r.ID, "李秀英", "1381234"); cases.ErrorCode(err) != cases.EInvalid {
			t.Errorf("bad phone: %v", err)
		}
		if _, err := svc.SetProfile(ctx, r.ID, "李秀英", "13812345678"); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Authenticate(ctx, token); got.Phone != "13812345678" || got.Name != "李秀英" {
			t.Errorf("profile %+v", got)
		}
		var enc []byte
		if err := db.NewSelect().Table("residents").Column("phone_enc").Where("id = ?", r.ID).Scan(ctx, &enc); err != nil || string(enc) == "13812345678" {
			t.Errorf("phone stored in clear or unreadable: %v", err)
		}
		now = exp.Add(time.Second)
		if _, err := svc.Authenticate(ctx, token); cases.ErrorCode(err) != cases.EUnauthorized {
			t.Errorf("expired token: %v", err)
		}
		if _, _, _, err := svc.Login(ctx, " ", ""); cases.ErrorCode(err) != cases.EUnauthorized {
			t.Errorf("empty openid: %v", err)
		}
	})
}

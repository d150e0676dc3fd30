package residentstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
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
		oneAccount(t, svc, 6, func(int) (string, string) { return "oAbc123", "" })
		token, exp, r, err := svc.Login(ctx, "oAbc123", "union9")
		if err != nil || !exp.After(now) {
			t.Fatal(err)
		}
		got, err := svc.Authenticate(ctx, token)
		if err != nil || got.ID != r.ID || got.UnionID != "union9" {
			t.Fatalf("authenticate: %+v %v", got, err)
		}
		if _, err := svc.SetProfile(ctx, r.ID, "李秀英", "1381234"); kernel.ErrorCode(err) != kernel.EInvalid {
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
		if _, err := svc.Authenticate(ctx, token); kernel.ErrorCode(err) != kernel.EUnauthorized {
			t.Errorf("expired token: %v", err)
		}
		if _, _, _, err := svc.Login(ctx, " ", ""); kernel.ErrorCode(err) != kernel.EUnauthorized {
			t.Errorf("empty openid: %v", err)
		}
	})
}

// TestUnionIDLinksApps: one person through the mini-program and the
// official account's web pages is one account, whichever came first; the
// mini-program's openid is kept (messages need it); people without a
// unionid stay apart.
func TestUnionIDLinksApps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := residents.NewService(residentstore.New(db, dbtest.Keys(t)))
		login := func(openID, unionID string) *residents.Resident {
			t.Helper()
			_, _, r, err := svc.Login(ctx, openID, unionID)
			if err != nil {
				t.Fatalf("login %s/%s: %v", openID, unionID, err)
			}
			return r
		}
		// Mini-program first, then the official account.
		a := login("mpA", "uA")
		if b := login("oa:oaA", "uA"); b.ID != a.ID || b.OpenID != "mpA" {
			t.Fatalf("official account login of a known unionid: %+v, want account %d with openid mpA", b, a.ID)
		}
		// Official account first: the mini-program's openid replaces it.
		c := login("oa:oaC", "uC")
		if d := login("mpC", "uC"); d.ID != c.ID || d.OpenID != "mpC" {
			t.Fatalf("mini-program login after the official account: %+v, want account %d with openid mpC", d, c.ID)
		}
		if e := login("oa:oaC", "uC"); e.ID != c.ID || e.OpenID != "mpC" {
			t.Fatalf("official account again: %+v", e)
		}
		// An older mini-program account without the unionid keeps its
		// openid; the unionid's account is used and left unchanged.
		old := login("mpE", "")
		f := login("oa:oaE", "uE")
		if g := login("mpE", "uE"); g.ID != f.ID || g.OpenID != "oa:oaE" {
			t.Fatalf("conflicting openid: %+v, want account %d unchanged", g, f.ID)
		}
		if r, err := svc.Store.ResidentByID(ctx, old.ID); err != nil || r.OpenID != "mpE" {
			t.Fatalf("older account: %+v %v", r, err)
		}
		// Without a unionid, different openids are different people.
		if h := login("oa:oaH", ""); h.ID == a.ID || h.ID == c.ID || h.ID == f.ID {
			t.Fatalf("no unionid joined another account: %+v", h)
		}
		if _, err := svc.Store.ResidentByUnionID(ctx, "nobody"); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Fatalf("unknown unionid: %v", err)
		}
		// First logins through both apps at once make one account.
		oneAccount(t, svc, 8, func(i int) (string, string) {
			if i%2 == 1 {
				return "oa:oaK", "uK"
			}
			return "mpK", "uK"
		})
	})
}

// oneAccount logs in n times at once, the i-th time as who(i), and
// requires that all of them land in one account.
func oneAccount(t *testing.T, svc *residents.Service, n int, who func(i int) (openID, unionID string)) {
	t.Helper()
	var wg sync.WaitGroup
	ids := make([]int64, n)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			openID, unionID := who(i)
			_, _, r, err := svc.Login(context.Background(), openID, unionID)
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
			t.Fatalf("concurrent first logins made accounts %v", ids)
		}
	}
}

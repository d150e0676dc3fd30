package wechat_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/channels/wechat"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/residents"
	"github.com/jiefen/jiefen/residents/residentstore"
)

type env struct {
	db        *bun.DB
	cases     *cases.Service
	residents *residents.Service
	store     *wechat.Store
	images    *wechat.Images
	dir       string
	now       time.Time
}

func newEnv(t *testing.T, db *bun.DB) *env {
	keys := dbtest.Keys(t)
	e := &env{db: db, store: wechat.NewStore(db), dir: t.TempDir(),
		now: time.Date(2025, 9, 16, 9, 30, 0, 0, cases.ChinaTime)}
	e.cases = cases.NewService(database.Transactor{DB: db}, casestore.New(db, keys), calendar.Default())
	e.cases.Now = func() time.Time { return e.now }
	e.residents = residents.NewService(residentstore.New(db, keys))
	e.images = &wechat.Images{Store: e.store, Blobs: wechat.DirStore{Root: e.dir}, Keys: keys,
		Now: func() time.Time { return e.now }}
	return e
}

func (e *env) resident(t *testing.T, openID string) *residents.Resident {
	t.Helper()
	_, _, r, err := e.residents.Login(context.Background(), openID, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) file(t *testing.T, residentID int64, subject string) *cases.Registration {
	t.Helper()
	reg, err := e.cases.Register(context.Background(), kernel.SystemActor("群众（微信）"), cases.Intake{
		Channel: kernel.ChannelWeChat, ResidentID: residentID, Person: cases.Person{Name: "李秀英", Phone: "13812345678"},
		Subject: subject, Content: subject + "，多次协商无果。", RegionCode: "610902001003"})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		alice, bob, dev := e.resident(t, "o-alice"), e.resident(t, "o-bob"), e.resident(t, wechat.DevOpenIDPrefix+"dev")

		// Images are sealed at rest and come back as uploaded.
		pic := pngBytes(t, 40, 30)
		u, err := e.images.Upload(ctx, alice.ID, pic)
		if err != nil {
			t.Fatal(err)
		}
		if u.ContentType != "image/png" || u.Size != int64(len(pic)) {
			t.Errorf("upload %+v", u)
		}
		onDisk, err := os.ReadFile(filepath.Join(e.dir, filepath.FromSlash(u.BlobKey)))
		if err != nil || bytes.Contains(onDisk, pic[:16]) {
			t.Errorf("blob not sealed on disk: %v", err)
		}
		got, err := e.store.Upload(ctx, u.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := e.images.Read(ctx, got); err != nil || !bytes.Equal(b, pic) {
			t.Fatalf("read back: %v", err)
		}
		if _, err := e.store.Upload(ctx, "img_nope"); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("unknown image: %v", err)
		}
		// Only the uploader's own uploads are found for attaching.
		if list, _ := e.store.ResidentUploads(ctx, bob.ID, []string{u.PublicID}); len(list) != 0 {
			t.Error("bob sees alice's upload")
		}
		if n, _ := e.store.PendingUploads(ctx, alice.ID, e.now.Add(-time.Hour)); n != 1 {
			t.Errorf("pending = %d", n)
		}

		reg := e.file(t, alice.ID, "邻居违建阻挡通道")
		if err := e.store.AttachUploads(ctx, alice.ID, reg.Intake.ID, []string{u.PublicID}, e.now); err != nil {
			t.Fatal(err)
		}
		// Attaching again (a retry) or to another intake changes nothing.
		other := e.file(t, alice.ID, "小区停车位被占用")
		if err := e.store.AttachUploads(ctx, alice.ID, other.Intake.ID, []string{u.PublicID}, e.now); err != nil {
			t.Fatal(err)
		}
		list, err := e.store.CaseUploads(ctx, reg.Case.ID)
		if err != nil || len(list) != 1 || list[0].IntakeID != reg.Intake.ID || list[0].IntakeRef != reg.Intake.Ref {
			t.Fatalf("case uploads %+v %v", list, err)
		}
		if list, _ := e.store.IntakeUploads(ctx, []int64{other.Intake.ID}); len(list) != 0 {
			t.Error("upload moved to another intake")
		}

		// Recipients: WeChat residents of the case with a real openid.
		bobs := e.file(t, bob.ID, "工资被拖欠三个月")
		devs := e.file(t, dev.ID, "噪音扰民")
		if r, err := e.store.Recipients(ctx, nil, reg.Case.ID); err != nil || len(r) != 1 || r[0].ResidentID != alice.ID {
			t.Errorf("recipients %v %v", r, err)
		}
		if r, _ := e.store.Recipients(ctx, nil, bobs.Case.ID); len(r) != 1 || r[0].ResidentID != bob.ID {
			t.Errorf("bob's recipients %v", r)
		}
		if r, _ := e.store.Recipients(ctx, nil, devs.Case.ID); len(r) != 0 {
			t.Errorf("dev logins get no messages: %v", r)
		}
		// Inside a transaction too.
		if err := (database.Transactor{DB: db}).InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
			if r, err := e.store.Recipients(ctx, tx, reg.Case.ID); err != nil || len(r) != 1 {
				t.Errorf("in tx: %v %v", r, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		// Subscriptions: the newest push wins.
		t0 := e.now
		if err := e.store.SetSubscription(ctx, "o-alice", "tpl-1", "accept", t0); err != nil {
			t.Fatal(err)
		}
		if err := e.store.SetSubscription(ctx, "o-alice", "tpl-1", "reject", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := e.store.SetSubscription(ctx, "o-alice", "tpl-1", "accept", t0.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if st, err := e.store.Subscription(ctx, "o-alice", "tpl-1"); err != nil || st != "reject" {
			t.Errorf("subscription %q %v", st, err)
		}
		if st, err := e.store.Subscription(ctx, "o-alice", "tpl-2"); err != nil || st != "" {
			t.Errorf("unknown subscription %q %v", st, err)
		}

		// Unattached uploads are swept after a day; attached ones stay.
		stale, err := e.images.Upload(ctx, bob.ID, pic)
		if err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(wechat.OrphanAge + time.Hour)
		n, err := e.images.Sweep(ctx)
		if err != nil || n != 1 {
			t.Fatalf("swept %d %v", n, err)
		}
		if _, err := e.store.Upload(ctx, stale.PublicID); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("stale upload still there: %v", err)
		}
		if _, err := os.Stat(filepath.Join(e.dir, filepath.FromSlash(stale.BlobKey))); !os.IsNotExist(err) {
			t.Errorf("stale blob still there: %v", err)
		}
		if _, err := e.images.Read(ctx, got); err != nil {
			t.Errorf("attached image swept: %v", err)
		}
	})
}

func TestSniffImage(t *testing.T) {
	webp := append([]byte("RIFF\x1a\x00\x00\x00WEBPVP8 "), make([]byte, 18)...)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"PNG", pngBytes(t, 4, 4), "image/png"},
		{"WebP", webp, "image/webp"},
		{"TruncatedWebP", webp[:20], ""},
		{"Text", []byte("hello, this is not an image"), ""},
		{"HTMLNamedJPG", []byte("<html><script>alert(1)</script></html>"), ""},
		{"TruncatedPNG", pngBytes(t, 4, 4)[:20], ""},
		{"FakeJPEG", []byte("\xff\xd8\xffgarbage"), ""},
		{"Empty", nil, ""},
		{"TooLarge", append(pngBytes(t, 4, 4), make([]byte, wechat.MaxImageBytes)...), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, err := wechat.SniffImage(tc.data)
			if ct != tc.want || (tc.want == "") != (kernel.ErrorCode(err) == kernel.EInvalid) {
				t.Errorf("got %q %v, want %q", ct, err, tc.want)
			}
		})
	}
}

func TestDirStore(t *testing.T) {
	ctx := context.Background()
	d := wechat.DirStore{Root: t.TempDir()}
	if err := d.Put(ctx, "2025/09/a.png", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if b, err := d.Get(ctx, "2025/09/a.png"); err != nil || string(b) != "x" {
		t.Fatalf("%q %v", b, err)
	}
	for _, key := range []string{"../escape", "/etc/passwd", "", "."} {
		if err := d.Put(ctx, key, []byte("x")); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
	if err := d.Delete(ctx, "2025/09/a.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(ctx, "2025/09/a.png"); kernel.ErrorCode(err) != kernel.ENotFound {
		t.Errorf("deleted blob: %v", err)
	}
	if err := d.Delete(ctx, "2025/09/a.png"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
}

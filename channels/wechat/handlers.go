package wechat

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/valyala/fasthttp"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/pii"
	"github.com/jiefen/jiefen/residents"
	"github.com/jiefen/jiefen/web"
)

// DevOpenIDPrefix marks the accounts of the development login: they have
// no WeChat identity and are never sent messages.
const DevOpenIDPrefix = "dev:"

// Regions looks up region names.
type Regions interface {
	Region(ctx context.Context, code string) (*kernel.Region, error)
}

// Channel is the WeChat channel: mini-program login, the resident API
// (also used by the H5 page), images, message push and the H5 page.
type Channel struct {
	Config    Config
	Client    Client      // nil when no mini-program is configured
	OAuth     OAuthClient // nil when no official account is configured (H5 web authorisation)
	Residents *residents.Service
	Cases     *cases.Service
	Regions   Regions
	Store     *Store
	Images    *Images
	Log       *slog.Logger
	Now       func() time.Time
	// LoginPerMinute caps login attempts per client address (default 30).
	LoginPerMinute int

	validate *web.Validator
}

// residentActor is who registers residents' own intakes: no staff member,
// so no region scope, and the timeline says a resident filed it.
var residentActor = kernel.Actor{Name: "群众（微信）", System: true}

// UploadPath is the image upload route; it alone accepts bodies larger
// than the server's 1 MiB limit.
const UploadPath = "/api/v1/me/uploads"

// uploadBodyLimit is one image plus the multipart envelope.
const uploadBodyLimit = MaxImageBytes + 64<<10

// Mount implements web.Mount.
func (ch *Channel) Mount(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
	ch.validate = v
	if ch.Now == nil {
		ch.Now = time.Now
	}
	if ch.LoginPerMinute == 0 {
		ch.LoginPerMinute = 30
	}
	allowLargeUploads(app)
	limit := limiter.New(limiter.Config{
		Max:        ch.LoginPerMinute,
		Expiration: time.Minute,
		LimitReached: func(c *fiber.Ctx) error {
			return kernel.Errorf("too_many_requests", "登录尝试过于频繁，请稍后再试")
		},
	})
	api.Get("/wechat/config", ch.publicConfig)
	api.Post("/wechat/login", limit, ch.login)
	api.Post("/wechat/dev-login", limit, ch.devLogin)
	api.Get("/wechat/push", ch.pushVerify)
	api.Post("/wechat/push", ch.pushReceive)

	r := auth.Resident
	if r == nil || auth.Staff == nil {
		// No resident accounts on this server: nothing below can work.
		return
	}
	api.Get("/me/profile", r, ch.profile)
	api.Put("/me/profile", r, ch.setProfile)
	api.Post("/me/phone", r, ch.bindPhone)
	api.Post("/me/logout", r, ch.logout)
	api.Post("/me/uploads", r, ch.upload)
	api.Post("/me/intakes", r, ch.createIntake)
	api.Get("/me/cases", r, ch.listCases)
	api.Get("/me/cases/:no", r, ch.getCase)
	api.Post("/me/cases/:no/evaluation", r, ch.evaluate)
	api.Post("/me/cases/:no/supplements", r, ch.supplement)
	api.Get("/me/images/:id", r, ch.residentImage)
	api.Get("/me/regions", r, ch.searchRegions)

	api.Get("/cases/:no/images", auth.Staff, ch.caseImages)
	api.Get("/cases/:no/images/:id", auth.Staff, ch.caseImage)

	app.Get("/m/oauth", ch.oauthStart)
	app.Get("/m/oauth/callback", limit, ch.oauthCallback)
	app.Get("/m", ch.h5)
	app.Get("/m/*", ch.h5)
}

// allowLargeUploads raises the body limit for the upload route only: the
// fiber app's limit (web.BodyLimit, 1 MiB) is server-wide, and fasthttp
// lets a hook choose a limit per request once the header is read.
func allowLargeUploads(app *fiber.App) {
	srv := app.Server()
	prev := srv.HeaderReceived
	srv.HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		if string(h.Method()) == fiber.MethodPost {
			path, _, _ := strings.Cut(string(h.RequestURI()), "?")
			if path == UploadPath {
				return fasthttp.RequestConfig{MaxRequestBodySize: uploadBodyLimit}
			}
		}
		if prev != nil {
			return prev(h)
		}
		return fasthttp.RequestConfig{}
	}
}

// upstream answers 502 for a WeChat failure that is not the client's
// fault, and logs it (without secrets) with the request ID.
func (ch *Channel) upstream(c *fiber.Ctx, what string, err error, msg string) error {
	ch.logUpstream(c, what, err)
	return &kernel.Error{Code: kernel.EUpstream, Message: msg}
}

// logUpstream logs a failure with the request ID, without secrets.
func (ch *Channel) logUpstream(c *fiber.Ctx, what string, err error) {
	rid, _ := c.Locals("requestid").(string)
	attrs := []any{"request_id", rid, "path", c.Path(), "err", Redact(err.Error())}
	if code, ok := ErrorCode(err); ok {
		attrs = append(attrs, "errcode", code)
	}
	ch.Log.Error(what, attrs...)
}

type regionJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type configJSON struct {
	WeChatLogin        bool             `json:"wechat_login"`
	OAuthLogin         bool             `json:"oauth_login"` // /m/oauth works (web authorisation in WeChat's browser)
	DevLogin           bool             `json:"dev_login"`
	DefaultRegion      *regionJSON      `json:"default_region"`
	MaxImages          int              `json:"max_images"`
	MaxImageBytes      int              `json:"max_image_bytes"`
	ImageTypes         []string         `json:"image_types"`
	SubscribeTemplates []string         `json:"subscribe_templates"`
	Categories         []cases.Category `json:"categories"`
}

// publicConfig tells the H5 page and the mini-program what this server
// offers (no login needed).
func (ch *Channel) publicConfig(c *fiber.Ctx) error {
	out := configJSON{WeChatLogin: ch.Client != nil, OAuthLogin: ch.OAuth != nil, DevLogin: ch.Config.DevLogin, MaxImages: MaxImages,
		MaxImageBytes: MaxImageBytes, ImageTypes: []string{"image/jpeg", "image/png", "image/webp"},
		SubscribeTemplates: ch.Config.Templates.IDs(), Categories: cases.Categories}
	if code := ch.Config.DefaultRegion; code != "" {
		out.DefaultRegion = &regionJSON{Code: code}
		if r, err := ch.Regions.Region(c.UserContext(), code); err == nil {
			out.DefaultRegion.Name = r.Name
		}
	}
	return c.JSON(out)
}

type loginRequest struct {
	Code string `json:"code" validate:"required,max=128"`
}

type residentJSON struct {
	Name     string `json:"name"`
	Phone    string `json:"phone,omitempty"` // masked
	HasPhone bool   `json:"has_phone"`
}

func presentResident(r *residents.Resident) residentJSON {
	return residentJSON{Name: r.Name, Phone: pii.MaskPhone(r.Phone), HasPhone: r.Phone != ""}
}

type loginResponse struct {
	Token     string       `json:"token"`
	ExpiresAt time.Time    `json:"expires_at"`
	Resident  residentJSON `json:"resident"`
}

// login exchanges a wx.login code for a resident token.
func (ch *Channel) login(c *fiber.Ctx) error {
	if ch.Client == nil {
		return kernel.Errorf(kernel.ENotFound, "本服务未启用微信小程序登录")
	}
	var req loginRequest
	if err := web.Bind(c, ch.validate, &req); err != nil {
		return err
	}
	sess, err := ch.Client.Code2Session(c.UserContext(), strings.TrimSpace(req.Code))
	if err != nil {
		switch code, _ := ErrorCode(err); code {
		case CodeInvalidCode, CodeCodeUsed:
			return kernel.Errorf(kernel.EUnauthorized, "微信登录凭证无效或已过期，请重新登录")
		case CodeRiskyUser:
			return kernel.Errorf(kernel.EForbidden, "微信判定该账号存在安全风险，暂时无法登录")
		}
		return ch.upstream(c, "wechat login failed", err, "微信登录服务暂时不可用，请稍后重试")
	}
	return ch.issue(c, sess.OpenID, sess.UnionID, "")
}

// issue logs a resident in and answers with the token.
func (ch *Channel) issue(c *fiber.Ctx, openID, unionID, name string) error {
	token, exp, r, err := ch.Residents.Login(c.UserContext(), openID, unionID)
	if err != nil {
		return err
	}
	if name != "" && r.Name == "" {
		if r, err = ch.Residents.SetProfile(c.UserContext(), r.ID, name, ""); err != nil {
			return err
		}
	}
	return c.JSON(loginResponse{Token: token, ExpiresAt: exp.In(cases.ChinaTime), Resident: presentResident(r)})
}

type devLoginRequest struct {
	Name string `json:"name" validate:"required,max=32"`
}

// devLogin signs in as resident "dev:<name>" without WeChat, for
// development and tests; it exists only with JIEFEN_DEV_LOGIN=1.
func (ch *Channel) devLogin(c *fiber.Ctx) error {
	if !ch.Config.DevLogin {
		return kernel.Errorf(kernel.ENotFound, "接口不存在")
	}
	var req devLoginRequest
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" {
		return kernel.FieldError("name", "请输入姓名")
	}
	if err := ch.validate.Struct(&req); err != nil {
		return err
	}
	if strings.ContainsFunc(req.Name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return kernel.FieldError("name", "姓名包含无效字符")
	}
	return ch.issue(c, DevOpenIDPrefix+req.Name, "", req.Name)
}

func (ch *Channel) profile(c *fiber.Ctx) error {
	return c.JSON(presentResident(web.CurrentResident(c)))
}

type profileRequest struct {
	Name  string `json:"name" validate:"max=100"`
	Phone string `json:"phone" validate:"omitempty,mobile"`
}

func (ch *Channel) setProfile(c *fiber.Ctx) error {
	var req profileRequest
	if err := web.Bind(c, ch.validate, &req); err != nil {
		return err
	}
	r, err := ch.Residents.SetProfile(c.UserContext(), web.CurrentResident(c).ID, req.Name, req.Phone)
	if err != nil {
		return err
	}
	return c.JSON(presentResident(r))
}

type phoneRequest struct {
	Code string `json:"code" validate:"required,max=128"`
}

// bindPhone binds the phone number WeChat vouches for (the mini-program's
// getPhoneNumber button gives the code).
func (ch *Channel) bindPhone(c *fiber.Ctx) error {
	if ch.Client == nil {
		return kernel.Errorf(kernel.ENotFound, "本服务未启用微信小程序")
	}
	var req phoneRequest
	if err := web.Bind(c, ch.validate, &req); err != nil {
		return err
	}
	phone, err := ch.Client.GetPhoneNumber(c.UserContext(), strings.TrimSpace(req.Code))
	if err != nil {
		if code, _ := ErrorCode(err); code == CodeInvalidCode || code == CodeCodeUsed {
			return kernel.FieldError("code", "手机号授权凭证无效或已过期，请重新授权")
		}
		return ch.upstream(c, "wechat phone number failed", err, "获取微信手机号失败，请稍后重试或手动填写")
	}
	r, err := ch.Residents.BindPhone(c.UserContext(), web.CurrentResident(c).ID, phone)
	if err != nil {
		return err
	}
	return c.JSON(presentResident(r))
}

func (ch *Channel) logout(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		if err := ch.Residents.Logout(c.UserContext(), strings.TrimSpace(h[7:])); err != nil {
			return err
		}
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// upload takes one image as multipart/form-data (field "file"), the way
// wx.uploadFile and a browser's FormData send it.
func (ch *Channel) upload(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return kernel.FieldError("file", "请以 multipart/form-data 上传一张图片（字段名 file）")
	}
	if fh.Size > MaxImageBytes {
		return kernel.FieldError("file", "图片不能超过5MB")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxImageBytes+1))
	if err != nil {
		return err
	}
	u, err := ch.Images.Upload(c.UserContext(), web.CurrentResident(c).ID, data)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(imageJSON{ID: u.PublicID, ContentType: u.ContentType, Size: u.Size,
		URL: residentImageURL(u.PublicID)})
}

func residentImageURL(id string) string { return "/api/v1/me/images/" + id }

type personRequest struct {
	Name  string `json:"name" validate:"required,max=100"`
	Phone string `json:"phone" validate:"required,mobile"`
}

type intakeRequest struct {
	Subject    string         `json:"subject" validate:"required,max=200"`
	Content    string         `json:"content" validate:"required,max=20000"`
	Address    string         `json:"address" validate:"max=500"`
	RegionCode string         `json:"region_code" validate:"required,regioncode"`
	Category   string         `json:"category" validate:"omitempty,category"`
	Person     *personRequest `json:"person"`
	Images     []string       `json:"images"`
}

type registrationJSON struct {
	CaseNo      string       `json:"case_no"`
	IntakeRef   string       `json:"intake_ref"`
	Status      cases.Status `json:"status"`
	StatusLabel string       `json:"status_label"`
	Message     string       `json:"message"`
	Images      []string     `json:"images"`
	Replayed    bool         `json:"replayed,omitempty"`
}

// createIntake files a matter for the signed-in resident.
func (ch *Channel) createIntake(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r := web.CurrentResident(c)
	var req intakeRequest
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	req.Subject, req.Content = strings.TrimSpace(req.Subject), strings.TrimSpace(req.Content)
	req.Address, req.RegionCode = strings.TrimSpace(req.Address), strings.TrimSpace(req.RegionCode)
	// The person defaults to the resident's profile.
	if req.Person == nil {
		req.Person = &personRequest{}
	}
	req.Person.Name, req.Person.Phone = strings.TrimSpace(req.Person.Name), strings.TrimSpace(req.Person.Phone)
	if req.Person.Name == "" {
		req.Person.Name = r.Name
	}
	if req.Person.Phone == "" {
		req.Person.Phone = r.Phone
	}
	if len(req.Images) > MaxImages {
		return kernel.FieldError("images", fmt.Sprintf("最多上传%d张图片", MaxImages))
	}
	if err := ch.validate.Struct(&req); err != nil {
		return err
	}
	ids := dedupe(req.Images)
	in := cases.Intake{
		Channel:    kernel.ChannelWeChat,
		Person:     cases.Person{Name: req.Person.Name, Phone: req.Person.Phone},
		Subject:    req.Subject,
		Content:    req.Content,
		Address:    req.Address,
		RegionCode: req.RegionCode,
		Category:   req.Category,
		Raw:        c.Body(),
		ResidentID: r.ID,
		// Only a phone WeChat vouched for lets the intake join a case it did
		// not open (a walk-in with that phone): anyone can type a phone.
		VerifiedPhone: r.VerifiedPhone(),
	}
	var err error
	if in.SourceKey, err = sourceKey(c, r.ID); err != nil {
		return err
	}
	if err := ch.checkImages(ctx, r.ID, ids, in.SourceKey); err != nil {
		return err
	}
	reg, err := ch.Cases.Register(ctx, residentActor, in)
	if err != nil {
		return err
	}
	if err := ch.Store.AttachUploads(ctx, r.ID, reg.Intake.ID, ids, ch.Now()); err != nil {
		return err
	}
	if r.Name == "" || r.Phone == "" {
		// Remember who they are for next time.
		if _, err := ch.Residents.SetProfile(ctx, r.ID, req.Person.Name, req.Person.Phone); err != nil {
			ch.Log.Warn("wechat: saving the profile failed", "resident", r.ID, "err", err)
		}
	}
	msg := "您反映的事项已登记，案件编号" + reg.Case.No + "。"
	// Registration merges a resident's intake only into a case of theirs,
	// so saying so tells them nothing about anyone else.
	if reg.Decision == cases.DecisionMerged {
		msg = "您反映的事项已登记，与此前登记的同一事项合并办理，案件编号" + reg.Case.No + "。"
	}
	return registered(c, reg, ids, msg)
}

// registered answers a resident's submission: 201, or 200 for a retry
// with the same Idempotency-Key.
func registered(c *fiber.Ctx, reg *cases.Registration, ids []string, msg string) error {
	status := fiber.StatusCreated
	if reg.Replayed {
		status = fiber.StatusOK
		c.Set("Idempotent-Replayed", "true")
	}
	if ids == nil {
		ids = []string{}
	}
	return c.Status(status).JSON(registrationJSON{CaseNo: reg.Case.No, IntakeRef: reg.Intake.Ref,
		Status: reg.Case.Status, StatusLabel: reg.Case.Status.Label(), Message: msg, Images: ids, Replayed: reg.Replayed})
}

// sourceKey makes a resident's Idempotency-Key header, if any, the
// intake's source key: per resident, so that residents cannot collide.
func sourceKey(c *fiber.Ctx, residentID int64) (string, error) {
	key := strings.TrimSpace(c.Get("Idempotency-Key"))
	if key == "" {
		return "", nil
	}
	if len(key) > 200 {
		return "", kernel.FieldError("Idempotency-Key", "幂等键不能超过200个字符")
	}
	return "me:" + strconv.FormatInt(residentID, 10) + ":" + key, nil
}

type supplementRequest struct {
	Content string   `json:"content" validate:"required,max=20000"`
	Images  []string `json:"images"`
}

// supplement adds material to one of the resident's open cases (补充材料),
// usually because staff asked for it.
func (ch *Channel) supplement(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r := web.CurrentResident(c)
	var req supplementRequest
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	req.Content = strings.TrimSpace(req.Content)
	if len(req.Images) > MaxImages {
		return kernel.FieldError("images", fmt.Sprintf("最多上传%d张图片", MaxImages))
	}
	if err := ch.validate.Struct(&req); err != nil {
		return err
	}
	ids := dedupe(req.Images)
	in := cases.Intake{Channel: kernel.ChannelWeChat, Person: cases.Person{Name: r.Name, Phone: r.Phone},
		Content: req.Content, Raw: c.Body()}
	var err error
	if in.SourceKey, err = sourceKey(c, r.ID); err != nil {
		return err
	}
	if err := ch.checkImages(ctx, r.ID, ids, in.SourceKey); err != nil {
		return err
	}
	reg, err := ch.Cases.Supplement(ctx, residentActor, r.ID, c.Params("no"), in)
	if err != nil {
		return err
	}
	if err := ch.Store.AttachUploads(ctx, r.ID, reg.Intake.ID, ids, ch.Now()); err != nil {
		return err
	}
	return registered(c, reg, ids, "补充材料已收到，已附入案件"+reg.Case.No+"。")
}

func dedupe(ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// checkImages makes sure every image is the resident's and still free (or
// already on the intake a retry with the same key replays).
func (ch *Channel) checkImages(ctx context.Context, residentID int64, ids []string, sourceKey string) error {
	if len(ids) == 0 {
		return nil
	}
	ups, err := ch.Store.ResidentUploads(ctx, residentID, ids)
	if err != nil {
		return err
	}
	byID := make(map[string]Upload, len(ups))
	for _, u := range ups {
		byID[u.PublicID] = u
	}
	var replayed int64 = -1
	for i, id := range ids {
		u, ok := byID[id]
		if !ok {
			return kernel.FieldError(fmt.Sprintf("images[%d]", i), "图片不存在或已失效，请重新上传")
		}
		if u.IntakeID == 0 {
			continue
		}
		if replayed == -1 {
			replayed = 0
			if sourceKey != "" {
				if prev, err := ch.Cases.Registered(ctx, sourceKey); err == nil {
					replayed = prev.ID
				} else if kernel.ErrorCode(err) != kernel.ENotFound {
					return err
				}
			}
		}
		if u.IntakeID != replayed {
			return kernel.FieldError(fmt.Sprintf("images[%d]", i), "图片已用于另一次反映，请重新上传")
		}
	}
	return nil
}

type caseListJSON struct {
	Items      []caseJSON `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

func (ch *Channel) listCases(c *fiber.Ctx) error {
	limit := 20
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return kernel.FieldError("limit", "应为1至100之间的整数")
		}
		limit = n
	}
	var before int64
	if v := c.Query("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		id, perr := strconv.ParseInt(strings.TrimPrefix(string(b), "c"), 10, 64)
		if err != nil || perr != nil || id <= 0 {
			return kernel.FieldError("cursor", "分页游标无效")
		}
		before = id
	}
	list, err := ch.Cases.ResidentCases(c.UserContext(), web.CurrentResident(c).ID, before, limit)
	if err != nil {
		return err
	}
	out := caseListJSON{Items: make([]caseJSON, len(list))}
	for i, cs := range list {
		out.Items[i] = presentCase(cs)
	}
	if len(list) == limit {
		next := base64.RawURLEncoding.EncodeToString([]byte("c" + strconv.FormatInt(list[len(list)-1].ID, 10)))
		out.NextCursor = &next
	}
	return c.JSON(out)
}

func (ch *Channel) getCase(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r := web.CurrentResident(c)
	cs, ev, err := ch.Cases.ResidentCase(ctx, r.ID, c.Params("no"))
	if err != nil {
		return err
	}
	var mine []int64
	for _, in := range cs.Intakes {
		if in.ResidentID == r.ID {
			mine = append(mine, in.ID)
		}
	}
	imgs, err := ch.Store.IntakeUploads(ctx, mine)
	if err != nil {
		return err
	}
	return c.JSON(presentCaseDetail(cs, ev, r.ID, imgs, residentImageURL))
}

type evaluationRequest struct {
	Rating  string `json:"rating" validate:"required"`
	Comment string `json:"comment" validate:"max=500"`
}

// ratingCodes accepts the Chinese names too.
var ratingCodes = map[string]string{"满意": "satisfied", "基本满意": "basically_satisfied", "不满意": "dissatisfied"}

func (ch *Channel) evaluate(c *fiber.Ctx) error {
	var req evaluationRequest
	if err := web.Bind(c, ch.validate, &req); err != nil {
		return err
	}
	rating := strings.TrimSpace(req.Rating)
	if code, ok := ratingCodes[rating]; ok {
		rating = code
	}
	ev, err := ch.Cases.Evaluate(c.UserContext(), web.CurrentResident(c).ID, c.Params("no"), rating, req.Comment)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(presentEvaluation(ev))
}

func (ch *Channel) residentImage(c *fiber.Ctx) error {
	u, err := ch.Store.Upload(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if u.ResidentID != web.CurrentResident(c).ID {
		return kernel.Errorf(kernel.ENotFound, "图片不存在")
	}
	return ch.sendImage(c, u)
}

func (ch *Channel) sendImage(c *fiber.Ctx, u *Upload) error {
	b, err := ch.Images.Read(c.UserContext(), u)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, u.ContentType)
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderContentDisposition, "inline")
	c.Set(fiber.HeaderETag, `"`+u.SHA256[:32]+`"`)
	return c.Send(b)
}

type imageListJSON struct {
	Items []imageJSON `json:"items"`
}

// caseImages lists the images residents attached to a case, for staff
// who see the case.
func (ch *Channel) caseImages(c *fiber.Ctx) error {
	cs, ups, err := ch.staffCaseUploads(c)
	if err != nil {
		return err
	}
	out := imageListJSON{Items: make([]imageJSON, len(ups))}
	for i, u := range ups {
		out.Items[i] = imageJSON{ID: u.PublicID, ContentType: u.ContentType, Size: u.Size, IntakeRef: u.IntakeRef,
			CreatedAt: china(&u.CreatedAt), URL: "/api/v1/cases/" + cs.No + "/images/" + u.PublicID}
	}
	return c.JSON(out)
}

func (ch *Channel) caseImage(c *fiber.Ctx) error {
	_, ups, err := ch.staffCaseUploads(c)
	if err != nil {
		return err
	}
	for i := range ups {
		if ups[i].PublicID == c.Params("id") {
			return ch.sendImage(c, &ups[i])
		}
	}
	return kernel.Errorf(kernel.ENotFound, "图片不存在")
}

func (ch *Channel) staffCaseUploads(c *fiber.Ctx) (*cases.Case, []Upload, error) {
	cs, err := ch.Cases.Get(c.UserContext(), web.CurrentUser(c).Actor(), c.Params("no"))
	if err != nil {
		return nil, nil, err
	}
	ups, err := ch.Store.CaseUploads(c.UserContext(), cs.ID)
	return cs, ups, err
}

package hotline

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/pii"
	"github.com/jiefen/jiefen/web"
)

// Routes, under /api/v1.
const (
	routeOrders = "/channels/hotline/orders"
	routeReturn = "/channels/hotline/orders/:order_no/return"
	routeCaller = "/channels/hotline/callers/:number"
)

type handler struct {
	ch *Channel
	v  *web.Validator
}

// Mount adds the channel's routes (a web.Mount):
//
//	POST /api/v1/channels/hotline/orders                    work orders from the platform (signed)
//	POST /api/v1/channels/hotline/orders/{order_no}/return  send an order back (staff)
//	GET  /api/v1/channels/hotline/callers/{number}          screen pop (staff)
func (ch *Channel) Mount(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
	h := &handler{ch: ch, v: v}
	api.Post(routeOrders, h.receive)
	api.Post(routeReturn, auth.Staff, h.returnOrder)
	api.Get(routeCaller, hideCaller, auth.Staff, h.caller)
}

// unavailable is a 503: the route exists but the server is not configured
// for it.
func unavailable(_ *fiber.Ctx, message string) error {
	return &kernel.Error{Code: kernel.EUnavailable, Message: message}
}

// receive registers a work order: 201 with the registration the first
// time (after commit), 200 with the same answer for a repeated delivery.
func (h *handler) receive(c *fiber.Ctx) error {
	ch := h.ch
	if !ch.OrdersEnabled() {
		return unavailable(c, "12345热线工单接口未启用：服务器未设置 HOTLINE_SECRET")
	}
	// The signature covers the bytes as sent: read them raw (c.Body would
	// decompress) and refuse encodings rather than guess.
	if enc := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); enc != "" && !strings.EqualFold(enc, "identity") {
		return kernel.Errorf(kernel.EInvalid, "不支持压缩的请求体")
	}
	body := c.Request().Body()
	now := ch.now()
	if reason, err := Verify(ch.Config.Secret, c.Get(HeaderTimestamp), c.Get(HeaderSignature), body, now, ch.Config.Window); err != nil {
		rid, _ := c.Locals("requestid").(string)
		ch.Log.Warn("hotline order refused", "request_id", rid, "reason", reason, "remote", c.IP())
		return err
	}
	if len(body) > MaxOrderBytes {
		return kernel.Errorf(kernel.EInvalid, "工单过大：请求体不能超过%dKB", MaxOrderBytes>>10)
	}
	o, err := DecodeOrder(body, h.v)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	actor := kernel.SystemActor(PlatformActor)
	reg, err := ch.Cases.Register(ctx, actor, o.Intake(bytes.Clone(body)))
	if err != nil {
		return err
	}
	full, err := ch.Cases.Get(ctx, actor, reg.Case.No)
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if reg.Replayed {
		status = fiber.StatusOK
		c.Set("Idempotent-Replayed", "true")
	}
	return c.Status(status).JSON(web.RegistrationResponse(reg, full, now))
}

type returnRequest struct {
	Reason string `json:"reason" validate:"required,max=2000"`
}

// returnOrder sends an order back to the platform (退单).
func (h *handler) returnOrder(c *fiber.Ctx) error {
	ch := h.ch
	if !ch.CallbacksEnabled() {
		return unavailable(c, "无法退单：服务器未设置 HOTLINE_CALLBACK_URL 或 HOTLINE_SECRET")
	}
	actor := web.CurrentUser(c).Actor()
	if !actor.Can(kernel.PermTransition) {
		return kernel.Errorf(kernel.EForbidden, "当前角色（%s）无权退单", actor.Role.Label())
	}
	var req returnRequest
	if err := web.Bind(c, h.v, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	no, err := ch.Return(ctx, actor, c.Params("order_no"), req.Reason)
	if err != nil {
		return err
	}
	full, err := ch.Cases.Get(ctx, actor, no)
	if err != nil {
		return err
	}
	return c.JSON(web.CaseDetailResponse(full, ch.now()))
}

// Return records that staff sent an order back to the platform, with the
// reason, and (through the notifier, in the same transaction) queues the
// callback that tells the platform. The case itself stays as it is: other
// intakes may keep it open, and staff reject or close it as usual. It
// returns the case's number.
func (ch *Channel) Return(ctx context.Context, actor kernel.Actor, orderNo, reason string) (string, error) {
	if !actor.Can(kernel.PermTransition) {
		return "", kernel.Errorf(kernel.EForbidden, "当前角色（%s）无权退单", actor.Role.Label())
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", kernel.FieldError("reason", "退单必须说明理由")
	}
	if utf8.RuneCountInString(reason) > 2000 {
		return "", kernel.FieldError("reason", "长度不能超过2000个字符")
	}
	svc := ch.Cases
	var no string
	err := svc.Tx.InTx(ctx, func(ctx context.Context, t kernel.Tx) error {
		tx := svc.Store.WithTx(t)
		in, err := tx.IntakeBySourceKey(ctx, SourceKey(orderNo))
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return kernel.Errorf(kernel.ENotFound, "工单不存在")
		} else if err != nil {
			return err
		}
		c, err := tx.CaseByID(ctx, in.CaseID)
		if err != nil {
			return err
		}
		if !actor.Sees(c.RegionCode) {
			return kernel.Errorf(kernel.ENotFound, "工单不存在")
		}
		if err := tx.LoadDetails(ctx, c); err != nil {
			return err
		}
		if returnedOrders(c.Events)[orderNo] {
			return kernel.Errorf(kernel.EConflict, "工单%s已退回热线平台", orderNo)
		}
		if !c.Status.Open() {
			return kernel.Errorf(kernel.EConflict, "案件当前状态为“%s”，不能退单", c.Status.Label())
		}
		now := svc.Now().UTC()
		// Saving the case takes its version: of two returns at once, one
		// conflicts instead of both being sent.
		c.UpdatedAt = now
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		e := &cases.Event{CaseID: c.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name, Kind: EventReturned,
			Note: reason, Data: map[string]any{"order_no": orderNo, "intake_ref": in.Ref}}
		// Every notifier hears of it in this transaction (ours queues the
		// callback).
		if err := svc.RecordEvent(ctx, tx, e); err != nil {
			return err
		}
		no = c.No
		return nil
	})
	return no, err
}

const callerKey = "hotline_caller"

// hideCaller takes the caller's number out of the request path before
// anything logs it (the request log writes paths, and paths carry no
// personal data): the handler reads it from the context instead.
func hideCaller(c *fiber.Ctx) error {
	raw := strings.Clone(c.Params("number"))
	number, err := url.PathUnescape(raw)
	if err != nil {
		number = raw
	}
	c.Locals(callerKey, number)
	masked := pii.MaskPhone(pii.CanonicalPhone(number))
	if masked == "" {
		masked = "-"
	}
	if p := c.Path(); raw != "" {
		if i := strings.LastIndex(p, raw); i >= 0 {
			c.Path(p[:i] + masked + p[i+len(raw):])
		}
	}
	return c.Next()
}

// caller answers the screen pop for a calling number.
func (h *handler) caller(c *fiber.Ctx) error {
	number, _ := c.Locals(callerKey).(string)
	if !validNumber(number) {
		return kernel.FieldError("number", "来电号码应为5至20位数字")
	}
	q := strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(q) > 500 {
		return kernel.FieldError("q", "长度不能超过500个字符")
	}
	pop, err := h.ch.ScreenPop(c.UserContext(), web.CurrentUser(c).Actor(), number, q, c.Query("region_code"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(pop)
}

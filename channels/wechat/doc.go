// Package wechat is the WeChat channel: residents file and follow their own
// matters from the WeChat mini-program or the resident H5 page (/m/), and
// hear of progress through subscribe messages (订阅消息).
//
// # Endpoints
//
// Public:
//
//	GET  /api/v1/wechat/config      what the page and the mini-program need (categories, default region, template IDs)
//	POST /api/v1/wechat/login       {"code"} from wx.login → {"token","expires_at","resident"}; a bad or used code is 401
//	POST /api/v1/wechat/dev-login   {"name"} → token for resident "dev:<name>"; only with JIEFEN_DEV_LOGIN=1 (404 otherwise)
//	GET  /api/v1/wechat/push        message push URL check (signature, echostr)
//	POST /api/v1/wechat/push        message push events (subscription accept/reject), signed
//	GET  /m/                        the resident H5 page
//	GET  /m/oauth                   web authorisation (official account) → WeChat's authorize page, state in a cookie
//	GET  /m/oauth/callback          ?code&state → /m/#token=… (or /m/#oauth_error=<reason>); see oauth.go
//
// Resident (Authorization: Bearer <resident token>; another resident's case
// or image is 404):
//
//	GET  /api/v1/me/profile                   name, masked phone
//	PUT  /api/v1/me/profile                   {"name","phone"}
//	POST /api/v1/me/phone                     {"code"} from the getPhoneNumber button: binds the number WeChat vouches for
//	POST /api/v1/me/logout
//	POST /api/v1/me/uploads                   one image, multipart/form-data field "file" → {"id",…} (201)
//	POST /api/v1/me/intakes                   {"subject","content","address","region_code","category","person"?,"images"?: [ids]}
//	GET  /api/v1/me/cases                     ?limit, ?cursor
//	GET  /api/v1/me/cases/{no}           status, plain-Chinese timeline, own submissions and images, evaluation
//	POST /api/v1/me/cases/{no}/evaluation {"rating": satisfied|basically_satisfied|dissatisfied (or 满意/基本满意/不满意), "comment"}
//	GET  /api/v1/me/images/{id}               an image the resident uploaded
//
// Staff (staff token; cases outside the user's region are 404):
//
//	GET  /api/v1/cases/{no}/images       the images residents attached to the case
//	GET  /api/v1/cases/{no}/images/{id}  one of them
//
// # Images
//
// Images are uploaded one per request (as wx.uploadFile sends them) and
// referenced by ID when filing, at most 9 per matter. The type is sniffed
// from the bytes (JPEG, PNG, WebP; JPEG and PNG headers must decode), at most
// 5 MiB each; the upload route alone accepts bodies up to 5 MiB + 64 KiB, the
// rest of the server keeps its 1 MiB limit. Bytes are sealed with the data
// key (AES-GCM) and kept by a BlobStore — DirStore under <data dir>/uploads by
// default; servers that share no disk plug in an object store. Uploads never
// attached to a matter are deleted after a day (periodic job).
//
// # Messages
//
// Notifier hears every case event inside its transaction and, when the
// event's trigger (see Trigger) has a template in WECHAT_TEMPLATES and the
// case has an intake a resident filed themselves, enqueues a River job
// in that transaction. NotifyWorker sends it with the SDK. WeChat's
// refusals — 43101 (not subscribed), 45009 (daily quota), 40003, 40037,
// 47003, 41030 and any other error code — are written on the case timeline
// (kind wechat_notify, actor 微信消息推送) and not retried; transport failures,
// -1 (busy), 45011 (rate) and rejected access tokens are retried with
// exponential backoff (WECHAT_NOTIFY_BACKOFF doubling up to an hour, at most
// WECHAT_NOTIFY_ATTEMPTS tries); the timeline says so at the first failure
// and when it gives up. A template a user rejected in the subscription popup
// (message push) is not sent at all.
//
// The triggers are registered, intake_added, accepted, rejected,
// in_progress, suspended, resumed, resolved, visited, closed, reopened,
// merged, evaluated, assigned (a handler was given the case; taking it back
// is "unassigned"), needs_more_info (staff ask the resident for more;
// the {request} placeholder carries what they asked, and the resident
// answers with POST /api/v1/me/cases/{case_no}/supplements) and
// video_reminder (a video reception booking 24 h and 1 h ahead; {session_time}
// and {leader}) and mediation_reminder (a mediation session 24 h and 1 h
// ahead; {session_time}, {place} and {mediator}). Recipients are the residents who filed one of the case's
// intakes themselves (a matter, a supplement, a video booking).
//
// # Configuration
//
//	WECHAT_APPID, WECHAT_SECRET   the mini-program; without them no WeChat login, phone binding or messages
//	WECHAT_OA_APPID, WECHAT_OA_SECRET  an official account (公众号) for the H5 page's own login in WeChat's browser
//	WECHAT_OAUTH_BASE             replaces https://open.weixin.qq.com (the authorize page; a test server)
//	JIEFEN_PUBLIC_URL             this server's address as browsers see it (the redirect back; default: the request's)
//	WECHAT_API_BASE               replaces https://api.weixin.qq.com (a gateway, a test server); one per process
//	WECHAT_TEMPLATES              JSON, or the path of a JSON file (see Templates)
//	WECHAT_PUSH_TOKEN             message push token; WECHAT_PUSH_AES_KEY for the security mode
//	WECHAT_DEFAULT_REGION         region code the H5 form starts with
//	WECHAT_NOTIFY_BACKOFF         first retry delay (default 30s); WECHAT_NOTIFY_ATTEMPTS (default 8)
//	JIEFEN_DEV_LOGIN=1            development login by name, never in production
//
// # The SDK
//
// Only github.com/silenceper/wechat/v2/miniprogram and its subpackages (plus
// util, cache and officialaccount/oauth) are imported: the SDK's root package changes the global
// logrus configuration in init. The SDK has no per-client base URL or HTTP
// client, so util.SetURIModifier and util.DefaultHTTPClient (10 s timeout) are
// set once per process. Access tokens come from the stable-token endpoint,
// cached in memory, so that several servers do not invalidate each other's.
//
// # Inside WeChat
//
// The mini-program (source in miniprogram/) logs in with wx.login, asks for
// message subscriptions with wx.requestSubscribeMessage (only a native page
// can), binds the phone with the getPhoneNumber button, and shows the H5
// page in a web-view, handing over the token as /m/#token=…. A deployment
// must register the server's domain as the mini-program's request domain and
// business domain (业务域名), configure message push with WECHAT_PUSH_TOKEN,
// and choose the subscribe templates. The H5 page opened directly in WeChat's
// browser (a shared link) cannot log in: that needs an official account's
// web authorization (snsapi_base), which Jiefen does not implement.
package wechat

package wechat

import (
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/pii"
)

// What residents see of their cases: the status and a timeline in plain
// Chinese, their own submissions and images. Staff names, internal notes,
// links, other people's submissions and personal data are left out.

func china(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	c := t.In(cases.ChinaTime)
	return &c
}

var statusHints = map[cases.Status]string{
	cases.StatusRegistered: "已登记，正在审查是否受理",
	cases.StatusAccepted:   "已受理，即将安排办理",
	cases.StatusRejected:   "不予受理",
	cases.StatusInProgress: "正在办理",
	cases.StatusSuspended:  "暂停办理，恢复后继续计算办理期限",
	cases.StatusResolved:   "已办结，欢迎您对办理情况进行评价",
	cases.StatusVisited:    "已办结并回访",
	cases.StatusClosed:     "已结案",
	cases.StatusMerged:     "已与相关事项合并办理",
}

type caseJSON struct {
	CaseNo        string       `json:"case_no"`
	Subject       string       `json:"subject"`
	Status        cases.Status `json:"status"`
	StatusLabel   string       `json:"status_label"`
	StatusHint    string       `json:"status_hint"`
	Category      string       `json:"category"`
	CategoryLabel string       `json:"category_label"`
	RegionName    string       `json:"region_name"`
	Address       string       `json:"address,omitempty"`
	CreatedAt     *time.Time   `json:"created_at"`
	UpdatedAt     *time.Time   `json:"updated_at"`
	// DueAt is the running statutory deadline: the accept decision while
	// registered, the handling while accepted or in progress.
	DueAt    *time.Time `json:"due_at,omitempty"`
	DueLabel string     `json:"due_label,omitempty"`
}

func presentCase(c *cases.Case) caseJSON {
	out := caseJSON{CaseNo: c.No, Subject: c.Subject, Status: c.Status, StatusLabel: c.Status.Label(),
		StatusHint: statusHints[c.Status], Category: c.Category, CategoryLabel: cases.CategoryLabel(c.Category),
		RegionName: c.RegionName, Address: c.Address, CreatedAt: china(&c.CreatedAt), UpdatedAt: china(&c.UpdatedAt),
		DueAt: china(c.DueAt())}
	switch {
	case out.DueAt == nil:
	case c.Status == cases.StatusRegistered:
		out.DueLabel = "受理审查期限"
	default:
		out.DueLabel = "办理期限"
	}
	return out
}

type caseDetailJSON struct {
	caseJSON
	Submissions []submissionJSON `json:"submissions"`
	Timeline    []timelineJSON   `json:"timeline"`
	Evaluation  *evaluationJSON  `json:"evaluation"`
	CanEvaluate bool             `json:"can_evaluate"`
	// InfoRequest is what staff asked the resident to supply, while open.
	InfoRequest *infoRequestJSON `json:"info_request,omitempty"`
	// CanSupplement: the case is still being handled, so more material
	// can be added to it.
	CanSupplement bool `json:"can_supplement"`
}

type infoRequestJSON struct {
	Request string     `json:"request"`
	At      *time.Time `json:"at"`
}

type submissionJSON struct {
	Ref          string      `json:"ref"`
	ChannelLabel string      `json:"channel_label"`
	ReceivedAt   *time.Time  `json:"received_at"`
	Subject      string      `json:"subject"`
	Content      string      `json:"content"`
	Address      string      `json:"address,omitempty"`
	Name         string      `json:"name,omitempty"`
	Phone        string      `json:"phone,omitempty"` // masked
	Images       []imageJSON `json:"images"`
}

type imageJSON struct {
	ID          string     `json:"id"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	URL         string     `json:"url"`
	IntakeRef   string     `json:"intake_ref,omitempty"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
}

type timelineJSON struct {
	At    *time.Time `json:"at"`
	Title string     `json:"title"`
	Text  string     `json:"text,omitempty"`
}

type evaluationJSON struct {
	Rating      string     `json:"rating"`
	RatingLabel string     `json:"rating_label"`
	Comment     string     `json:"comment,omitempty"`
	CreatedAt   *time.Time `json:"created_at"`
}

func presentEvaluation(e *cases.Evaluation) *evaluationJSON {
	if e == nil {
		return nil
	}
	return &evaluationJSON{Rating: e.Rating, RatingLabel: cases.RatingLabel(e.Rating), Comment: e.Comment,
		CreatedAt: china(&e.CreatedAt)}
}

// canEvaluate: once, after the matter was handled.
func canEvaluate(c *cases.Case, ev *cases.Evaluation) bool {
	if ev != nil {
		return false
	}
	switch c.Status {
	case cases.StatusResolved, cases.StatusVisited, cases.StatusClosed:
		return true
	}
	return false
}

// presentCaseDetail shows a resident their case. images are the uploads
// of the resident's own intakes.
func presentCaseDetail(c *cases.Case, ev *cases.Evaluation, residentID int64, images []Upload, imageURL func(string) string) caseDetailJSON {
	d := caseDetailJSON{caseJSON: presentCase(c), Submissions: []submissionJSON{}, Evaluation: presentEvaluation(ev),
		CanEvaluate: canEvaluate(c, ev), CanSupplement: c.Status.Open()}
	if r, at, ok := c.InfoRequest(); ok {
		d.InfoRequest = &infoRequestJSON{Request: r, At: china(&at)}
	}
	byIntake := map[int64][]imageJSON{}
	for _, u := range images {
		byIntake[u.IntakeID] = append(byIntake[u.IntakeID], imageJSON{ID: u.PublicID, ContentType: u.ContentType,
			Size: u.Size, URL: imageURL(u.PublicID)})
	}
	mine := map[string]bool{}
	for _, in := range c.Intakes {
		if in.ResidentID != residentID {
			continue
		}
		mine[in.Ref] = true
		imgs := byIntake[in.ID]
		if imgs == nil {
			imgs = []imageJSON{}
		}
		d.Submissions = append(d.Submissions, submissionJSON{Ref: in.Ref, ChannelLabel: in.Channel.Label(),
			ReceivedAt: china(&in.ReceivedAt), Subject: in.Subject, Content: in.Content, Address: in.Address,
			Name: in.Person.Name, Phone: pii.MaskPhone(in.Person.Phone), Images: imgs})
	}
	d.Timeline = residentTimeline(c, mine)
	return d
}

// residentTimeline tells the case's history in plain Chinese. Events that
// are internal (who read personal data, links, message delivery) or whose
// kind is unknown are left out; notes are never shown, since staff write
// them for each other.
func residentTimeline(c *cases.Case, mine map[string]bool) []timelineJSON {
	out := []timelineJSON{}
	for _, e := range c.Events {
		var title, text string
		switch e.Kind {
		case cases.EventRegistered:
			title, text = "事项已登记", "案件编号 "+c.No+"，我们将在法定期限内审查是否受理。"
		case cases.EventIntakeAdded:
			ref, _ := e.Data["intake_ref"].(string)
			if supplement, _ := e.Data["supplement"].(bool); supplement && mine[ref] {
				title, text = "收到您补充的材料", "补充材料已附入本案。"
			} else if mine[ref] {
				title, text = "收到您的再次反映", "已并入本案一并办理。"
			} else {
				title, text = "收到相关反映", "相关情况已并入本案一并办理。"
			}
		case cases.EventTransition:
			title, text = transitionText(e)
		case cases.EventMerged:
			title, text = "合并办理", "本事项与相关事项合并办理。"
		case cases.EventAssigned:
			if _, ok := e.Data["assignee_id"]; !ok {
				continue // taken back: nothing for the resident until the next assignment
			}
			title, text = "已确定承办人", "您的事项已交由承办人员具体办理。"
		case cases.EventNeedsMoreInfo:
			request, _ := e.Data["request"].(string)
			title, text = "需要您补充材料", request
		case cases.EventEvaluated:
			rating, _ := e.Data["rating"].(string)
			title = "收到评价"
			if l := cases.RatingLabel(rating); l != "" {
				text = "评价结果：" + l + "。感谢您的反馈。"
			}
		default:
			continue
		}
		out = append(out, timelineJSON{At: china(&e.At), Title: title, Text: text})
	}
	return out
}

func transitionText(e cases.Event) (string, string) {
	switch Trigger(&e) {
	case "accepted":
		text := "您反映的事项已依法受理。"
		if due := dataTime(e.Data["handle_due_at"]); due != nil {
			text = "您反映的事项已依法受理，将在" + due.In(cases.ChinaTime).Format("2006年1月2日") + "前办理完毕。"
		}
		return "已受理", text
	case "rejected":
		return "不予受理", "经审查，您反映的事项不属于本机关受理范围，工作人员将告知具体理由和其他解决途径。"
	case "in_progress":
		return "正在办理", "工作人员已开始办理。"
	case "suspended":
		return "暂停办理", "因需等待其他程序或材料，办理暂停，办理期限暂停计算。"
	case "resumed":
		return "恢复办理", "已恢复办理，办理期限相应顺延。"
	case "reopened":
		return "重新办理", "事项重新进入办理。"
	case "resolved":
		return "已办结", "您反映的事项已办理完毕，欢迎对办理情况进行评价。"
	case "visited":
		return "已回访", "工作人员已就办理情况进行回访。"
	case "closed":
		return "已结案", "本案已结案归档。"
	}
	return e.ToStatus.Label(), ""
}

// dataTime reads a time from an event's data: a time.Time in the
// transaction that wrote it, RFC 3339 text once stored.
func dataTime(v any) *time.Time {
	switch t := v.(type) {
	case time.Time:
		return &t
	case string:
		if p, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return &p
		}
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"os"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/channels/video/videostore"
	"github.com/jiefen/jiefen/channels/video/videoweb"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/web"
)

// The video channel (视频接访) and leaders' reception days (领导接访日).
// Environment:
//
//	JIEFEN_VIDEO_LINK  meeting-link template of the government's video system, e.g.
//	                   https://meet.example.gov.cn/room/{token}?name={case_no}
//	                   (placeholders: {booking} {token} {case_no} {slot} {day}
//	                   {leader} {date} {start}); unset: bookings carry no link
func init() { wirings = append(wirings, wireVideo) }

func wireVideo(ctx context.Context, a *App) (web.Mount, cases.Notifier, error) {
	link, err := video.ParseLinkTemplate(os.Getenv("JIEFEN_VIDEO_LINK"))
	if err != nil {
		return nil, nil, fmt.Errorf("JIEFEN_VIDEO_LINK: %w", err)
	}
	svc := video.NewService(a.Cases, videostore.New(a.DB), a.Staff.Store)
	svc.Link = link
	svc.Scheduler = jobs.At[video.ReminderArgs]{Q: a.Jobs}
	a.Video = svc
	// Reminders are timeline events (video_reminder), which the WeChat
	// channel sends as subscribe messages; another sender (SMS) would plug
	// in as svc.Reminder.
	jobs.Add(a.Jobs, river.Worker[video.ReminderArgs](&jobs.Func[video.ReminderArgs]{Do: svc.Remind}))
	if link == nil {
		a.Log.Debug("video: JIEFEN_VIDEO_LINK not set; bookings carry no meeting link")
	}
	return videoweb.Mount(svc), nil, nil
}

package kernel

// Channel is how an intake reached us.
type Channel string

const (
	ChannelWeChat  Channel = "wechat"  // 微信小程序
	ChannelHotline Channel = "hotline" // 12345 热线
	ChannelVideo   Channel = "video"   // 视频接访
	ChannelWindow  Channel = "window"  // 一窗受理
	ChannelWeb     Channel = "web"     // 网上信访
	ChannelImport  Channel = "import"  // 历史数据导入
)

var channelLabels = map[Channel]string{
	ChannelWeChat: "微信", ChannelHotline: "12345热线", ChannelVideo: "视频接访",
	ChannelWindow: "窗口", ChannelWeb: "网上", ChannelImport: "导入",
}

// Channels lists every channel.
var Channels = []Channel{ChannelWeChat, ChannelHotline, ChannelVideo, ChannelWindow, ChannelWeb, ChannelImport}

func (c Channel) Valid() bool   { _, ok := channelLabels[c]; return ok }
func (c Channel) Label() string { return channelLabels[c] }

package hotline

import "strings"

// An order's type (咨询/求助/投诉/举报/建议) says what the caller wants, not
// what the matter is, so it cannot name a dispute category by itself. The
// category comes from key words of the summary and content instead, the
// more specific rules first; staff correct it during triage, and anything
// unrecognised is "other".
var categoryRules = []struct {
	category string
	words    []string
}{
	{"construction", []string{"工程款", "建设工程", "施工队", "包工头"}},
	{"labour", []string{"欠薪", "讨薪", "拖欠工资", "工资", "劳动合同", "加班费", "农民工", "辞退", "工伤"}},
	{"land_acquisition", []string{"征地", "拆迁", "征收", "安置房", "补偿款"}},
	{"homestead", []string{"宅基地", "房屋确权", "房屋产权"}},
	{"land_contract", []string{"土地承包", "承包地", "土地流转", "责任田"}},
	{"forest_water", []string{"山林", "林地", "林权", "水利", "灌溉", "水渠"}},
	{"marriage_family", []string{"离婚", "婚姻", "家暴", "家庭暴力", "赡养", "抚养", "继承", "彩礼"}},
	{"property_management", []string{"物业"}},
	{"traffic", []string{"交通事故", "车祸", "追尾", "撞车", "被撞"}},
	{"medical", []string{"医疗", "医院", "医生", "手术", "误诊"}},
	{"social_security", []string{"社保", "低保", "养老保险", "养老金", "医保", "救助", "残疾补贴"}},
	{"neighbourhood", []string{"邻居", "邻里", "楼上", "楼下", "隔壁"}},
	{"environment", []string{"噪音", "噪声", "扰民", "污染", "扬尘", "油烟", "异味", "排污", "垃圾"}},
	{"consumer", []string{"消费", "退款", "退费", "商家", "预付卡", "旅游", "网购", "快递"}},
	{"debt_contract", []string{"借款", "欠款", "借钱", "债务", "合同"}},
	{"damage", []string{"赔偿", "损坏", "损失"}},
	{"administrative", []string{"执法", "城管", "罚款", "行政"}},
}

// Category returns the dispute category key words in text suggest, or
// "other".
func Category(text string) string {
	for _, r := range categoryRules {
		for _, w := range r.words {
			if strings.Contains(text, w) {
				return r.category
			}
		}
	}
	return "other"
}

package cases

// Category classifies the matter. The codes follow the dispute types that
// county centres report on (矛盾纠纷分类); "other" catches the rest.
type Category struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// Categories is the fixed list of categories, in display order.
var Categories = []Category{
	{"marriage_family", "婚姻家庭纠纷"},
	{"neighbourhood", "邻里纠纷"},
	{"land_contract", "土地承包经营纠纷"},
	{"homestead", "宅基地与房屋纠纷"},
	{"land_acquisition", "征地拆迁纠纷"},
	{"labour", "劳动争议与欠薪"},
	{"medical", "医疗纠纷"},
	{"traffic", "道路交通事故纠纷"},
	{"property_management", "物业管理纠纷"},
	{"construction", "建设工程纠纷"},
	{"environment", "生态环境纠纷"},
	{"consumer", "消费与旅游纠纷"},
	{"debt_contract", "合同与债务纠纷"},
	{"damage", "损害赔偿纠纷"},
	{"forest_water", "山林水利纠纷"},
	{"social_security", "社会保障与救助"},
	{"administrative", "行政管理与执法"},
	{"other", "其他"},
}

var categoryLabels = func() map[string]string {
	m := make(map[string]string, len(Categories))
	for _, c := range Categories {
		m[c.Code] = c.Label
	}
	return m
}()

// ValidCategory reports whether code is a known category.
func ValidCategory(code string) bool { _, ok := categoryLabels[code]; return ok }

// CategoryLabel returns the Chinese name of a category code.
func CategoryLabel(code string) string { return categoryLabels[code] }

// CategoryCodes returns the codes, for validation tags and forms.
func CategoryCodes() []string {
	out := make([]string, len(Categories))
	for i, c := range Categories {
		out[i] = c.Code
	}
	return out
}

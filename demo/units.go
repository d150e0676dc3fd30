package demo

import "github.com/jiefen/jiefen/units"

// Unit is a demo organisation; Parent names another by Key.
type Unit struct {
	Key       string
	Name      string
	Kind      units.Kind
	Specialty units.Specialty
	Region    string
	Parent    string
	Phone     string
	Address   string
}

// Units returns the organisations of 汉滨区 a county centre works with,
// parents first. Names follow local usage; phones and addresses are made up.
func Units() []Unit {
	return []Unit{
		{"centre", "汉滨区矛盾纠纷调处化解中心", units.KindCentre, "", HanbinCode, "", "0915-3210001", "汉滨区巴山东路"},
		{"petition", "汉滨区信访局", units.KindPetitionOffice, "", HanbinCode, "centre", "0915-3210002", "汉滨区巴山东路"},
		{"hrss", "汉滨区人力资源和社会保障局", units.KindDepartment, "", HanbinCode, "", "0915-3210003", "汉滨区兴安中路"},
		{"housing", "汉滨区住房和城乡建设局", units.KindDepartment, "", HanbinCode, "", "0915-3210004", "汉滨区江北大道"},
		{"health", "汉滨区卫生健康局", units.KindDepartment, "", HanbinCode, "", "0915-3210005", "汉滨区育才路"},
		{"xidajie", "西大街社区人民调解委员会", units.KindPeopleCommittee, "", "610902001003", "centre", "0915-3210006", "汉滨区老城街道西大街"},
		{"peixinjie", "培新街社区人民调解委员会", units.KindPeopleCommittee, "", "610902001004", "centre", "0915-3210007", "汉滨区老城街道培新街"},
		{"medical", "汉滨区医疗纠纷人民调解委员会", units.KindIndustryCommittee, units.SpecialtyMedical, HanbinCode, "centre", "0915-3210008", "汉滨区育才路"},
		{"traffic", "汉滨区道路交通事故纠纷人民调解委员会", units.KindIndustryCommittee, units.SpecialtyTraffic, HanbinCode, "centre", "0915-3210009", "汉滨区江北大道"},
		{"court", "汉滨区人民法院", units.KindCourt, "", HanbinCode, "", "0915-3210010", "汉滨区金州南路"},
		{"police", "安康市公安局汉滨分局老城派出所", units.KindPolice, "", "610902001", "", "0915-3210011", "汉滨区老城街道"},
	}
}

// UnitOf is the demo unit (by Key) a demo account belongs to.
func UnitOf(username string) string {
	return map[string]string{"clerk": "centre", "mediator": "centre", "supervisor": "centre"}[username]
}

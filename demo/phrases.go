package demo

import "sync"

// Phrase tables. Templates are filled in by scene.expand:
//
//	{我} {我们}       我/我们 in the resident's words, 其/他们 in a record
//	{诉}              "" or 来电人/来访人, before 希望/请求/要求
//	{me} {resp}       the resident and the respondent
//	{place} {town} {county} {spot} {home} {where} {resident} {dept} {towngov}
//	{money:lo-hi} {num:lo-hi} {day:lo-hi} {month:lo-hi} {year:lo-hi}
//	{pick:a|b|c} {sur1} …  random, but the same token gives the same value
//	                       throughout one matter
//
// Notes on cases (fixes, reasons) are written by staff and never use {我}.

// matter is one kind of dispute within a category.
type matter struct {
	subjects []string
	facts    []string // what happened: one is chosen
	details  []string // colour: up to two are added
	asks     []string // what the resident wants
	fixes    []string // how it was settled, for the resolved step
	resp     string   // respondent: person, kin, org:<kind>, town, village, county:<office>, police, or ""
	where    int      // anywhere, urban (communities) or rural (villages)
	sex      byte     // 'F' or 'M' when the story needs it
	born     [2]int   // birth years of the resident, when the story needs it
}

// category is a case category with its matters and the notes specific to it.
type category struct {
	code    string
	weight  int
	dept    string   // who handles it, for notes
	reject  []string // reasons it may not be accepted
	suspend []string // reasons handling may pause
	matters []matter
}

var (
	catOnce    sync.Once
	catWeights []weighted[*category]
)

func categoryWeights() []weighted[*category] {
	catOnce.Do(func() {
		for i := range categories {
			catWeights = append(catWeights, weighted[*category]{&categories[i], categories[i].weight})
		}
	})
	return catWeights
}

func categoryByCode(code string) *category {
	for i := range categories {
		if categories[i].code == code {
			return &categories[i]
		}
	}
	panic("demo: no category " + code)
}

// Notes shared by every category.
var (
	notesAccept = []string{
		"属于受理范围，予以受理，转{dept}办理。",
		"经审查符合受理条件，予以受理，交{dept}调处。",
		"予以受理，由{town}综治中心牵头，{dept}配合办理。",
		"予以受理，已告知当事人办理时限。",
	}
	notesStart = []string{
		"已指派调解员{mediator}承办，电话联系双方当事人了解情况。",
		"{dept}已派员到{place}现场核查。",
		"已约双方当事人到{town}矛盾纠纷调解室面谈。",
		"承办人已走访{place}，听取双方及村（社区）干部意见。",
	}
	notesSuspend = []string{
		"当事人外出务工，暂时无法联系，中止办理。",
		"双方同意暂缓调解，待当事人返乡后再行调处，中止办理。",
		"需等待相关部门核查结论，中止办理。",
	}
	notesResume = []string{
		"中止事由消除，恢复办理。",
		"当事人已返乡，恢复调解。",
		"核查结论已出，恢复办理。",
	}
	notesReject = []string{
		"该事项已经人民法院作出生效判决，依照《信访工作条例》不予受理，已书面告知当事人。",
		"反映事项属于诉讼、仲裁解决范围，已引导当事人通过法定途径解决。",
		"反映事项已办理终结，当事人未提出新的事实和理由，不予受理。",
		"经核实，反映事项不属于本级职责范围，已告知当事人向有权处理的机关提出。",
	}
	notesVisit = []string{
		"电话回访，当事人对处理结果表示满意。",
		"上门回访，协议已履行，当事人满意。",
		"电话回访，当事人表示基本满意。",
		"网格员入户回访，双方关系已缓和，当事人满意。",
	}
	notesClose = []string{
		"协议已履行完毕，材料整理归档，予以结案。",
		"经回访当事人满意，予以结案。",
		"办理程序完备，答复意见已送达，予以结案。",
	}
	notesReopen = []string{
		"回访时当事人反映{resp}未按协议履行，重新交办。",
		"当事人对处理结果不满意，要求重新调处，已重新交办。",
		"督办发现处理不到位，退回承办单位重新办理。",
	}
)

// groupDust is the shared matter of the demo's group issue: a concrete
// mixing plant that neighbours complain about one after another.
var groupDust = matter{
	resp:  "org:mixer",
	where: rural,
	subjects: []string{
		"村口混凝土搅拌站粉尘污染严重",
		"反映{resp}搅拌站粉尘、噪音扰民",
		"要求整治{place}混凝土搅拌站污染问题",
		"搅拌站罐车撒漏、扬尘严重",
		"混凝土搅拌站昼夜生产影响休息",
	},
	facts: []string{
		"{resp}在{place}村口建了一个混凝土搅拌站，离{我}家不到{pick:五十|八十|一百|一百五十}米，每天灰尘漫天，家里桌子上、晾的衣服上全是一层灰。",
		"{place}的{resp}搅拌站从{month:2-5}开始生产，早上五六点就开机，罐车进进出出，粉尘和噪音一直到半夜。",
		"村口搅拌站的罐车天天从{我}家门前过，泥浆撒得满路都是，晴天一路扬灰，雨天一路烂泥。",
	},
	details: []string{
		"家里老人孩子一直咳嗽，{我}担心对身体有影响。",
		"{我}家{num:2-5}亩茶园就在搅拌站下风口，茶叶上蒙了一层灰，今年春茶没人收。",
		"村里好多户都有意见，大家一起找过搅拌站老板，老板说手续齐全，让{我们}随便告。",
		"搅拌站的污水直接排进旁边的小河沟，沟里的水都成了灰白色。",
		"听说这个搅拌站根本没有环评手续。",
	},
	asks: []string{
		"{诉}请求环保部门查一查这个搅拌站的手续，该整改的整改，该关停的关停。",
		"{诉}希望有关部门尽快处理，还{我们}一个干净的生活环境。",
		"{诉}要求搅拌站采取降尘措施，夜间停止生产。",
	},
	fixes: []string{
		"生态环境分局现场检查，责令{resp}封闭料场、安装喷淋降尘设施，罐车冲洗后方可出场，夜间停止生产。",
	},
}

// categories follow cases.Categories; weights are rough shares of what a
// county centre sees.
var categories = []category{
	{
		code: "marriage_family", weight: 8, dept: "{town}司法所",
		reject: []string{"婚姻家庭纠纷已起诉至人民法院，依法不予受理，已告知当事人等待法院处理。"},
		matters: []matter{
			{
				resp: "kin", born: [2]int{1950, 1958},
				subjects: []string{"子女不履行赡养义务", "儿子不赡养年迈父母", "请求协调子女赡养问题"},
				facts: []string{
					"{我}今年七十多岁，老伴去世多年，儿子{resp}常年在外打工，{num:2-4}年没给过生活费。",
					"{我}和老伴都七十多岁，身体不好常年吃药，几个子女互相推诿，谁都不愿意管，{resp}还说老房子要留给他。",
				},
				details: []string{
					"去年冬天{我}住院花了{money:6000-18000}，全是借的。",
					"村干部调解过一次，{resp}当面答应每月给{money:300-600}，后来一分没给。",
					"现在住的老房子漏雨，子女也不管。",
				},
				asks: []string{"{诉}希望政府出面协调，让子女按月支付赡养费并轮流照顾。", "{诉}请求依法督促子女履行赡养义务。"},
				fixes: []string{
					"经村调委会和司法所联合调解，{resp}等子女签订赡养协议，每人每月支付赡养费{money:300-600}，轮流照顾老人。",
					"司法所组织家庭会议，子女达成赡养协议，老人由{resp}接回家中照顾，其他子女分摊费用。",
				},
			},
			{
				resp: "person", sex: 'F', born: [2]int{1982, 1996},
				subjects: []string{"前夫拒不支付孩子抚养费", "追讨子女抚养费", "离婚后对方不给抚养费"},
				facts: []string{
					"{我}与前夫{resp}于{year:2-5}协议离婚，孩子跟{我}生活，约定{resp}每月支付抚养费{money:800-1500}。",
					"{我}和{resp}离婚时法院判决孩子由{我}抚养，{resp}每月给抚养费{money:800-1500}，{month:5-12}以后就再也没给过。",
				},
				details: []string{
					"{resp}现在在{pick:西安|广东|浙江|新疆}打工，电话经常打不通。",
					"孩子今年上{pick:小学|初中}，学费和生活开销都靠{我}一个人打零工。",
				},
				asks:  []string{"{诉}希望帮助联系{resp}，督促其按时支付抚养费。"},
				fixes: []string{"经调解，{resp}同意补付拖欠的抚养费{money:5000-12000}，今后每月按时转账。"},
			},
			{
				resp: "person", sex: 'F', born: [2]int{1975, 1995},
				subjects: []string{"丈夫酗酒家暴请求帮助", "家庭矛盾激化请求调解"},
				facts: []string{
					"{我}丈夫{resp}长期酗酒，喝醉后经常打骂{我}和孩子，{day:2-10}晚上又动了手，{我}脸上受了伤。",
					"{我}和丈夫{resp}结婚{num:8-15}年，近两年他迷上打牌，输了钱回家就摔东西骂人，家里日子没法过。",
				},
				details: []string{
					"{我}向{town}派出所报过警，民警对他进行了批评教育。",
					"{我}现在带着孩子暂住在娘家，不敢回去。",
				},
				asks:  []string{"{诉}希望妇联和村里出面调解，保障{我}和孩子的人身安全。", "{诉}请求有关部门帮助调解家庭矛盾。"},
				fixes: []string{"妇联、派出所、村调委会联合调解，{resp}写下保证书，承诺戒酒、不再动手；已告知当事人可申请人身安全保护令。"},
			},
			{
				resp: "person", born: [2]int{1965, 1978},
				subjects: []string{"解除婚约后彩礼返还纠纷", "要求女方返还彩礼"},
				facts: []string{
					"{我}儿子与{town}{resp}家女儿{month:8-14}订婚，给了彩礼{money:60000-160000}，另买了三金。今年两人解除婚约，女方家只愿退还一半，双方争执不下。",
				},
				details: []string{"双方家里已经吵过几次，{我}担心闹出事来。", "订婚时有媒人在场，彩礼是转账给的，有记录。"},
				asks:    []string{"{诉}请求调解组织依法调解，返还彩礼。"},
				fixes:   []string{"经调解，双方自愿达成协议：女方返还彩礼{money:40000-100000}，三金归女方所有，分两期付清。"},
			},
			{
				resp: "kin", where: rural,
				subjects: []string{"父母遗留房屋继承纠纷", "兄弟姐妹分割老宅产生矛盾"},
				facts: []string{
					"{我}父母去世后留下{place}{spot}老宅一处，兄弟{resp}一直居住，不同意其他兄弟姐妹分割。",
				},
				details: []string{
					"今年老宅所在地块纳入搬迁范围，补偿款{money:150000-400000}，{resp}打算独占。",
					"父母生前没有留下遗嘱。",
				},
				asks:  []string{"{诉}希望依法调解，公平分配父母遗产。"},
				fixes: []string{"经调解，兄弟姐妹达成分割协议，房屋归{resp}所有，由其补偿其余继承人各{money:20000-60000}。"},
			},
		},
	},
	{
		code: "neighbourhood", weight: 14, dept: "{place}人民调解委员会",
		matters: []matter{
			{
				resp: "person", where: urban,
				subjects: []string{"楼上卫生间漏水致我家受损", "楼上住户漏水协调未果", "反映{place}楼上漏水问题"},
				facts: []string{
					"{我}家楼上{resp}家卫生间防水层老化，从{month:1-4}开始一直往{我}家渗水，天花板和墙面大面积发霉脱落。",
					"楼上{resp}家装修时改了水管，之后{我}家厨房顶上一直滴水，电路都被泡坏过一次。",
				},
				details: []string{
					"{我}多次上门沟通，{resp}说房子租出去了，让{我}去找租户。",
					"物业来看过，说是楼上的问题，但物业管不了。",
					"家里老人有哮喘，屋里潮得没法住。",
				},
				asks:  []string{"{诉}希望{resp}尽快维修防水并赔偿装修损失约{money:3000-12000}。", "{诉}请求社区协调楼上住户维修。"},
				fixes: []string{"经社区调委会现场查看、调解，{resp}同意重做卫生间防水，并一次性赔偿装修损失{money:2000-8000}。"},
			},
			{
				resp: "person", where: urban,
				subjects: []string{"邻居深夜噪音扰民", "楼上住户长期制造噪音", "邻居养狗扰民"},
				facts: []string{
					"{我}家楼上{resp}家每天晚上十一二点还在拖椅子、剁东西，孩子跑跳声不断，{我}家老人和孩子晚上睡不着。",
					"隔壁{resp}家养了{num:3-6}条狗，白天晚上叫个不停，楼道里臭气熏天。",
				},
				details: []string{
					"{我}上门沟通过{num:2-5}次，对方态度恶劣，还说{我}事多。",
					"社区网格员来协调过一次，没过几天又是老样子。",
				},
				asks:  []string{"{诉}希望社区出面协调，让对方注意作息、减少噪音。"},
				fixes: []string{"社区网格员和调解员上门协调，双方约定晚十点后不得制造噪音，{resp}家铺设地垫、管好犬只。"},
			},
			{
				resp:     "person",
				subjects: []string{"邻居违建阻挡通道", "邻居加盖彩钢棚堵住出行通道", "宅前通道被占无法通行"},
				facts: []string{
					"隔壁{resp}在{我}家门前的巷道加盖彩钢棚，把唯一的出行通道堵了一大半，摩托车都推不过去。",
					"{resp}家修房子把碎砖和沙石堆在组道上，{num:2-4}个月了也不清理，下雨天根本没法走。",
				},
				details: []string{
					"{我}找过村干部，村里来人看过，但{resp}不听劝。",
					"家里老人行动不便，万一有急事救护车都进不来。",
				},
				asks:  []string{"{诉}希望有关部门依法处理，恢复通道。", "{诉}请求督促{resp}拆除违建、清理杂物。"},
				fixes: []string{"镇村干部现场调解，{resp}同意拆除占道部分彩钢棚，恢复{num:2-3}米宽通道。", "经调解，{resp}限期清理了组道上的建筑材料，通道已恢复。"},
			},
			{
				resp: "person", where: rural,
				subjects: []string{"邻居房屋排水冲毁我家院坝", "雨水排放纠纷"},
				facts: []string{
					"{resp}家新修的房子把檐沟雨水全部排向{我}家，一下大雨就冲到{我}家院坝和墙根，墙体已经出现裂缝。",
				},
				details: []string{
					"{month:1-3}下暴雨，{我}家厨房进水，冰箱泡坏了。",
					"找{resp}商量改排水管，对方说他家的地方他想怎么排就怎么排。",
				},
				asks:  []string{"{诉}请村里协调{resp}改造排水沟，赔偿损失。"},
				fixes: []string{"经村调委会调解，双方共同出资修建排水沟，雨水改排至组道边沟，{resp}赔偿损失{money:800-3000}。"},
			},
			{
				resp:     "person",
				subjects: []string{"邻居建房影响采光", "邻居房屋加层遮挡采光通风"},
				facts: []string{
					"{resp}家在原宅基地上加盖第{num:3-4}层，离{我}家不到两米，{我}家一楼白天都要开灯。",
				},
				details: []string{"{我}问过{resp}有没有建房审批手续，他拿不出来。"},
				asks:    []string{"{诉}希望相关部门核查{resp}建房是否有审批手续，依法处理。"},
				fixes:   []string{"镇规划部门核查后责令{resp}停止加层，双方就采光问题达成补偿协议。"},
			},
		},
	},
	{
		code: "land_contract", weight: 6, dept: "{town}农业综合服务站",
		suspend: []string{"涉及承包地面积和四至，待农经部门调取确权档案核实，中止办理。"},
		matters: []matter{
			{
				resp: "person", where: rural,
				subjects: []string{"承包地被他人占种", "要求归还被占承包地"},
				facts: []string{
					"{我}家在组里有承包地{num:2-5}亩，有确权证，{我}外出打工期间被同组{resp}占种至今，要求归还不给。",
				},
				details: []string{
					"{resp}说地是原来组长口头调给他的，没有任何手续。",
					"今年{我}回家准备种{pick:茶叶|魔芋|玉米}，才发现地里已经被种上了。",
				},
				asks:  []string{"{诉}请求依法确认承包经营权，退还土地。"},
				fixes: []string{"经镇村调解，{resp}同意本季作物收获后退还承包地，并补偿占种期间收益{money:1000-4000}。"},
			},
			{
				resp: "org:coop", where: rural,
				subjects: []string{"合作社拖欠土地流转费", "土地流转费被拖欠"},
				facts: []string{
					"{我}家和同组{num:20-40}户村民的承包地流转给{resp}种茶，合同约定每亩每年{money:300-600}，已经拖欠{num:2-3}年没付。",
				},
				details: []string{"老板说茶叶行情不好，等有钱了再给。", "流转合同是村委会统一签的，村里说让{我们}自己去找老板。"},
				asks:    []string{"{诉}希望政府督促{resp}按合同支付流转费。"},
				fixes:   []string{"经镇政府协调，{resp}与村民签订还款计划，年底前付清拖欠的流转费。"},
			},
			{
				resp: "village", where: rural, sex: 'F', born: [2]int{1975, 1995},
				subjects: []string{"出嫁女土地权益受侵害", "外嫁女要求享受集体收益分配"},
				facts: []string{
					"{我}{year:5-15}嫁到外村，但户口一直没迁走，今年组里分配{pick:征地补偿款|集体收益分红}时却不给{我}分。",
				},
				details: []string{"组里开会说出嫁的女儿就是泼出去的水，不算本组人。"},
				asks:    []string{"{诉}要求依法保障出嫁女的合法权益。"},
				fixes:   []string{"经镇司法所指导，村民小组依法重新核定分配名单，当事人享受同等分配。"},
			},
			{
				resp: "village", where: rural,
				subjects: []string{"土地确权面积与实际不符", "承包地确权登记错误"},
				facts: []string{
					"{我}家承包地确权证上只有{num:1-2}亩，实际种了三亩多，另一块地还登记到了别人名下。",
				},
				details: []string{"当年测量时{我}在外打工，没人通知{我}到场。"},
				asks:    []string{"{诉}请求重新核实测量，更正确权登记。"},
				fixes:   []string{"镇农业综合服务站会同村组重新实测，报县农业农村局更正了确权登记信息。"},
			},
		},
	},
	{
		code: "homestead", weight: 6, dept: "{town}自然资源所",
		suspend: []string{"界址争议需自然资源部门测绘确认，待测绘结果出具后再行调处，中止办理。"},
		matters: []matter{
			{
				resp: "person", where: rural,
				subjects: []string{"宅基地界址纠纷", "邻居建房侵占我家宅基地"},
				facts: []string{
					"{我}和{resp}两家宅基地相邻，{resp}今年翻建新房，地基往{我}家这边多占了将近一米。",
				},
				details: []string{
					"{我}家有{year:15-30}发的宅基地使用证，上面四至写得很清楚。",
					"双方为此吵过好几次，差点动手。",
				},
				asks:  []string{"{诉}请求有关部门现场测量，依法处理。"},
				fixes: []string{"镇自然资源所现场测量后，双方按原证四至确认界址，{resp}拆除越界部分墙体。"},
			},
			{
				resp: "person", where: rural,
				subjects: []string{"农村房屋买卖后卖方反悔", "房屋买卖纠纷"},
				facts: []string{
					"{我}{year:2-6}花了{money:80000-200000}买了同村{resp}的旧房，写了协议按了手印，现在{resp}听说要搬迁有补偿，就要求收回房子。",
				},
				details: []string{"这几年{我}又花钱翻修了屋顶和厨房。"},
				asks:    []string{"{诉}希望依法调解，保护{我}的合法权益。"},
				fixes:   []string{"经调解，双方确认买卖有效，房屋搬迁补偿归当事人，由其另行补偿{resp}{money:10000-30000}。"},
			},
			{
				resp: "person", where: urban,
				subjects: []string{"房东拒不退还租房押金", "租房押金纠纷"},
				facts: []string{
					"{我}之前租住{resp}的房子，合同到期搬走后，房东以墙面弄脏为由扣下押金{money:1000-3000}不退。",
				},
				details: []string{"{我}搬走时拍了视频，房子收拾得干干净净。"},
				asks:    []string{"{诉}希望社区帮助调解，退还押金。"},
				fixes:   []string{"经社区调解，房东退还押金{money:800-2500}。"},
			},
		},
	},
	{
		code: "land_acquisition", weight: 5, dept: "{county}自然资源局",
		reject: []string{"征收补偿决定已进入行政复议程序，依法不予受理，已告知当事人等待复议结果。"},
		matters: []matter{
			{
				resp: "town", where: rural,
				subjects: []string{"征地补偿标准偏低", "对{place}征地补偿标准有异议"},
				facts: []string{
					"{我}家的{num:1-4}亩耕地被征用于{pick:高速公路|工业园区|安置小区|城市道路}建设，补偿标准每亩只有{money:30000-60000}，比旁边组低了不少。",
				},
				details: []string{
					"征地时没有公示补偿方案，也没人来丈量，直接就给了个数。",
					"地上还有{num:50-200}棵茶树和果树，附着物补偿一分没有。",
				},
				asks:  []string{"{诉}要求公开征地补偿依据，按标准足额补偿。"},
				fixes: []string{"经镇政府核查，补发地上附着物补偿{money:5000-20000}，并向当事人公开了征地批复及补偿标准文件。"},
			},
			{
				resp:     "org:developer",
				subjects: []string{"安置房迟迟未交付", "拆迁安置房逾期未交房", "过渡费停发要求补发"},
				facts: []string{
					"{我}家老房子{year:2-4}被拆，签协议时说好两年内交安置房，现在逾期{num:6-20}个月还没交房，工地也停工了。",
				},
				details: []string{
					"过渡费从{month:3-8}开始就停发了，{我}一家{num:3-6}口在外租房，每月房租{money:800-1500}。",
					"去{resp}问了好几次，只说资金紧张，等等再说。",
				},
				asks:  []string{"{诉}要求尽快交付安置房，补发过渡费。"},
				fixes: []string{"经协调，{resp}承诺于年底前复工，并一次性补发拖欠过渡费{money:6000-15000}。"},
			},
			{
				resp: "person", where: rural,
				subjects: []string{"组里征地补偿款分配不公", "要求公开征地补偿款账目"},
				facts: []string{
					"{place}{spot}集体土地被征收，补偿款{money:300000-900000}由组长{resp}保管，分配方案没有开会讨论，有的户分得多有的户分得少。",
				},
				details: []string{"组里有{num:10-30}户村民对分配方案有意见。"},
				asks:    []string{"{诉}要求公开账目，按户籍人口公平分配。"},
				fixes:   []string{"镇经管站审计组账后，召开村民小组会议重新表决分配方案并张榜公示。"},
			},
			{
				resp: "org:builder", where: rural,
				subjects: []string{"修路占地青苗补偿未到位", "产业路建设占地补偿纠纷"},
				facts: []string{
					"{resp}修{pick:通村公路|产业路}占了{我}家{num:1-3}亩茶园，说好的青苗补偿{money:3000-9000}到现在没给。",
				},
				details: []string{"施工队说补偿款已经给了村上，村上说还没到账。"},
				asks:    []string{"{诉}要求尽快兑现补偿款。"},
				fixes:   []string{"经镇村核实，补偿款已拨付至村委会账户，现已发放至当事人。"},
			},
		},
	},
	{
		code: "labour", weight: 12, dept: "{county}人社局劳动保障监察大队",
		reject:  []string{"属劳动人事争议仲裁受理范围，已引导当事人向{county}劳动人事争议仲裁委员会申请仲裁。"},
		suspend: []string{"待劳动能力鉴定结论，中止办理。", "用人单位负责人在外地，约谈未果，待其返回后继续，中止办理。"},
		matters: []matter{
			{
				resp: "org:builder", sex: 'M', born: [2]int{1962, 1990},
				subjects: []string{"讨要拖欠工资", "包工头拖欠农民工工资", "工地欠薪{money:8000-45000}未付"},
				facts: []string{
					"{我}{month:4-10}起在{resp}承建的{pick:安置小区|学校教学楼|商住楼|产业园厂房}工地干{pick:钢筋工|木工|泥瓦工|小工}，包工头{sur1}某拖欠{我}工资{money:8000-45000}至今未付。",
					"{我}跟着{resp}的班组在{county}干了{num:5-9}个月活，工钱一直说年底结，现在工程完工了，还欠{我}{money:8000-45000}。",
				},
				details: []string{
					"和{我}一样被欠工资的还有{num:5-15}个工友。",
					"{我}多次去工地找，项目部说工程款已经拨给包工头了，包工头电话关机。",
					"家里孩子上学、老人看病都等着这笔钱。",
				},
				asks:  []string{"{诉}请求劳动监察部门督促{resp}支付拖欠工资。", "{诉}希望政府帮忙把工资要回来。"},
				fixes: []string{"经劳动保障监察大队介入，{resp}从工程款中代为支付拖欠工资{money:8000-45000}。"},
			},
			{
				resp: "org:factory", born: [2]int{1968, 1998},
				subjects: []string{"工伤后单位不予赔偿", "工伤待遇纠纷"},
				facts: []string{
					"{我}在{resp}上班，{month:2-8}在车间操作时{pick:右手被机器压伤|从梯子上摔下导致腰椎骨折|左腿被货物砸伤}，住院{num:15-60}天。",
				},
				details: []string{
					"单位只垫付了部分医药费，也没给{我}买工伤保险，现在不管了。",
					"{我}已经申请了工伤认定，正在等劳动能力鉴定。",
				},
				asks:  []string{"{诉}要求单位依法承担工伤赔偿。"},
				fixes: []string{"经调解，{resp}一次性支付工伤待遇{money:40000-120000}，双方解除劳动关系。"},
			},
			{
				resp:     "org:factory",
				subjects: []string{"单位未缴纳社会保险", "要求补缴养老保险"},
				facts: []string{
					"{我}在{resp}工作{num:3-8}年，公司一直没给{我}交养老保险和医疗保险，每次问都说试用期、临时工。",
				},
				details: []string{"和{我}情况一样的还有好几个工友。"},
				asks:    []string{"{诉}要求单位依法补缴社会保险。"},
				fixes:   []string{"经劳动保障监察责令，{resp}已为当事人补缴社会保险费。"},
			},
			{
				resp:     "org:shop",
				subjects: []string{"被无故辞退要求经济补偿", "辞退后工资未结清"},
				facts: []string{
					"{我}在{resp}做{pick:收银员|保洁员|仓库管理员|服务员}，{day:5-20}被老板口头辞退，没给任何补偿，最后一个月工资{money:2500-4500}也没结。",
				},
				details: []string{"{我}在那里干了{num:2-6}年，一直没签劳动合同。"},
				asks:    []string{"{诉}要求结清工资并依法支付经济补偿。"},
				fixes:   []string{"经调解，{resp}结清工资并支付经济补偿{money:3000-12000}。"},
			},
		},
	},
	{
		code: "medical", weight: 3, dept: "{county}医疗纠纷人民调解委员会",
		reject:  []string{"当事人已就医疗损害向人民法院起诉，依法不予受理。"},
		suspend: []string{"待医疗损害责任鉴定结论，中止办理。"},
		matters: []matter{
			{
				resp:     "org:hospital",
				subjects: []string{"对手术治疗结果有异议", "手术后出现并发症要求医院赔偿"},
				facts: []string{
					"{我}{pick:母亲|父亲|妻子}{month:1-4}在{resp}做{pick:胆囊切除|骨折内固定|子宫肌瘤切除|白内障}手术，术后出现{pick:感染|大出血|神经损伤}，又转院治疗花了{money:20000-80000}。",
				},
				details: []string{
					"{我}认为是医生操作失误，医院说是正常并发症，拒绝赔偿。",
					"病历{我}复印了一份，医院一开始还不让复印。",
				},
				asks:  []string{"{诉}希望医调委介入调解，查明责任。"},
				fixes: []string{"经医疗纠纷人民调解委员会调解，{resp}一次性补偿{money:15000-60000}，双方再无其他纠纷。"},
			},
			{
				resp:     "org:clinic",
				subjects: []string{"诊所误诊延误治疗", "孩子被误诊要求说法"},
				facts: []string{
					"{我}孩子发烧在{resp}输了{num:3-5}天液不见好转，转到市里医院才确诊是{pick:肺炎|阑尾炎|手足口病}，医生说耽误了。",
				},
				details: []string{"前后住院又花了{money:6000-20000}。"},
				asks:    []string{"{诉}要求诊所承担责任、赔偿医疗费。"},
				fixes:   []string{"经医调委调解，{resp}退还诊疗费并补偿{money:3000-10000}。"},
			},
			{
				resp:     "org:hospital",
				subjects: []string{"医院收费不合理", "住院费用清单有疑问"},
				facts: []string{
					"{我}{pick:父亲|母亲}在{resp}住院{num:7-20}天，出院结算时发现清单里有很多没用过的检查和药，总费用{money:8000-30000}。",
				},
				asks:  []string{"{诉}请求有关部门核查收费，退还多收的费用。"},
				fixes: []string{"经医保局核查，{resp}退还不合理收费{money:600-3000}。"},
			},
		},
	},
	{
		code: "traffic", weight: 5, dept: "{county}道路交通事故纠纷人民调解委员会",
		reject:  []string{"交通事故损害赔偿已起诉至人民法院，依法不予受理。"},
		suspend: []string{"待伤残等级鉴定结论，中止办理。"},
		matters: []matter{
			{
				resp:     "person",
				subjects: []string{"交通事故赔偿未履行", "被撞伤后对方拒绝赔偿"},
				facts: []string{
					"{我}{day:10-60}骑电动车在{town}附近的{pick:国道|村道|集镇路口}被{resp}驾驶的小轿车撞伤，{pick:左腿骨折|锁骨骨折|多处软组织挫伤}，住院{num:10-30}天。",
				},
				details: []string{
					"交警认定对方负全部责任，但对方只垫付了{money:3000-8000}医药费，后续费用都推给保险公司。",
					"保险公司说要等伤残鉴定后再赔，{我}现在没法干活，家里没收入。",
				},
				asks:  []string{"{诉}希望调解组织尽快组织双方和保险公司调解。"},
				fixes: []string{"经交通事故纠纷调解室调解，{resp}及其承保公司赔偿医疗费、误工费等共计{money:30000-90000}。"},
			},
			{
				resp:     "org:insurer",
				subjects: []string{"车辆保险理赔纠纷", "保险公司理赔金额过低"},
				facts: []string{
					"{我}的货车{month:1-3}在{pick:十天高速|包茂高速|国道316线}发生事故，在{resp}买了车损险，定损后只同意赔{money:8000-20000}，实际修车花了{money:25000-50000}。",
				},
				asks:  []string{"{诉}要求保险公司按实际损失理赔。"},
				fixes: []string{"经调解，{resp}重新定损，同意补赔{money:6000-15000}。"},
			},
			{
				resp: "person", where: rural,
				subjects: []string{"农用车事故赔偿纠纷", "被三轮车撞伤赔偿问题"},
				facts: []string{
					"{我}{pick:父亲|母亲}{day:15-60}在{place}村道上被{resp}开的农用三轮车撞倒，{pick:股骨骨折|头部受伤|肋骨骨折}，对方没有买保险。",
				},
				details: []string{"{resp}家说拿不出钱，只给了{money:2000-5000}。"},
				asks:    []string{"{诉}希望调解组织出面，让对方承担医疗费。"},
				fixes:   []string{"经村调委会调解，{resp}分期赔偿医疗费、护理费共{money:15000-40000}。"},
			},
		},
	},
	{
		code: "property_management", weight: 9, dept: "{county}住建局物业管理办公室",
		matters: []matter{
			{
				resp: "org:property", where: urban,
				subjects: []string{"物业服务差且催缴方式不当", "物业停用门禁卡催缴物业费"},
				facts: []string{
					"{resp}每平米收{pick:0.8元|1.0元|1.2元}物业费，小区垃圾好几天没人清，楼道灯坏了半年没人修。",
				},
				details: []string{
					"{我}因为服务差没交{pick:去年|前两年}的物业费，物业就给{我}家停了门禁卡，还在业主群里点名。",
					"小区里的绿化带被人占着种菜，物业也不管。",
				},
				asks:  []string{"{诉}希望住建部门督促物业公司提高服务质量，不得用停门禁的方式催缴。"},
				fixes: []string{"社区组织物业、业主代表协商，{resp}限期整改公共照明与保洁，业主补交物业费，恢复门禁。"},
			},
			{
				resp: "org:property", where: urban,
				subjects: []string{"小区电梯频繁故障", "电梯长期停运无人维修", "反映{place}小区电梯安全隐患"},
				facts: []string{
					"{我}家那栋楼的电梯{month:1-3}以来坏了{num:4-9}次，上个月还困过人，{resp}一直说等配件。",
				},
				details: []string{
					"楼里住着好几个老人，腿脚不好爬不了楼。",
					"物业说电梯大修要动用维修资金，需要业主签字同意，迟迟办不下来。",
				},
				asks:  []string{"{诉}请求有关部门督促物业尽快彻底维修电梯。"},
				fixes: []string{"经协调，{resp}申请使用维修资金更换电梯主板及钢丝绳，经检验合格后恢复运行。"},
			},
			{
				resp: "org:property", where: urban,
				subjects: []string{"小区停车乱收费", "物业占用公共道路收停车费"},
				facts: []string{
					"{resp}把小区公共道路划成车位，每月收{money:100-300}停车费，不交就不让车进小区。",
				},
				asks:  []string{"{诉}要求公开停车收益去向，收益归全体业主所有。"},
				fixes: []string{"经住建部门核查，{resp}承诺公示公共停车收益，并纳入业主共有资金管理。"},
			},
			{
				resp: "org:property", where: urban,
				subjects: []string{"楼顶漏水物业不予维修", "顶楼漏水要求维修"},
				facts: []string{
					"{我}家住顶楼，楼顶防水层坏了，一下雨就漏，找{resp}好几次，物业说要业主自己出钱修。",
				},
				asks:  []string{"{诉}希望督促物业组织维修。"},
				fixes: []string{"{resp}启用维修资金对楼顶防水进行了整体维修。"},
			},
		},
	},
	{
		code: "construction", weight: 4, dept: "{county}住房和城乡建设局",
		matters: []matter{
			{
				resp:     "org:developer",
				subjects: []string{"拖欠工程款", "工程验收后对方拒付尾款"},
				facts: []string{
					"{我}带人给{resp}做了{pick:外墙涂料|水电安装|钢结构}工程，结算款{money:80000-300000}，验收都完了，对方一拖再拖。",
				},
				details: []string{"{我}手下还有{num:6-15}个工人等着发工资。"},
				asks:    []string{"{诉}请求协调{resp}按合同付款。"},
				fixes:   []string{"经住建部门约谈，{resp}与当事人签订付款协议，分两期付清工程款。"},
			},
			{
				resp: "org:decor", where: urban,
				subjects: []string{"装修公司施工质量问题", "新房装修出现质量问题公司推脱"},
				facts: []string{
					"{我}{month:3-8}找{resp}装修新房，合同价{money:60000-150000}，住进去没多久就出现{pick:墙面开裂|地砖空鼓|卫生间漏水}，公司推脱不管。",
				},
				asks:  []string{"{诉}要求装修公司返工维修并赔偿损失。"},
				fixes: []string{"经市场监管和社区调解，{resp}同意免费返工维修，并赔偿{money:2000-6000}。"},
			},
			{
				resp: "person", where: rural,
				subjects: []string{"邻居建房施工致我家房屋开裂", "施工损坏房屋赔偿纠纷"},
				facts: []string{
					"{resp}家挖地基修房子，用挖掘机破石头，{我}家的老房子墙体被震出好几道裂缝。",
				},
				details: []string{"{我}怕房子塌，晚上都不敢在屋里睡。"},
				asks:    []string{"{诉}要求对方停止施工、修复房屋。"},
				fixes:   []string{"镇村干部组织鉴定后调解，{resp}承担房屋维修费用{money:5000-15000}。"},
			},
			{
				resp: "org:developer", where: urban,
				subjects: []string{"商品房交房多年办不了不动产证", "要求开发商办理房产证"},
				facts: []string{
					"{我}{year:3-6}买了{resp}开发的商品房，交房已经好几年，不动产证到现在都办不下来。",
				},
				details: []string{"听说开发商欠着土地出让金，所以办不了证。", "孩子上学要房产证，现在只能借读。"},
				asks:    []string{"{诉}请求政府督促开发商尽快办证。"},
				fixes:   []string{"经住建、自然资源部门联合协调，{resp}补缴相关税费，已为业主分批办理不动产证。"},
			},
		},
	},
	{
		code: "environment", weight: 6, dept: "安康市生态环境局{countyshort}分局",
		matters: []matter{
			{
				resp: "org:quarry", where: rural,
				subjects: []string{"砂石厂粉尘污染严重", "石料厂粉尘噪音扰民"},
				facts: []string{
					"{resp}在{place}河边开了砂石厂，每天粉碎石料，粉尘很大，{我}家房前屋后全是灰。",
				},
				details: []string{
					"拉砂石的大车来回跑，村道都被压坏了。",
					"地里的{pick:茶叶|蔬菜}叶子上全是灰，卖不出去。",
				},
				asks:  []string{"{诉}请求环保部门检查处理。"},
				fixes: []string{"生态环境分局现场检查，责令{resp}加装喷淋降尘设施、运输车辆加盖篷布，并修复损坏的村道。"},
			},
			{
				resp: "org:farm", where: rural,
				subjects: []string{"养猪场粪污直排河沟", "养殖场臭味和污水影响生活"},
				facts: []string{
					"{resp}养了{num:300-1500}头猪，粪水直接排进{place}旁边的小河沟，沟里的水发黑发臭。",
				},
				details: []string{
					"下游好几户人家以前用这条沟的水浇地，现在都不敢用。",
					"天热的时候臭味大，苍蝇多，晚上窗户都不敢开。",
				},
				asks:  []string{"{诉}要求养殖场整改，停止直排。"},
				fixes: []string{"经环保、农业部门联合检查，责令{resp}完善粪污处理设施，限期整改，已复查合格。"},
			},
			{
				resp: "org:restaurant", where: urban,
				subjects: []string{"楼下烧烤店油烟噪音扰民", "餐馆油烟直排影响居民"},
				facts: []string{
					"{我}家楼下的{resp}每天营业到凌晨两三点，油烟直接往楼上飘，喝酒划拳声音很大。",
				},
				asks:  []string{"{诉}希望有关部门处理油烟和噪音问题。"},
				fixes: []string{"城管、环保部门责令{resp}安装油烟净化器、改造排烟口，室外经营限至晚十一点。"},
			},
			{
				resp: "org:builder", where: urban,
				subjects: []string{"工地夜间施工噪音扰民", "建筑工地深夜施工"},
				facts: []string{
					"{resp}在{place}附近的工地天天晚上打混凝土，十二点以后还在施工，声音吵得人睡不着。",
				},
				asks:  []string{"{诉}要求禁止夜间违规施工。"},
				fixes: []string{"住建部门约谈施工单位，夜间施工须办理许可并公示，违规夜间作业已停止。"},
			},
			{
				resp: "person", where: rural,
				subjects: []string{"河道非法采砂", "有人夜间偷采河砂"},
				facts: []string{
					"有人在{place}附近的河道里晚上偷偷采砂，挖掘机作业到半夜，河岸被掏空，{我}家的地塌了一块。",
				},
				details: []string{"听村里人说是{resp}带人干的。"},
				asks:    []string{"{诉}请求水利和公安部门依法查处。"},
				fixes:   []string{"水利、公安部门联合执法，查扣采砂设备，责令{resp}恢复河岸，并赔偿当事人损失{money:2000-6000}。"},
			},
		},
	},
	{
		code: "consumer", weight: 5, dept: "{county}市场监督管理局",
		matters: []matter{
			{
				resp: "org:gym", where: urban,
				subjects: []string{"健身房关门预付卡无法退费", "预付卡商家跑路"},
				facts: []string{
					"{我}{month:3-8}在{resp}办了{pick:年卡|两年卡}，花了{money:1800-4800}，才用了{num:5-20}次，门店突然关门，老板联系不上。",
				},
				details: []string{"像{我}这样办了卡的会员有一百多人，建了维权群。"},
				asks:    []string{"{诉}希望市场监管部门帮助追回预付费用。"},
				fixes:   []string{"经市场监管局约谈经营者，{resp}与会员签订退款协议，按剩余次数分期退费。"},
			},
			{
				resp: "org:seed", where: rural,
				subjects: []string{"购买劣质种子导致减产", "农资质量问题要求赔偿"},
				facts: []string{
					"{我}{month:4-7}在{resp}买的{pick:玉米种子|水稻种子|魔芋种|复合肥}，种下去长势很差，{num:3-8}亩地基本绝收。",
				},
				details: []string{"同村还有好几户买了同一批，情况都一样。"},
				asks:    []string{"{诉}要求经营部赔偿损失。"},
				fixes:   []string{"经农业农村局鉴定、市场监管所调解，{resp}赔偿种子款及损失{money:2000-9000}。"},
			},
			{
				resp:     "org:travel",
				subjects: []string{"旅游团强制购物", "旅行社违约要求退费"},
				facts: []string{
					"{我}{month:1-3}报了{resp}的{pick:云南|海南|成都}{num:5-7}日游，说好是纯玩团，结果导游一天带去三四个购物店，不买就甩脸色。",
				},
				asks:  []string{"{诉}要求旅行社退还部分团费并道歉。"},
				fixes: []string{"经文旅部门调解，{resp}退还部分团费{money:300-900}并书面道歉。"},
			},
			{
				resp: "org:school", where: urban,
				subjects: []string{"培训机构拒不退费", "课外培训退费纠纷"},
				facts: []string{
					"{我}给孩子在{resp}报了{pick:英语|数学|舞蹈|编程}课，一次交了{money:5000-12000}，上了几节课孩子不想去了，机构说概不退费。",
				},
				asks:  []string{"{诉}要求按剩余课时退费。"},
				fixes: []string{"经市场监管所调解，{resp}按剩余课时退还费用{money:3000-9000}。"},
			},
			{
				resp:     "org:appliance",
				subjects: []string{"新买冰箱有质量问题商家拒绝退换", "家电质量问题投诉"},
				facts: []string{
					"{我}{day:10-40}在{resp}买了一台冰箱，花了{money:2800-5200}，用了不到半个月就不制冷，商家只肯维修不给换。",
				},
				asks:  []string{"{诉}要求按三包规定退换。"},
				fixes: []string{"经市场监管所调解，{resp}为当事人更换同型号新机。"},
			},
		},
	},
	{
		code: "debt_contract", weight: 7, dept: "{town}人民调解委员会",
		reject: []string{"属民间借贷纠纷，已引导当事人向人民法院提起诉讼。"},
		matters: []matter{
			{
				resp:     "person",
				subjects: []string{"民间借款到期不还", "借钱不还请求调解"},
				facts: []string{
					"{resp}{year:1-3}找{我}借了{money:20000-100000}，说好一年还，有借条，到期后一拖再拖，现在电话也不接。",
				},
				details: []string{"那钱是{我}给孩子攒的学费。"},
				asks:    []string{"{诉}希望帮助协调{resp}还款。"},
				fixes:   []string{"经调解，{resp}承认借款事实，签订分期还款协议，每月归还{money:2000-5000}。"},
			},
			{
				resp: "org:tea", where: rural,
				subjects: []string{"茶叶收购款被拖欠", "鲜叶款至今未结"},
				facts: []string{
					"{我}家{month:3-6}把采的春茶鲜叶卖给{resp}，一共{money:6000-25000}，老板打了白条，说茶卖出去再结。",
				},
				details: []string{"村里还有{num:10-30}户的鲜叶款也没结。"},
				asks:    []string{"{诉}请求督促{resp}支付货款。"},
				fixes:   []string{"经镇调委会调解，{resp}分两次付清鲜叶收购款。"},
			},
			{
				resp:     "person",
				subjects: []string{"门面房租赁合同纠纷", "房东提前收回门面"},
				facts: []string{
					"{我}租了{resp}的门面开{pick:小超市|理发店|早餐店}，合同签了{num:3-5}年，才一年多房东就要收回另租，{我}刚装修花了{money:30000-80000}。",
				},
				asks:  []string{"{诉}要求房东履行合同或赔偿装修损失。"},
				fixes: []string{"经调解，双方解除合同，房东补偿装修损失{money:15000-40000}并退还押金。"},
			},
			{
				resp: "person", where: rural,
				subjects: []string{"合伙养殖散伙后账目纠纷", "合伙生意分账纠纷"},
				facts: []string{
					"{我}和{resp}合伙养{pick:黑猪|山羊|土鸡}，各投了{money:50000-100000}，去年散伙时{resp}把存栏全卖了，钱一直没分。",
				},
				asks:  []string{"{诉}希望调解组织帮助算清账目。"},
				fixes: []string{"经调解，双方核对账目，{resp}返还当事人{money:30000-70000}。"},
			},
		},
	},
	{
		code: "damage", weight: 4, dept: "{place}人民调解委员会",
		reject: []string{"该事项已由公安机关依法处理，赔偿问题已引导当事人通过诉讼解决。"},
		matters: []matter{
			{
				resp:     "person",
				subjects: []string{"被邻居家狗咬伤要求赔偿", "犬只伤人赔偿纠纷"},
				facts: []string{
					"{我}{day:3-20}路过{resp}家门口，被他家没拴的狗咬伤小腿，打狂犬疫苗、处理伤口花了{money:1500-4000}。",
				},
				asks:  []string{"{诉}要求狗主人赔偿医疗费、误工费。"},
				fixes: []string{"经调解，{resp}赔偿医疗费、误工费共{money:2000-5000}，并承诺拴养犬只。"},
			},
			{
				resp: "person", where: urban,
				subjects: []string{"楼上坠物砸坏车辆", "高空坠物损害赔偿"},
				facts: []string{
					"{我}的车停在自家楼下，{day:3-15}被楼上掉下来的{pick:花盆|瓷砖|晾衣杆}砸坏了前挡风玻璃和引擎盖，修车花了{money:3000-9000}。",
				},
				details: []string{"物业调了监控，能看出是从{resp}家阳台掉下来的，但对方不认。"},
				asks:    []string{"{诉}要求{resp}赔偿修车费。"},
				fixes:   []string{"经社区调解，{resp}赔偿修车费{money:2000-6000}。"},
			},
			{
				resp: "person", where: rural,
				subjects: []string{"邻居家牲畜毁坏庄稼", "牛羊啃食庄稼赔偿纠纷"},
				facts: []string{
					"{resp}家放养的{pick:牛|羊|猪}跑进{我}家地里，把{pick:快成熟的玉米|刚栽的茶苗|油菜}啃了一大片，损失{money:800-3000}。",
				},
				details: []string{"这已经是今年第{num:2-4}次了。"},
				asks:    []string{"{诉}要求{resp}赔偿损失并圈养牲畜。"},
				fixes:   []string{"经村调委会调解，{resp}赔偿损失{money:600-2000}，承诺圈养。"},
			},
			{
				resp:     "person",
				subjects: []string{"纠纷中被打伤要求赔偿", "打架致伤医药费纠纷"},
				facts: []string{
					"{day:5-30}{我}和{resp}因为{pick:放水浇地|停车|倒垃圾}的事发生口角，{resp}动手把{我}打伤，{pick:鼻梁骨折|头皮裂伤|肋骨骨裂}。",
				},
				details: []string{"派出所已出警处理，对方被行政拘留，但医药费{money:3000-12000}对方一直不给。"},
				asks:    []string{"{诉}要求赔偿医疗费和误工费。"},
				fixes:   []string{"经调解，{resp}赔偿医疗费、误工费共{money:4000-15000}，并当面赔礼道歉。"},
			},
		},
	},
	{
		code: "forest_water", weight: 3, dept: "{town}林业水利站",
		suspend: []string{"涉及林权界址，待林业部门勘界确权后再行调处，中止办理。"},
		matters: []matter{
			{
				resp: "person", where: rural,
				subjects: []string{"山林界址纠纷", "自留山林木被砍"},
				facts: []string{
					"{我}家和{resp}家的自留山在{pick:后山|对面坡|沟口}相邻，{resp}把界线往{我}家这边挪了，还砍了{我}家{num:10-40}棵{pick:松树|杉树|青冈树}。",
				},
				details: []string{"林权证上有四至，但当年划界就是指着山梁说的，没有界桩。"},
				asks:    []string{"{诉}请求林业部门现场勘界，赔偿林木损失。"},
				fixes:   []string{"林业站会同村委会现场勘界、埋设界桩，{resp}赔偿林木损失{money:1500-6000}。"},
			},
			{
				resp: "person", where: rural,
				subjects: []string{"灌溉用水纠纷", "上游截水导致下游无水灌溉"},
				facts: []string{
					"{place}{pick:堰塘|水渠}的水一直是几个组轮流用，今年{resp}在上游把渠口堵了，水全引到自己家的{pick:鱼塘|稻田|茶园}，下游{num:10-20}户的地没水浇。",
				},
				asks:  []string{"{诉}希望村里出面按老规矩分水。"},
				fixes: []string{"村调委会召集用水户协商，制定轮灌时间表，{resp}拆除堵水设施。"},
			},
			{
				resp: "village", where: rural,
				subjects: []string{"村里自来水经常停水", "饮水工程供水不正常"},
				facts: []string{
					"{place}{spot}的安全饮水工程修好才{num:2-4}年，今年以来经常停水，一停就是好几天，{我}家只能去一里外挑水吃。",
				},
				asks:  []string{"{诉}请求水利部门检修供水管网，保障饮水。"},
				fixes: []string{"水利站检修了蓄水池和主管道，更换破损管道{num:200-600}米，已恢复正常供水。"},
			},
		},
	},
	{
		code: "social_security", weight: 4, dept: "{town}民政办",
		matters: []matter{
			{
				resp: "village", born: [2]int{1950, 1965},
				subjects: []string{"申请低保未被批准", "低保评定不公"},
				facts: []string{
					"{我}今年六十多岁，老伴常年卧病，家里没有劳动力，申请了{num:2-3}次低保都没批下来，村里说名额有限。",
				},
				details: []string{"同组有的人家有车有房还吃着低保，{我}觉得不公平。"},
				asks:    []string{"{诉}请求重新审核低保申请，并核查低保评定是否公平。"},
				fixes: []string{
					"镇民政办入户核查，当事人家庭符合条件，已纳入农村低保。",
					"经入户核查，当事人家庭收入超过低保标准，已向其解释政策，并给予临时救助{money:1000-3000}。",
				},
			},
			{
				resp: "county:社会保险经办中心", born: [2]int{1958, 1966},
				subjects: []string{"养老金待遇核定有误", "养老保险缴费年限少算"},
				facts: []string{
					"{我}{year:1-2}满六十岁，在{county}社保中心办了领取手续，但每月只有{money:200-300}，说是有几年缴费记录查不到。",
				},
				asks:  []string{"{诉}要求核实缴费记录，重新核定待遇。"},
				fixes: []string{"社保中心核查补录了当事人{num:2-4}年缴费记录，重新核定养老金待遇并补发差额。"},
			},
			{
				resp:     "county:医疗保障局",
				subjects: []string{"住院费用医保报销比例有异议", "异地就医报销问题"},
				facts: []string{
					"{我}{pick:丈夫|妻子|父亲}在{pick:西安|汉中|重庆}住院，花了{money:40000-120000}，回来报销时只报了三成多，说是异地就医没备案。",
				},
				asks:  []string{"{诉}请求按政策补办备案、重新报销。"},
				fixes: []string{"医保局核实后为当事人补办异地就医备案，补报医疗费用{money:8000-30000}。"},
			},
			{
				resp:     "county:残疾人联合会",
				subjects: []string{"残疾人两项补贴停发", "残疾补贴未按时发放"},
				facts: []string{
					"{我}{pick:儿子|女儿}是{pick:二级|一级}智力残疾，残疾证早就办了，但两项补贴从{month:4-10}以后就没发了。",
				},
				asks:  []string{"{诉}要求查明原因，补发补贴。"},
				fixes: []string{"经核查系年审信息未更新所致，已补办年审并补发两项补贴。"},
			},
		},
	},
	{
		code: "administrative", weight: 3, dept: "{county}政务服务管理局",
		matters: []matter{
			{
				resp:     "county:不动产登记中心",
				subjects: []string{"不动产登记办理拖延", "过户手续迟迟办不下来"},
				facts: []string{
					"{我}{day:30-60}在{county}政务服务中心提交了{pick:房屋过户|宅基地确权|抵押注销}材料，工作人员说{num:15-20}个工作日办好，到现在还没消息，打电话也说不清楚。",
				},
				asks:  []string{"{诉}希望尽快办结，告知办理进度。"},
				fixes: []string{"经督办，{resp}已办结登记并通知当事人领证，对窗口人员未及时告知进度进行了提醒。"},
			},
			{
				resp: "county:城市管理执法局", where: urban,
				subjects: []string{"对城管执法方式有意见", "摆摊物品被暂扣未开单据"},
				facts: []string{
					"{我}在{place}路边摆摊卖{pick:自家种的菜|水果|凉皮}，{day:3-15}城管执法人员把{我}的{pick:三轮车|秤和摊位|货物}拉走了，也没开任何单据。",
				},
				asks:  []string{"{诉}要求返还物品，规范执法。"},
				fixes: []string{"经核查，暂扣时未出具清单属程序不规范，{resp}已返还暂扣物品，并对执法人员批评教育。"},
			},
			{
				resp: "police", sex: 'F', born: [2]int{1988, 2001},
				subjects: []string{"孩子落户手续办不下来", "非婚生子女落户问题"},
				facts: []string{
					"{我}孩子{year:1-3}出生，因为{我}和孩子父亲没领结婚证，去{resp}给孩子上户口，说要做亲子鉴定，来回跑了{num:3-5}次。",
				},
				asks:  []string{"{诉}希望按政策尽快给孩子落户。"},
				fixes: []string{"{resp}按无户口人员落户政策，凭出生医学证明和亲子鉴定报告为孩子办理了落户。"},
			},
		},
	},
	{
		code: "other", weight: 3, dept: "{towngov}",
		matters: []matter{
			{
				subjects: []string{"{place}路灯长期不亮", "路灯损坏无人维修"},
				facts:    []string{"{place}{spot}附近的路灯坏了{num:2-5}个月，晚上一片漆黑，上个月有老人摔倒。"},
				asks:     []string{"{诉}希望尽快修复路灯。"},
				fixes:    []string{"已协调供电所和城管部门更换了损坏的路灯{num:4-12}盏。"},
			},
			{
				where:    rural,
				subjects: []string{"班车减少群众出行不便", "要求恢复农村客运班次"},
				facts:    []string{"{town}到城区的班车从每天六趟减到两趟，{place}的老人孩子看病上学很不方便。"},
				asks:     []string{"{诉}希望交通部门恢复班次。"},
				fixes:    []string{"经交通运输局协调，客运公司恢复早晚各一班，并在赶集日加开班车。"},
			},
			{
				subjects: []string{"垃圾清运不及时", "垃圾收集点长期无人清理"},
				facts:    []string{"{place}的垃圾收集点{num:5-10}天没人清运，垃圾堆满了溢到路上，天热臭气熏天。"},
				asks:     []string{"{诉}希望尽快清运并增加清运频次。"},
				fixes:    []string{"已督促保洁公司清运积存垃圾，清运频次调整为每日一次。"},
			},
		},
	},
}

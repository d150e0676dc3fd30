// Package units holds the organisations (机构/单位) that receive, handle,
// review and are measured: centres, petition offices, departments,
// mediation committees, courts. Staff belong to one unit; a unit sits in a
// region and may have a parent unit.
package units

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"
)

// Kind is what sort of organisation a unit is.
type Kind string

const (
	KindCentre            Kind = "centre"             // 综治中心/矛调中心
	KindPetitionOffice    Kind = "petition_office"    // 信访部门
	KindDepartment        Kind = "department"         // 职能部门（人社局、住建局、卫健委…）
	KindPeopleCommittee   Kind = "people_committee"   // 人民调解委员会（含村居调委会）
	KindIndustryCommittee Kind = "industry_committee" // 行业性专业性调解委员会
	KindCourt             Kind = "court"              // 法院/人民法庭
	KindProcuratorate     Kind = "procuratorate"      // 检察院
	KindPolice            Kind = "police"             // 公安派出所
	KindTownship          Kind = "township"           // 乡镇街道
	KindVillage           Kind = "village"            // 村社区
)

// Kinds lists every kind, in the order forms show them.
var Kinds = []Kind{KindCentre, KindPetitionOffice, KindDepartment, KindPeopleCommittee, KindIndustryCommittee,
	KindCourt, KindProcuratorate, KindPolice, KindTownship, KindVillage}

var kindLabels = map[Kind]string{
	KindCentre: "综治中心/矛调中心", KindPetitionOffice: "信访部门", KindDepartment: "职能部门",
	KindPeopleCommittee: "人民调解委员会", KindIndustryCommittee: "行业性专业性调解委员会", KindCourt: "法院/人民法庭",
	KindProcuratorate: "检察院", KindPolice: "公安派出所", KindTownship: "乡镇街道", KindVillage: "村社区",
}

func (k Kind) Valid() bool   { _, ok := kindLabels[k]; return ok }
func (k Kind) Label() string { return kindLabels[k] }

// Specialty is the field of an industry committee (行业性专业性调解委员会).
type Specialty string

const (
	SpecialtyMedical         Specialty = "medical"          // 医疗纠纷
	SpecialtyTraffic         Specialty = "traffic"          // 道路交通
	SpecialtyLabour          Specialty = "labour"           // 劳动争议
	SpecialtyProperty        Specialty = "property"         // 物业
	SpecialtyLandAcquisition Specialty = "land_acquisition" // 征地拆迁
	SpecialtyEnvironment     Specialty = "environment"      // 环境保护
	SpecialtyConsumer        Specialty = "consumer"         // 消费
	SpecialtyOther           Specialty = "other"            // 其他
)

// Specialties lists every specialty.
var Specialties = []Specialty{SpecialtyMedical, SpecialtyTraffic, SpecialtyLabour, SpecialtyProperty,
	SpecialtyLandAcquisition, SpecialtyEnvironment, SpecialtyConsumer, SpecialtyOther}

var specialtyLabels = map[Specialty]string{
	SpecialtyMedical: "医疗纠纷", SpecialtyTraffic: "道路交通", SpecialtyLabour: "劳动争议", SpecialtyProperty: "物业",
	SpecialtyLandAcquisition: "征地拆迁", SpecialtyEnvironment: "环境保护", SpecialtyConsumer: "消费", SpecialtyOther: "其他",
}

func (s Specialty) Valid() bool   { _, ok := specialtyLabels[s]; return ok }
func (s Specialty) Label() string { return specialtyLabels[s] }

// Unit is an organisation.
type Unit struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Kind       Kind      `json:"kind"`
	Specialty  Specialty `json:"specialty,omitempty"` // industry committees only
	RegionCode string    `json:"region_code"`
	ParentID   *int64    `json:"parent_id"`
	Phone      string    `json:"phone"`
	Address    string    `json:"address"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Filter selects units. Region is a padded code whose subtree is listed
// (within the actor's scope), Q a part of the name.
type Filter struct {
	Region string
	Kind   Kind
	Q      string
	Active *bool
	Limit  int
}

// Store is the storage of units.
type Store interface {
	// WithTx returns the store bound to a unit of work.
	WithTx(tx kernel.Tx) Store
	Create(ctx context.Context, u *Unit) error
	Unit(ctx context.Context, id int64) (*Unit, error)
	Update(ctx context.Context, u *Unit) error
	// List returns the units in the subtree of prefix (a region prefix, ""
	// for all) matching f, by region then name.
	List(ctx context.Context, prefix string, f Filter) ([]*Unit, error)
	// InRegions returns the units whose region is one of codes (padded;
	// every unit for nil), by region then id: with kernel.RegionAncestors,
	// the units whose staff see a case.
	InRegions(ctx context.Context, codes []string) ([]*Unit, error)
}

// Regions checks that a region exists.
type Regions interface {
	Region(ctx context.Context, code string) (*kernel.Region, error)
}

// Service manages units.
type Service struct {
	Store   Store
	Regions Regions
	Tx      kernel.Transactor
	Now     func() time.Time
}

// NewService returns a service on the wall clock.
func NewService(st Store, regions Regions, tx kernel.Transactor) *Service {
	return &Service{Store: st, Regions: regions, Tx: tx, Now: time.Now}
}

// NewUnit describes a unit to create.
type NewUnit struct {
	Name       string
	Kind       Kind
	Specialty  Specialty
	RegionCode string // any accepted form
	ParentID   *int64
	Phone      string
	Address    string
}

// Patch changes a unit; nil fields stay as they are. ParentID 0 clears the
// parent.
type Patch struct {
	Name       *string
	Kind       *Kind
	Specialty  *Specialty
	RegionCode *string
	ParentID   *int64
	Phone      *string
	Address    *string
	Active     *bool
}

// errOutside is the answer for a unit or region outside the actor's scope:
// the same as for one that does not exist, so scope reveals nothing.
func errOutside(field string) error {
	return &kernel.Error{Code: kernel.EForbidden, Message: "只能管理本辖区内的机构",
		Fields: map[string]string{field: "不在您的管辖范围内"}}
}

// Create adds a unit in the actor's region.
func (s *Service) Create(ctx context.Context, actor kernel.Actor, nu NewUnit) (*Unit, error) {
	if err := actor.Require(kernel.PermManage); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	u := &Unit{Name: nu.Name, Kind: nu.Kind, Specialty: nu.Specialty, RegionCode: nu.RegionCode, ParentID: nu.ParentID,
		Phone: nu.Phone, Address: nu.Address, Active: true, CreatedAt: now, UpdatedAt: now}
	err := s.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		st := s.Store.WithTx(tx)
		if err := s.check(ctx, st, actor, u); err != nil {
			return err
		}
		return conflict(st.Create(ctx, u))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Update changes a unit in the actor's region (and keeps it there).
func (s *Service) Update(ctx context.Context, actor kernel.Actor, id int64, p Patch) (*Unit, error) {
	if err := actor.Require(kernel.PermManage); err != nil {
		return nil, err
	}
	var u *Unit
	err := s.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		st := s.Store.WithTx(tx)
		var err error
		if u, err = s.get(ctx, st, actor, id); err != nil {
			return err
		}
		if p.Name != nil {
			u.Name = *p.Name
		}
		if p.Kind != nil {
			u.Kind = *p.Kind
			if u.Kind != KindIndustryCommittee && p.Specialty == nil {
				u.Specialty = ""
			}
		}
		if p.Specialty != nil {
			u.Specialty = *p.Specialty
		}
		if p.RegionCode != nil {
			u.RegionCode = *p.RegionCode
		}
		if p.ParentID != nil {
			u.ParentID = p.ParentID
			if *p.ParentID == 0 {
				u.ParentID = nil
			}
		}
		if p.Phone != nil {
			u.Phone = *p.Phone
		}
		if p.Address != nil {
			u.Address = *p.Address
		}
		if p.Active != nil {
			u.Active = *p.Active
		}
		u.UpdatedAt = s.Now().UTC()
		if err := s.check(ctx, st, actor, u); err != nil {
			return err
		}
		return conflict(st.Update(ctx, u))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func conflict(err error) error {
	if kernel.ErrorCode(err) == kernel.EConflict {
		return &kernel.Error{Code: kernel.EConflict, Message: "该行政区划内已有同名机构",
			Fields: map[string]string{"name": "该行政区划内已有同名机构"}}
	}
	return err
}

// check validates u (normalising its region code) against the actor's
// scope and its parent.
func (s *Service) check(ctx context.Context, st Store, actor kernel.Actor, u *Unit) error {
	fields := map[string]string{}
	u.Name = strings.TrimSpace(u.Name)
	u.Phone = strings.TrimSpace(u.Phone)
	u.Address = strings.TrimSpace(u.Address)
	if n := utf8.RuneCountInString(u.Name); n < 2 || n > 64 {
		fields["name"] = "机构名称应为2至64个字符"
	}
	if !u.Kind.Valid() {
		fields["kind"] = "机构类型应为 centre、petition_office、department、people_committee、industry_committee、court、procuratorate、police、township 或 village"
	}
	switch {
	case u.Kind == KindIndustryCommittee && u.Specialty == "":
		fields["specialty"] = "行业性专业性调解委员会须注明专业领域"
	case u.Specialty != "" && !u.Specialty.Valid():
		fields["specialty"] = "专业领域应为 medical、traffic、labour、property、land_acquisition、environment、consumer 或 other"
	case u.Specialty != "" && u.Kind != KindIndustryCommittee:
		fields["specialty"] = "只有行业性专业性调解委员会才有专业领域"
	}
	if utf8.RuneCountInString(u.Phone) > 32 {
		fields["phone"] = "联系电话不能超过32个字符"
	}
	if utf8.RuneCountInString(u.Address) > 200 {
		fields["address"] = "地址不能超过200个字符"
	}
	code, ok := kernel.NormalizeRegionCode(u.RegionCode)
	if !ok {
		fields["region_code"] = "行政区划代码格式错误"
	}
	if len(fields) > 0 {
		return &kernel.Error{Code: kernel.EInvalid, Message: "机构信息有误", Fields: fields}
	}
	u.RegionCode = code
	if !actor.Sees(code) {
		return errOutside("region_code")
	}
	if _, err := s.Regions.Region(ctx, code); kernel.ErrorCode(err) == kernel.ENotFound {
		return kernel.FieldError("region_code", "行政区划代码不存在")
	} else if err != nil {
		return err
	}
	if u.ParentID != nil {
		if *u.ParentID == u.ID {
			return kernel.FieldError("parent_id", "上级机构不能是本机构")
		}
		parent, err := st.Unit(ctx, *u.ParentID)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return kernel.FieldError("parent_id", "上级机构不存在")
		} else if err != nil {
			return err
		}
		// The parent may sit above the actor's region (a county department
		// under the city's), but it must cover the unit's region.
		if !kernel.InRegion(code, parent.RegionCode) {
			return kernel.FieldError("parent_id", "上级机构的辖区应包含本机构所在的行政区划")
		}
		if u.ID != 0 {
			// No cycles: walk up from the parent.
			for p, n := parent, 0; p.ParentID != nil && n < 32; n++ {
				if *p.ParentID == u.ID {
					return kernel.FieldError("parent_id", "上级机构不能是本机构的下级")
				}
				if p, err = st.Unit(ctx, *p.ParentID); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// get returns a unit the actor may see.
func (s *Service) get(ctx context.Context, st Store, actor kernel.Actor, id int64) (*Unit, error) {
	u, err := st.Unit(ctx, id)
	if err != nil {
		return nil, err
	}
	if !actor.Sees(u.RegionCode) {
		return nil, kernel.Errorf(kernel.ENotFound, "机构不存在")
	}
	return u, nil
}

// Unit returns a unit in the actor's region.
func (s *Service) Unit(ctx context.Context, actor kernel.Actor, id int64) (*Unit, error) {
	return s.get(ctx, s.Store, actor, id)
}

// List returns the units in the actor's region matching f (at most 500).
func (s *Service) List(ctx context.Context, actor kernel.Actor, f Filter) ([]*Unit, error) {
	prefix := actor.Scope()
	if f.Region != "" {
		code, ok := kernel.NormalizeRegionCode(f.Region)
		if !ok {
			return nil, kernel.FieldError("region", "行政区划代码格式错误")
		}
		if !actor.Sees(code) {
			return []*Unit{}, nil
		}
		prefix = kernel.RegionPrefix(code)
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, kernel.FieldError("kind", "未知的机构类型")
	}
	f.Q = strings.TrimSpace(f.Q)
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	return s.Store.List(ctx, prefix, f)
}

// CheckMember checks that staff may belong to unit id when created or
// changed by actor: the unit exists, is active and lies in the actor's
// region (staff.Units).
func (s *Service) CheckMember(ctx context.Context, actor kernel.Actor, id int64) error {
	u, err := s.Store.Unit(ctx, id)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return kernel.FieldError("unit_id", "机构不存在")
	} else if err != nil {
		return err
	}
	if !actor.Sees(u.RegionCode) {
		return kernel.FieldError("unit_id", "机构不在您的管辖范围内")
	}
	if !u.Active {
		return kernel.FieldError("unit_id", "机构已停用")
	}
	return nil
}

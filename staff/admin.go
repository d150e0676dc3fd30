package staff

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"
)

// Units checks the unit an account is put in: it exists, is active and lies
// in the region of the admin doing it.
type Units interface {
	CheckMember(ctx context.Context, actor kernel.Actor, unitID int64) error
}

// Account administration (PermManage). An admin manages the accounts of
// their own region and below: they cannot create an account above or beside
// it, nor move one there, so nobody can grant more than they have.

// Create adds an account on behalf of an admin.
func (s *Service) Create(ctx context.Context, actor kernel.Actor, nu NewUser) (*User, error) {
	if err := actor.Require(kernel.PermManage); err != nil {
		return nil, err
	}
	if code, ok := kernel.NormalizeRegionCode(nu.RegionCode); ok && !actor.Sees(code) {
		return nil, outsideRegion()
	}
	if err := s.checkUnit(ctx, actor, nu.UnitID); err != nil {
		return nil, err
	}
	u, err := s.AddUser(ctx, nu)
	var e *kernel.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		// AddUser names the fields as the command line does; the API's
		// names are region_code and name.
		for from, to := range map[string]string{"region": "region_code", "display_name": "name"} {
			if m, ok := e.Fields[from]; ok {
				delete(e.Fields, from)
				e.Fields[to] = m
			}
		}
	}
	return u, err
}

func outsideRegion() error {
	return &kernel.Error{Code: kernel.EForbidden, Message: "只能在本人管辖的行政区划内设置账户",
		Fields: map[string]string{"region_code": "不能高于或超出您本人的管辖范围"}}
}

func (s *Service) checkUnit(ctx context.Context, actor kernel.Actor, id *int64) error {
	if id == nil {
		return nil
	}
	if s.Units == nil {
		return kernel.FieldError("unit_id", "本系统未启用机构管理")
	}
	return s.Units.CheckMember(ctx, actor, *id)
}

// List returns the accounts in the admin's region, by username.
func (s *Service) List(ctx context.Context, actor kernel.Actor) ([]*User, error) {
	if err := actor.Require(kernel.PermManage); err != nil {
		return nil, err
	}
	return s.Store.ListUsers(ctx, actor.Scope())
}

// Change is an admin's change to an account; nil fields stay as they are.
// UnitID 0 takes the account out of its unit.
type Change struct {
	DisplayName *string
	Password    *string
	Role        *kernel.Role
	RegionCode  *string
	UnitID      *int64
	Disabled    *bool
}

// Update changes an account in the admin's region. Disabling it or setting
// a new password ends its sessions in the same transaction: its tokens stop
// working at once.
func (s *Service) Update(ctx context.Context, actor kernel.Actor, username string, ch Change) (*User, error) {
	if err := actor.Require(kernel.PermManage); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	var hash string
	if ch.Password != nil {
		if n := utf8.RuneCountInString(*ch.Password); n < 8 || n > 128 {
			fields["password"] = "密码长度应为8至128个字符"
		} else {
			var err error
			if hash, err = HashPassword(*ch.Password); err != nil {
				return nil, err
			}
		}
	}
	if ch.Role != nil && !ch.Role.Valid() {
		fields["role"] = "角色应为 window_clerk、hotline_agent、mediator、supervisor、leader 或 admin"
	}
	if ch.DisplayName != nil && utf8.RuneCountInString(strings.TrimSpace(*ch.DisplayName)) > 64 {
		fields["name"] = "姓名不能超过64个字符"
	}
	var code string
	if ch.RegionCode != nil {
		var ok bool
		if code, ok = kernel.NormalizeRegionCode(*ch.RegionCode); !ok {
			fields["region_code"] = "行政区划代码格式错误"
		}
	}
	if len(fields) > 0 {
		return nil, &kernel.Error{Code: kernel.EInvalid, Message: "用户信息有误", Fields: fields}
	}
	if code != "" {
		if !actor.Sees(code) {
			return nil, outsideRegion()
		}
		if _, err := s.Regions.Region(ctx, code); kernel.ErrorCode(err) == kernel.ENotFound {
			return nil, kernel.FieldError("region_code", "行政区划代码不存在")
		} else if err != nil {
			return nil, err
		}
	}
	if ch.UnitID != nil && *ch.UnitID != 0 {
		if err := s.checkUnit(ctx, actor, ch.UnitID); err != nil {
			return nil, err
		}
	}
	var u *User
	err := s.Store.Transactor().InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		st := s.Store.WithTx(tx)
		var err error
		u, err = st.UserByUsername(ctx, strings.ToLower(strings.TrimSpace(username)))
		if kernel.ErrorCode(err) == kernel.ENotFound || err == nil && !actor.Sees(u.RegionCode) {
			return kernel.Errorf(kernel.ENotFound, "用户不存在")
		} else if err != nil {
			return err
		}
		self := u.ID == actor.UserID
		if self && (ch.Disabled != nil && *ch.Disabled || ch.Role != nil && *ch.Role != u.Role ||
			code != "" && code != u.RegionCode) {
			// An admin locking themselves out would need another to undo it.
			return kernel.Errorf(kernel.EForbidden, "不能停用本人账户或更改本人的角色、行政区划")
		}
		endSessions := false
		if ch.DisplayName != nil {
			u.DisplayName = strings.TrimSpace(*ch.DisplayName)
		}
		if ch.Role != nil {
			u.Role = *ch.Role
		}
		if code != "" {
			u.RegionCode = code
		}
		if ch.UnitID != nil {
			u.UnitID = ch.UnitID
			if *ch.UnitID == 0 {
				u.UnitID = nil
			}
		}
		if hash != "" {
			u.PasswordHash = hash
			endSessions = true
		}
		if ch.Disabled != nil {
			endSessions = endSessions || *ch.Disabled && !u.Disabled
			u.Disabled = *ch.Disabled
		}
		u.UpdatedAt = s.Now().UTC()
		if err := st.UpdateUser(ctx, u); err != nil {
			return err
		}
		if endSessions {
			_, err = st.DeleteUserSessions(ctx, u.ID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

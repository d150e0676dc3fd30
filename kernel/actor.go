package kernel

// Role is a staff role. Residents are not staff; they act through channels.
type Role string

const (
	RoleWindowClerk  Role = "window_clerk"  // 窗口受理员
	RoleHotlineAgent Role = "hotline_agent" // 热线坐席
	RoleMediator     Role = "mediator"      // 调解员
	RoleSupervisor   Role = "supervisor"    // 督办/科室负责人
	RoleLeader       Role = "leader"        // 领导
	RoleAdmin        Role = "admin"         // 系统管理员
)

// Roles lists every staff role.
var Roles = []Role{RoleWindowClerk, RoleHotlineAgent, RoleMediator, RoleSupervisor, RoleLeader, RoleAdmin}

var roleLabels = map[Role]string{
	RoleWindowClerk: "窗口受理员", RoleHotlineAgent: "热线坐席", RoleMediator: "调解员",
	RoleSupervisor: "督办员", RoleLeader: "领导", RoleAdmin: "系统管理员",
}

func (r Role) Valid() bool   { _, ok := roleLabels[r]; return ok }
func (r Role) Label() string { return roleLabels[r] }

// Permission is something a role may do.
type Permission string

const (
	PermRegister   Permission = "register"   // register intakes
	PermTransition Permission = "transition" // move cases through the status machine
	PermRevealPII  Permission = "reveal_pii" // read unmasked ID numbers and phones
	PermManage     Permission = "manage"     // manage users
	PermGrids      Permission = "grids"      // add grids (网格) under villages
	PermAssign     Permission = "assign"     // give cases to handlers (分派/交办)
	PermSchedule   Permission = "schedule"   // plan and publish reception days (领导接访日); a leader only their own
)

// permissions: leaders read, supervise and hand cases out (交办) but do not
// handle them; admins manage the system but have no need to see residents'
// personal data.
var permissions = map[Role][]Permission{
	RoleWindowClerk:  {PermRegister, PermTransition, PermRevealPII},
	RoleHotlineAgent: {PermRegister, PermRevealPII},
	RoleMediator:     {PermRegister, PermTransition, PermRevealPII},
	RoleSupervisor:   {PermRegister, PermTransition, PermRevealPII, PermGrids, PermAssign, PermSchedule},
	RoleLeader:       {PermAssign, PermSchedule},
	RoleAdmin:        {PermManage, PermGrids, PermRegister, PermTransition, PermSchedule},
}

// Handles reports whether people in the role handle cases, and so can be
// assigned one.
func (r Role) Handles() bool {
	return r == RoleWindowClerk || r == RoleMediator || r == RoleSupervisor
}

// Can reports whether the role has the permission.
func (r Role) Can(p Permission) bool {
	for _, q := range permissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// Actor is who performs an operation. Every query is limited to the actor's
// region subtree.
type Actor struct {
	UserID     int64
	Name       string
	Role       Role
	RegionCode string // padded code of the scope root; "" means the whole tree
	System     bool   // background work and imports: no role checks
}

// SystemActor is used by imports, sweeps and other work no person does.
func SystemActor(name string) Actor { return Actor{Name: name, System: true} }

// Can reports whether the actor has the permission.
func (a Actor) Can(p Permission) bool { return a.System || a.Role.Can(p) }

// Scope returns the region prefix that bounds what the actor sees.
func (a Actor) Scope() string { return RegionPrefix(a.RegionCode) }

// Sees reports whether a region code lies in the actor's scope.
func (a Actor) Sees(code string) bool {
	return a.RegionCode == "" || InRegion(code, a.RegionCode)
}

// Require returns a forbidden error unless the actor has the permission.
func (a Actor) Require(p Permission) error {
	if a.Can(p) {
		return nil
	}
	return Errorf(EForbidden, "当前角色（%s）无权执行此操作", a.Role.Label())
}

// Code generated for the move to package kernel; removed once every
// caller names kernel directly.

package cases

import "github.com/jiefen/jiefen/kernel"

type Error = kernel.Error

var Errorf = kernel.Errorf
var FieldError = kernel.FieldError
var ErrorCode = kernel.ErrorCode
var ErrorMessage = kernel.ErrorMessage
var ErrorFields = kernel.ErrorFields

const EInvalid = kernel.EInvalid
const ENotFound = kernel.ENotFound
const EConflict = kernel.EConflict
const EUnauthorized = kernel.EUnauthorized
const EForbidden = kernel.EForbidden
const ELocked = kernel.ELocked
const EInternal = kernel.EInternal
const EUnavailable = kernel.EUnavailable
const EUpstream = kernel.EUpstream

type Role = kernel.Role
type Permission = kernel.Permission
type Actor = kernel.Actor

var SystemActor = kernel.SystemActor

const RoleWindowClerk = kernel.RoleWindowClerk
const RoleHotlineAgent = kernel.RoleHotlineAgent
const RoleMediator = kernel.RoleMediator
const RoleSupervisor = kernel.RoleSupervisor
const RoleLeader = kernel.RoleLeader
const RoleAdmin = kernel.RoleAdmin
const PermRegister = kernel.PermRegister
const PermTransition = kernel.PermTransition
const PermRevealPII = kernel.PermRevealPII
const PermManage = kernel.PermManage
const PermGrids = kernel.PermGrids
const PermAssign = kernel.PermAssign
const PermSchedule = kernel.PermSchedule

var Roles = kernel.Roles

type Region = kernel.Region

var NormalizeRegionCode = kernel.NormalizeRegionCode
var RegionLevel = kernel.RegionLevel
var RegionPrefix = kernel.RegionPrefix
var InRegion = kernel.InRegion
var RegionAncestors = kernel.RegionAncestors
var CountyCode = kernel.CountyCode

const LevelProvince = kernel.LevelProvince
const LevelCity = kernel.LevelCity
const LevelCounty = kernel.LevelCounty
const LevelTown = kernel.LevelTown
const LevelVillage = kernel.LevelVillage
const LevelGrid = kernel.LevelGrid

var ValidMobile = kernel.ValidMobile
var IDNumberProblem = kernel.IDNumberProblem
var IDCheckChar = kernel.IDCheckChar

type Channel = kernel.Channel

const ChannelWeChat = kernel.ChannelWeChat
const ChannelHotline = kernel.ChannelHotline
const ChannelVideo = kernel.ChannelVideo
const ChannelWindow = kernel.ChannelWindow
const ChannelWeb = kernel.ChannelWeb
const ChannelImport = kernel.ChannelImport

var Channels = kernel.Channels

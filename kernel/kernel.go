// Package kernel holds what every Jiefen module shares and nothing else:
// the domain error type, actors with their roles and permissions, region
// codes, channels, the ID number and phone validators, and the unit of
// work (Tx) that stores and services bind to. It imports no database,
// web or outside-service package, so staff, residents, regions and the
// case, mediation and petition modules can all build on it.
package kernel

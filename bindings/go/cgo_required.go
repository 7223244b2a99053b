//go:build !cgo

package dmsprogress

// The package is a cgo binding of the native dms-progress library, so it cannot be built
// with CGO_ENABLED=0 (or without a C compiler, where cgo turns itself off). Built only then,
// this file makes the first error of the build say so, ahead of the identifiers the cgo
// files would have defined. (A type, not a var: the compiler reports type errors first.)
type _ dmsprogress_needs_cgo__build_with_CGO_ENABLED_1_and_a_C_compiler

package kernel

import (
	"errors"
	"fmt"
)

// Error codes shared by every domain package. The web layer maps them to HTTP
// statuses in one place; anything else is an internal error.
const (
	EInvalid      = "invalid"
	ENotFound     = "not_found"
	EConflict     = "conflict"
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	ELocked       = "locked"
	EInternal     = "internal"
	// EUnavailable: the operation exists but this server is not configured
	// for it (a channel without its secret).
	EUnavailable = "unavailable"
	// EUpstream: an outside service (WeChat) failed, not the client.
	EUpstream = "upstream_unavailable"
)

// Error is the domain error: a machine code, a Chinese message meant for the
// user, and optional per-field messages keyed by JSON path.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
}

// Errorf returns a domain error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError is an invalid-input error that names one field.
func FieldError(field, message string) *Error {
	return &Error{Code: EInvalid, Message: "提交的数据有误", Fields: map[string]string{field: message}}
}

// ErrorCode returns the code of a domain error, EInternal for anything else
// and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of a domain error, or a generic
// one: internal error text never reaches clients.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "服务器内部错误"
}

// ErrorFields returns the field errors of a domain error, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

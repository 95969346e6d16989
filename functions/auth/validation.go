package auth

import (
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/ihep/backend/shared/httpapi"
)

const (
	minPasswordLength = 8
	// maxPasswordLength bounds work on the identity side; Identity Platform
	// accepts up to 4096 characters.
	maxPasswordLength = 256
	maxFullNameLength = 200
	// maxEmailLength is RFC 5321's limit on a forward path.
	maxEmailLength = 254
)

func invalid(code, message string) *httpapi.Error {
	return httpapi.NewError(http.StatusBadRequest, code, message)
}

// normalizeEmail trims and lower-cases the address and checks that it is a
// plain addr-spec (no display name).
func normalizeEmail(raw string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(raw))
	if email == "" {
		return "", invalid("email_required", "The e-mail address is required.")
	}
	if len(email) > maxEmailLength {
		return "", invalid("invalid_email", "The e-mail address is longer than 254 characters.")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return "", invalid("invalid_email", "The e-mail address is not valid.")
	}
	return email, nil
}

func validatePassword(password string) error {
	length := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return invalid("password_required", "The password is required.")
	case length < minPasswordLength:
		return invalid("weak_password", "The password must be at least 8 characters long.")
	case length > maxPasswordLength:
		return invalid("invalid_password", "The password must be at most 256 characters long.")
	case isCommonPassword(password):
		return invalid("weak_password", "This password is too common. Choose a less predictable one.")
	}
	return nil
}

func validateSignup(req *signupRequest) (string, error) {
	email, err := normalizeEmail(req.Email)
	if err != nil {
		return "", err
	}
	if err := validatePassword(req.Password); err != nil {
		return "", err
	}
	req.FullName = strings.TrimSpace(req.FullName)
	length := utf8.RuneCountInString(req.FullName)
	switch {
	case length == 0:
		return "", invalid("full_name_required", "The full name is required.")
	case length > maxFullNameLength:
		return "", invalid("invalid_full_name", "The full name must be at most 200 characters long.")
	case !utf8.ValidString(req.FullName) || strings.ContainsFunc(req.FullName, isControl):
		return "", invalid("invalid_full_name", "The full name contains characters that are not allowed.")
	}
	return email, nil
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f
}

package authn

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"firebase.google.com/go/v4/auth"
)

// clockSkew matches the Admin SDK's tolerance for iat and exp.
const clockSkew = 5 * time.Minute

var errExpired = errors.New("token expired")

// wellFormed reports whether token has three base64url segments whose first
// two are JSON objects, so that garbage gets token_malformed rather than
// token_invalid.
func wellFormed(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 8192 {
		return false
	}
	for _, part := range parts[:2] {
		data, err := base64.RawURLEncoding.DecodeString(part)
		if err != nil || !json.Valid(data) || !strings.HasPrefix(strings.TrimSpace(string(data)), "{") {
			return false
		}
	}
	return true
}

// decodeEmulatorToken applies the Admin SDK's claim checks (audience,
// issuer, subject, issue and expiry times) to an Auth emulator token, which
// is unsigned. It must only be used for demo- projects.
func decodeEmulatorToken(token, projectID string, now time.Time) (*auth.Token, error) {
	parts := strings.Split(token, ".")
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("token payload is not base64url")
	}
	var decoded auth.Token
	if err := json.Unmarshal(data, &decoded); err != nil {
		return nil, errors.New("token payload is not a claim set")
	}
	if err := json.Unmarshal(data, &decoded.Claims); err != nil {
		return nil, errors.New("token payload is not a claim set")
	}
	switch {
	case decoded.Audience != projectID:
		return nil, errors.New("token audience is another project")
	case decoded.Issuer != "https://securetoken.google.com/"+projectID:
		return nil, errors.New("token issuer is another project")
	case decoded.Subject == "" || len(decoded.Subject) > 128:
		return nil, errors.New("token subject is invalid")
	case time.Unix(decoded.IssuedAt, 0).After(now.Add(clockSkew)):
		return nil, errors.New("token issued in the future")
	case time.Unix(decoded.Expires, 0).Add(clockSkew).Before(now):
		return nil, errExpired
	}
	decoded.UID = decoded.Subject
	return &decoded, nil
}

package service

import (
	"net/http"

	"github.com/ihep/backend/shared/authn"
	"github.com/ihep/backend/shared/httpapi"
)

// AdminRole is the value of the "role" custom claim that allows catalog and
// directory writes. Identity Platform sets it through the Admin SDK
// (SetCustomUserClaims); users cannot set it themselves.
const AdminRole = "admin"

// ErrAdminRequired rejects a signed-in caller without the admin role.
var ErrAdminRequired = httpapi.NewError(http.StatusForbidden, "admin_required", "Only administrators can make this change.")

// VerifyAdmin verifies the request's token and returns the caller, or 401
// without a valid token and 403 admin_required without the admin role.
func (d *Deps) VerifyAdmin(r *http.Request) (*authn.User, error) {
	user, err := d.Verifier.Verify(r.Context(), r)
	if err != nil {
		return nil, err
	}
	if user.Role != AdminRole {
		return nil, ErrAdminRequired
	}
	return user, nil
}

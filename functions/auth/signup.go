package auth

import (
	"context"
	"errors"
	"net/http"

	firebaseauth "firebase.google.com/go/v4/auth"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/logging"
)

type signupRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	FullName string `json:"fullName"`
}

var errEmailExists = httpapi.NewError(http.StatusConflict, "email_exists", "An account with this e-mail address already exists.")

// signup creates the Identity Platform user, the FHIR Patient and the
// profile, then signs the user in.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var req signupRequest
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &req); err != nil {
		return err
	}
	email, err := validateSignup(&req)
	if err != nil {
		return err
	}
	if err := s.allow(ctx, signupLimit, httpapi.RequestFrom(ctx).ClientIP); err != nil {
		return err
	}

	uid, err := s.createUser(ctx, email, req.Password, req.FullName)
	if err != nil {
		_ = s.audit("auth-signup").Record(ctx, audit.Entry{Action: "signup", Outcome: audit.OutcomeFailure, Reason: httpapi.AsError(err).Code})
		return err
	}
	profile, _, err := s.accounts.Ensure(ctx, uid, req.FullName)
	if err != nil {
		s.rollbackUser(ctx, uid)
		return httpapi.Unavailable(err)
	}

	session, err := s.identity.SignInWithPassword(ctx, email, req.Password)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if err := s.recordSession(ctx, "auth-signup", "signup", session); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusCreated, sessionResponse(session, req.FullName, profile.ProfileCompleted))
}

func (s *Server) createUser(ctx context.Context, email, password, fullName string) (string, error) {
	params := (&firebaseauth.UserToCreate{}).Email(email).Password(password).DisplayName(fullName)
	user, err := s.admin.CreateUser(ctx, params)
	switch {
	case firebaseauth.IsEmailAlreadyExists(err):
		return "", errEmailExists
	case err != nil:
		return "", httpapi.Unavailable(errors.New("create identity platform user failed"))
	}
	return user.UID, nil
}

// rollbackUser deletes a user whose profile or Patient could not be created,
// so that the e-mail can sign up again. If the delete fails too, the next
// login repairs the account instead.
func (s *Server) rollbackUser(ctx context.Context, uid string) {
	logger := logging.FromContext(ctx)
	if err := s.admin.DeleteUser(context.WithoutCancel(ctx), uid); err != nil {
		logger.Error("sign-up rollback failed; login will repair the account", logging.KeyUserID, uid)
		return
	}
	logger.Warn("sign-up rolled back", logging.KeyUserID, uid)
}

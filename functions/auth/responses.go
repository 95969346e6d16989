package auth

import "github.com/ihep/backend/shared/identity"

// userBody is the user object of the original web client's contract.
type userBody struct {
	ID               string `json:"id"`
	Email            string `json:"email"`
	FullName         string `json:"fullName"`
	ProfileCompleted bool   `json:"profileCompleted"`
}

type sessionBody struct {
	Token        string    `json:"token"`
	RefreshToken string    `json:"refreshToken"`
	ExpiresIn    int       `json:"expiresIn"`
	User         *userBody `json:"user,omitempty"`
}

func sessionResponse(session *identity.Session, fullName string, profileCompleted bool) sessionBody {
	return sessionBody{
		Token:        session.IDToken,
		RefreshToken: session.RefreshToken,
		ExpiresIn:    session.ExpiresIn,
		User:         &userBody{ID: session.UserID, Email: session.Email, FullName: fullName, ProfileCompleted: profileCompleted},
	}
}

package profile

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/service"
)

// FunctionName is the manifest name of the function.
const FunctionName = "profile"

// Server serves the profile function.
type Server struct {
	*service.Deps
	handler http.Handler
	now     func() time.Time
}

// NewServer validates cfg and builds the clients. A nil logger means the
// default JSON logger on stderr.
func NewServer(ctx context.Context, cfg config.Base, logger *slog.Logger) (*Server, error) {
	deps, err := service.NewDeps(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: deps, now: time.Now}
	s.handler = deps.Handlers(map[string]service.Endpoint{
		FunctionName: {Methods: []string{http.MethodGet, http.MethodPatch}, Serve: s.serve},
	})[FunctionName]
	return s, nil
}

// Handler returns the function's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPatch {
		return s.update(w, r)
	}
	return s.read(w, r)
}

// profileBody is the profile as the API returns it.
type profileBody struct {
	ID                string                          `json:"id"`
	Email             string                          `json:"email"`
	FullName          string                          `json:"fullName"`
	PreferredLanguage string                          `json:"preferredLanguage"`
	TimeZone          string                          `json:"timeZone"`
	TemperatureUnit   string                          `json:"temperatureUnit"`
	Notifications     account.NotificationPreferences `json:"notifications"`
	ProfileCompleted  bool                            `json:"profileCompleted"`
	CreatedAt         string                          `json:"createdAt"`
}

// render combines the Firestore profile with the e-mail and display name
// that Identity Platform holds, filling the documented defaults.
func (s *Server) render(ctx context.Context, uid string, p *account.Profile) (profileBody, error) {
	user, err := s.Auth.GetUser(ctx, uid)
	if err != nil {
		return profileBody{}, httpapi.Unavailable(err)
	}
	body := profileBody{
		ID:                uid,
		Email:             user.Email,
		FullName:          user.DisplayName,
		PreferredLanguage: p.PreferredLanguage,
		TimeZone:          p.TimeZone,
		TemperatureUnit:   p.TemperatureUnit,
		Notifications:     p.NotificationChoices(),
		ProfileCompleted:  p.ProfileCompleted,
		CreatedAt:         p.CreatedAt.UTC().Format(time.RFC3339),
	}
	if body.PreferredLanguage == "" {
		body.PreferredLanguage = defaultLanguage
	}
	if body.TimeZone == "" {
		body.TimeZone = "UTC"
	}
	if body.TemperatureUnit == "" {
		body.TemperatureUnit = defaultTemperatureUnit
	}
	return body, nil
}

// read returns the caller's profile.
func (s *Server) read(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	p, err := s.Profile(ctx, user.UID)
	if err != nil {
		return err
	}

	body, err := s.render(ctx, user.UID, p)
	if err != nil {
		return err
	}
	entry := audit.Entry{Actor: user.UID, Action: "profile.read", Outcome: audit.OutcomeSuccess, ResourceType: "Patient", ResourceID: p.PatientID}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusOK, body)
}

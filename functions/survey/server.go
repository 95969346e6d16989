package survey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/catalog"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/service"
	"github.com/ihep/backend/shared/survey"
)

// FunctionName is the manifest name of the function.
const FunctionName = "survey"

// maxAnswers bounds the slugs one request may send.
const maxAnswers = 20

// Server serves the survey function.
type Server struct {
	*service.Deps
	catalog *catalog.Store
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
	s := &Server{Deps: deps, catalog: catalog.NewStore(deps.Firestore), now: time.Now}
	s.handler = deps.Handlers(map[string]service.Endpoint{
		FunctionName: {Methods: []string{http.MethodGet, http.MethodPost}, Serve: s.serve},
	})[FunctionName]
	return s, nil
}

// Handler returns the function's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPost {
		return s.answer(w, r)
	}
	return s.read(w, r)
}

type answersBody struct {
	Conditions []string `json:"conditions"`
}

// read returns the caller's current answers.
func (s *Server) read(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	patientID, err := s.PatientID(ctx, user.UID)
	if err != nil {
		return err
	}

	slugs, err := survey.Slugs(ctx, s.FHIR, patientID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	entry := audit.Entry{Actor: user.UID, Action: "survey.read", Outcome: audit.OutcomeSuccess, ResourceType: "Patient", ResourceID: patientID}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusOK, answersBody{Conditions: nonNil(slugs)})
}

type answerRequest struct {
	Conditions *[]string `json:"conditions"`
}

// answer replaces the caller's answers with the posted slugs and marks the
// profile complete. Sending the same answers again changes nothing.
func (s *Server) answer(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	var req answerRequest
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &req); err != nil {
		return err
	}
	slugs, names, err := s.checkAnswers(ctx, req)
	if err != nil {
		return err
	}
	patientID, err := s.PatientID(ctx, user.UID)
	if err != nil {
		return err
	}

	change, err := survey.Replace(ctx, s.FHIR, patientID, slugs, names, s.now())
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if err := s.markCompleted(ctx, user.UID); err != nil {
		return err
	}
	entry := audit.Entry{Actor: user.UID, Action: "survey.answer", Outcome: audit.OutcomeSuccess, ResourceType: "Patient", ResourceID: patientID,
		ResourceIDs: change.Deleted}
	if err := s.Audit(FunctionName).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return httpapi.Respond(w, http.StatusOK, answersBody{Conditions: nonNil(slugs)})
}

// checkAnswers validates the posted slugs against the catalog and returns
// them without duplicates, in catalog order, with their display names.
func (s *Server) checkAnswers(ctx context.Context, req answerRequest) ([]string, map[string]string, error) {
	if req.Conditions == nil {
		return nil, nil, httpapi.NewError(http.StatusBadRequest, "missing_conditions", "The conditions field is required: send a list of condition slugs, or an empty list for none.")
	}
	if len(*req.Conditions) > maxAnswers {
		return nil, nil, httpapi.NewError(http.StatusBadRequest, "too_many_conditions", fmt.Sprintf("At most %d conditions can be sent.", maxAnswers))
	}
	conditions, err := s.catalog.Conditions(ctx, false)
	if err != nil {
		return nil, nil, httpapi.Unavailable(err)
	}
	names := make(map[string]string, len(conditions))
	for _, c := range conditions {
		names[c.Slug] = c.Name
	}
	slugs, err := catalog.PickSlugs(conditions, *req.Conditions)
	if err != nil {
		return nil, nil, catalogError(err)
	}
	return slugs, names, nil
}

// markCompleted sets profileCompleted on the caller's profile.
func (s *Server) markCompleted(ctx context.Context, uid string) error {
	ref := s.Firestore.Collection(account.ProfilesCollection).Doc(uid)
	if _, err := ref.Update(ctx, []firestore.Update{{Path: "profileCompleted", Value: true}}); err != nil {
		return httpapi.Unavailable(fmt.Errorf("mark profile completed: %w", err))
	}
	return nil
}

func catalogError(err error) error {
	var v *catalog.ValidationError
	if errors.As(err, &v) {
		return httpapi.NewError(http.StatusBadRequest, v.Code, v.Message)
	}
	return httpapi.Unavailable(err)
}

func nonNil(slugs []string) []string {
	if slugs == nil {
		return []string{}
	}
	return slugs
}

package directory

import (
	"net/http"
	"time"

	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/httpapi"
)

type memberBody struct {
	ProviderID string `json:"providerId"`
	Primary    bool   `json:"primary"`
	LinkedAt   string `json:"linkedAt"`
	// Provider is the directory entry; null when it was removed.
	Provider *providerBody `json:"provider"`
}

func renderMember(m directory.Member, p *directory.Provider) memberBody {
	out := memberBody{ProviderID: m.ProviderID, Primary: m.Primary, LinkedAt: m.LinkedAt.UTC().Format(time.RFC3339)}
	if p != nil {
		body := renderProvider(p)
		out.Provider = &body
	}
	return out
}

// listCareTeam returns the caller's care team, primary provider first,
// with each provider's directory entry (two Firestore reads in all).
func (s *Server) listCareTeam(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	if err := httpapi.CheckQuery(r); err != nil {
		return err
	}

	members, err := s.directory.CareTeam(ctx, user.UID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.ProviderID
	}
	providers, err := s.directory.GetMany(ctx, ids)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	out := make([]memberBody, len(members))
	for i, m := range members {
		out[i] = renderMember(m, providers[m.ProviderID])
	}
	return httpapi.Respond(w, http.StatusOK, map[string]any{"members": out})
}

type linkRequest struct {
	ProviderID string `json:"providerId"`
	Primary    bool   `json:"primary"`
}

// link adds an active provider to the caller's care team or updates the
// link: 201 for a new link, 200 for an existing one. "primary": true makes
// it the one primary provider and demotes the previous one atomically.
func (s *Server) link(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	var req linkRequest
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &req); err != nil {
		return err
	}
	if req.ProviderID == "" {
		return errMissingProviderID
	}

	member, created, err := s.directory.Link(ctx, user.UID, req.ProviderID, req.Primary)
	if err != nil {
		return storeError(err)
	}
	provider, err := s.directory.Get(ctx, req.ProviderID)
	if err != nil {
		return storeError(err)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpapi.Respond(w, status, renderMember(member, provider))
}

// unlink removes ?providerId= from the caller's care team: 204, or 404 when
// it is not on the team.
func (s *Server) unlink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	if err := httpapi.CheckQuery(r, "providerId"); err != nil {
		return err
	}
	providerID := r.URL.Query().Get("providerId")
	if providerID == "" {
		return errMissingProviderID
	}

	if err := s.directory.Unlink(ctx, user.UID, providerID); err != nil {
		return storeError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package directory

import (
	"context"
	"net/http"

	"google.golang.org/genproto/googleapis/type/latlng"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/httpapi"
)

// providerInput is a provider write; absent fields keep their value.
type providerInput struct {
	Name             *string       `json:"name"`
	Specialty        *string       `json:"specialty"`
	AppointmentTypes *[]string     `json:"appointmentTypes"`
	Languages        *[]string     `json:"languages"`
	Address          *string       `json:"address"`
	Phone            *string       `json:"phone"`
	Email            *string       `json:"email"`
	Location         *locationBody `json:"location"`
	Active           *bool         `json:"active"`
}

func (in providerInput) apply(p *directory.Provider) error {
	setIf(&p.Name, in.Name)
	setIf(&p.Specialty, in.Specialty)
	setIf(&p.Address, in.Address)
	setIf(&p.Phone, in.Phone)
	setIf(&p.Email, in.Email)
	if in.AppointmentTypes != nil {
		p.AppointmentTypes = *in.AppointmentTypes
	}
	if in.Languages != nil {
		p.Languages = *in.Languages
	}
	if in.Location != nil {
		p.Location = &latlng.LatLng{Latitude: in.Location.Lat, Longitude: in.Location.Lng}
	}
	if in.Active != nil {
		p.Active = *in.Active
	}
	return nil
}

func setIf(dst *string, src *string) {
	if src != nil {
		*dst = *src
	}
}

// createProvider adds a provider to the directory (admins only). It is
// active unless the body sets active to false.
func (s *Server) createProvider(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	admin, err := s.VerifyAdmin(r)
	if err != nil {
		return err
	}
	var in providerInput
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &in); err != nil {
		return err
	}
	p := &directory.Provider{Active: true}
	if err := in.apply(p); err != nil {
		return err
	}

	id, err := s.directory.Create(ctx, p)
	if err != nil {
		return storeError(err)
	}
	if err := s.recordAdmin(ctx, admin.UID, "provider.create", id); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusCreated, renderProvider(p))
}

// updateProvider changes the provider named by ?id= (admins only);
// "active": false hides it from search and from new care-team links.
func (s *Server) updateProvider(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	admin, err := s.VerifyAdmin(r)
	if err != nil {
		return err
	}
	if err := httpapi.CheckQuery(r, "id"); err != nil {
		return err
	}
	var in providerInput
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &in); err != nil {
		return err
	}
	id := r.URL.Query().Get("id")

	updated, err := s.directory.Update(ctx, id, in.apply)
	if err != nil {
		return storeError(err)
	}
	if err := s.recordAdmin(ctx, admin.UID, "provider.update", id); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusOK, renderProvider(updated))
}

func (s *Server) recordAdmin(ctx context.Context, uid, action, id string) error {
	entry := audit.Entry{Actor: uid, Action: action, Outcome: audit.OutcomeSuccess, ResourceType: "Provider", ResourceID: id}
	if err := s.Audit(ProvidersFunction).Record(ctx, entry); err != nil {
		return httpapi.Unavailable(err)
	}
	return nil
}

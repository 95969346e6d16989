package catalog

import (
	"net/http"
	"time"

	"github.com/ihep/backend/shared/catalog"
	"github.com/ihep/backend/shared/httpapi"
)

type conditionBody struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Order       int    `json:"order"`
	Active      bool   `json:"active"`
}

func renderCondition(c catalog.Condition) conditionBody {
	return conditionBody{Slug: c.Slug, Name: c.Name, Description: c.Description, Order: c.Order, Active: c.Active}
}

// listConditions returns the active conditions in display order. It needs
// no sign-in: the catalog holds no personal data.
func (s *Server) listConditions(w http.ResponseWriter, r *http.Request) error {
	if err := httpapi.CheckQuery(r); err != nil {
		return err
	}
	conditions, err := s.catalog.Conditions(r.Context(), false)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	out := make([]conditionBody, len(conditions))
	for i, c := range conditions {
		out[i] = renderCondition(c)
	}
	return httpapi.Respond(w, http.StatusOK, map[string]any{"conditions": out})
}

// conditionInput is a condition write; absent fields keep their value.
type conditionInput struct {
	Slug        *string `json:"slug"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Order       *int    `json:"order"`
	Active      *bool   `json:"active"`
}

func (in conditionInput) apply(c *catalog.Condition) {
	if in.Name != nil {
		c.Name = *in.Name
	}
	if in.Description != nil {
		c.Description = *in.Description
	}
	if in.Order != nil {
		c.Order = *in.Order
	}
	if in.Active != nil {
		c.Active = *in.Active
	}
}

// createCondition adds a condition to the catalog (admins only). It is
// active unless the body sets active to false.
func (s *Server) createCondition(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	admin, err := s.VerifyAdmin(r)
	if err != nil {
		return err
	}
	var in conditionInput
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &in); err != nil {
		return err
	}
	c := catalog.Condition{Active: true}
	if in.Slug != nil {
		c.Slug = *in.Slug
	}
	in.apply(&c)

	if err := s.catalog.CreateCondition(ctx, &c); err != nil {
		return storeError(err)
	}
	if err := s.recordAdmin(ctx, ConditionsFunction, admin.UID, "condition.create", "Condition", c.Slug); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusCreated, renderCondition(c))
}

// updateCondition changes the condition named by ?slug= (admins only);
// "active": false takes it out of the catalog.
func (s *Server) updateCondition(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	admin, err := s.VerifyAdmin(r)
	if err != nil {
		return err
	}
	if err := httpapi.CheckQuery(r, "slug"); err != nil {
		return err
	}
	var in conditionInput
	if err := httpapi.Decode(w, r, httpapi.DefaultMaxBody, &in); err != nil {
		return err
	}
	if in.Slug != nil {
		return httpapi.NewError(http.StatusBadRequest, "slug_read_only", "A condition's slug cannot change: create a new condition instead.")
	}
	slug := r.URL.Query().Get("slug")

	updated, err := s.catalog.UpdateCondition(ctx, slug, func(c *catalog.Condition) error {
		in.apply(c)
		return nil
	})
	if err != nil {
		return storeError(err)
	}
	if err := s.recordAdmin(ctx, ConditionsFunction, admin.UID, "condition.update", "Condition", slug); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusOK, renderCondition(*updated))
}

// formatTime renders an instant for the API.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

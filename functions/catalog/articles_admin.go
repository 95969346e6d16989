package catalog

import (
	"net/http"
	"time"

	"github.com/ihep/backend/shared/catalog"
	"github.com/ihep/backend/shared/httpapi"
)

// articleInput is an article write; absent fields keep their value.
type articleInput struct {
	Title          *string   `json:"title"`
	Summary        *string   `json:"summary"`
	Body           *string   `json:"body"`
	SourceURL      *string   `json:"sourceUrl"`
	PublishedAt    *string   `json:"publishedAt"`
	Conditions     *[]string `json:"conditions"`
	ReadingMinutes *int      `json:"readingMinutes"`
	Published      *bool     `json:"published"`
}

func (in articleInput) apply(a *catalog.Article) error {
	if in.PublishedAt != nil {
		at, err := time.Parse(time.RFC3339, *in.PublishedAt)
		if err != nil {
			return httpapi.NewError(http.StatusBadRequest, "invalid_published_at", "publishedAt must be an RFC 3339 instant such as 2026-03-01T09:00:00Z.")
		}
		a.PublishedAt = at.UTC()
	}
	setIf(&a.Title, in.Title)
	setIf(&a.Summary, in.Summary)
	setIf(&a.Body, in.Body)
	setIf(&a.SourceURL, in.SourceURL)
	if in.Conditions != nil {
		a.Conditions = *in.Conditions
	}
	if in.ReadingMinutes != nil {
		a.ReadingMinutes = *in.ReadingMinutes
	}
	if in.Published != nil {
		a.Published = *in.Published
	}
	return nil
}

// createArticle adds an article (admins only). It is published unless the
// body sets published to false, and dated now unless it sets publishedAt.
func (s *Server) createArticle(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	admin, err := s.VerifyAdmin(r)
	if err != nil {
		return err
	}
	var in articleInput
	if err := httpapi.Decode(w, r, maxArticleBody, &in); err != nil {
		return err
	}
	a := &catalog.Article{Published: true}
	if err := in.apply(a); err != nil {
		return err
	}

	id, err := s.catalog.PutArticle(ctx, "", a)
	if err != nil {
		return storeError(err)
	}
	if err := s.recordAdmin(ctx, ResourcesFunction, admin.UID, "article.create", "Article", id); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusCreated, renderArticle(a, true))
}

// updateArticle changes the article named by ?id= (admins only);
// "published": false unpublishes it.
func (s *Server) updateArticle(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	admin, err := s.VerifyAdmin(r)
	if err != nil {
		return err
	}
	if err := httpapi.CheckQuery(r, "id"); err != nil {
		return err
	}
	var in articleInput
	if err := httpapi.Decode(w, r, maxArticleBody, &in); err != nil {
		return err
	}
	id := r.URL.Query().Get("id")

	updated, err := s.catalog.UpdateArticle(ctx, id, in.apply)
	if err != nil {
		return storeError(err)
	}
	if err := s.recordAdmin(ctx, ResourcesFunction, admin.UID, "article.update", "Article", id); err != nil {
		return err
	}
	return httpapi.Respond(w, http.StatusOK, renderArticle(updated, true))
}

func setIf(dst *string, src *string) {
	if src != nil {
		*dst = *src
	}
}

package catalog

import (
	"context"
	"net/http"

	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/authn"
	"github.com/ihep/backend/shared/catalog"
	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/service"
	"github.com/ihep/backend/shared/survey"
)

type articleBody struct {
	ID             string   `json:"id"`
	Title          string   `json:"title"`
	Summary        string   `json:"summary"`
	Body           string   `json:"body,omitempty"`
	SourceURL      string   `json:"sourceUrl,omitempty"`
	PublishedAt    string   `json:"publishedAt"`
	Conditions     []string `json:"conditions"`
	ReadingMinutes int      `json:"readingMinutes"`
	Published      bool     `json:"published"`
}

// renderArticle renders an article; lists leave the body out.
func renderArticle(a *catalog.Article, withBody bool) articleBody {
	out := articleBody{ID: a.ID, Title: a.Title, Summary: a.Summary, SourceURL: a.SourceURL, PublishedAt: formatTime(a.PublishedAt),
		Conditions: a.Conditions, ReadingMinutes: a.ReadingMinutes, Published: a.Published}
	if withBody {
		out.Body = a.Body
	}
	return out
}

type listBody struct {
	Articles []articleBody `json:"articles"`
	// Conditions are the slugs the list was filtered by; empty means all.
	Conditions    []string `json:"conditions"`
	NextPageToken string   `json:"nextPageToken,omitempty"`
}

// listArticles returns published articles, newest first. ?condition= (one
// or more) filters by condition; without it the caller's survey answers
// are used, and a caller without answers gets every article. ?q= searches
// titles and summaries.
func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	if err := httpapi.CheckQuery(r, "condition", "q", "pageSize", "pageToken"); err != nil {
		return err
	}
	pageSize, err := httpapi.QueryPageSize(r, catalog.MaxArticlePage)
	if err != nil {
		return err
	}
	slugs, err := s.filterSlugs(ctx, r, user)
	if err != nil {
		return err
	}

	query := catalog.ArticleQuery{Conditions: slugs, Text: r.URL.Query().Get("q"), PageSize: pageSize, PageToken: r.URL.Query().Get("pageToken")}
	page, err := s.catalog.ListArticles(ctx, query)
	if err != nil {
		return storeError(err)
	}
	out := listBody{Articles: make([]articleBody, 0, len(page.Articles)), Conditions: slugs, NextPageToken: page.NextPageToken}
	for _, a := range page.Articles {
		out.Articles = append(out.Articles, renderArticle(a, false))
	}
	if out.Conditions == nil {
		out.Conditions = []string{}
	}
	return httpapi.Respond(w, http.StatusOK, out)
}

// filterSlugs returns the conditions to filter by: those of the query,
// checked against the catalog, or else the caller's survey answers.
func (s *Server) filterSlugs(ctx context.Context, r *http.Request, user *authn.User) ([]string, error) {
	if requested := httpapi.QueryList(r, "condition"); len(requested) > 0 {
		if len(requested) > catalog.MaxArticleSlugs {
			return nil, httpapi.NewError(http.StatusBadRequest, "too_many_conditions", "At most 10 conditions can be combined.")
		}
		slugs, err := s.catalog.CheckSlugs(ctx, requested)
		if err != nil {
			return nil, storeError(err)
		}
		return slugs, nil
	}
	patientID, err := s.PatientID(ctx, user.UID)
	if err != nil {
		return nil, err
	}
	slugs, err := survey.Slugs(ctx, s.FHIR, patientID)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	entry := audit.Entry{Actor: user.UID, Action: "survey.read", Outcome: audit.OutcomeSuccess, ResourceType: "Patient", ResourceID: patientID}
	if err := s.Audit(ResourcesFunction).Record(ctx, entry); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	return slugs, nil
}

// getArticle returns one article with its body. Unpublished articles are
// visible to admins only; others get 404.
func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	user, err := s.Verifier.Verify(ctx, r)
	if err != nil {
		return err
	}
	if err := httpapi.CheckQuery(r, "id"); err != nil {
		return err
	}

	a, err := s.catalog.Article(ctx, r.URL.Query().Get("id"))
	if err != nil {
		return storeError(err)
	}
	if !a.Published && user.Role != service.AdminRole {
		return errNotFound
	}
	return httpapi.Respond(w, http.StatusOK, renderArticle(a, true))
}

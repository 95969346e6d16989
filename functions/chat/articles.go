package chat

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
)

// Firestore collections of the learning material.
const (
	articlesCollection   = "articles"
	conditionsCollection = "conditions"
)

// article is an articles/{articleId} document.
type article struct {
	ID             string    `firestore:"-"`
	Title          string    `firestore:"title"`
	Summary        string    `firestore:"summary"`
	Body           string    `firestore:"body"`
	SourceURL      string    `firestore:"sourceUrl"`
	PublishedAt    time.Time `firestore:"publishedAt"`
	Conditions     []string  `firestore:"conditions"`
	ReadingMinutes int       `firestore:"readingMinutes"`
	Published      bool      `firestore:"published"`
}

// catalogCondition is a conditions/{slug} document.
type catalogCondition struct {
	Slug   string `firestore:"slug"`
	Name   string `firestore:"name"`
	Active bool   `firestore:"active"`
}

// readArticles returns the newest published articles about any of slugs, or
// about anything when slugs is empty, at most limit of them. The query
// needs the composite indexes in firestore.indexes.json.
func readArticles(ctx context.Context, fs *firestore.Client, slugs []string, limit int) ([]article, error) {
	query := fs.Collection(articlesCollection).Where("published", "==", true)
	if len(slugs) > 0 {
		query = query.Where("conditions", "array-contains-any", slugs)
	}
	snaps, err := query.OrderBy("publishedAt", firestore.Desc).Limit(limit).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("read articles: %w", err)
	}
	out := make([]article, 0, len(snaps))
	for _, snap := range snaps {
		var a article
		if err := snap.DataTo(&a); err != nil {
			continue
		}
		a.ID = snap.Ref.ID
		out = append(out, a)
	}
	return out, nil
}

// readConditionNames returns the catalog name of each slug that exists.
func readConditionNames(ctx context.Context, fs *firestore.Client, slugs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(slugs) == 0 {
		return out, nil
	}
	refs := make([]*firestore.DocumentRef, 0, len(slugs))
	for _, slug := range slugs {
		refs = append(refs, fs.Collection(conditionsCollection).Doc(slug))
	}
	snaps, err := fs.GetAll(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read conditions catalog: %w", err)
	}
	for _, snap := range snaps {
		var c catalogCondition
		if !snap.Exists() || snap.DataTo(&c) != nil || c.Name == "" {
			continue
		}
		out[snap.Ref.ID] = c.Name
	}
	return out, nil
}

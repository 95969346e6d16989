package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/fsindex"
	"github.com/ihep/backend/shared/validation"
)

// Article is one learning resource. It has a Body, a SourceURL pointing to
// the full text elsewhere, or both.
type Article struct {
	ID             string    `firestore:"-"`
	Title          string    `firestore:"title"`
	Summary        string    `firestore:"summary"`
	Body           string    `firestore:"body,omitempty"`
	SourceURL      string    `firestore:"sourceUrl,omitempty"`
	PublishedAt    time.Time `firestore:"publishedAt"`
	Conditions     []string  `firestore:"conditions"`
	ReadingMinutes int       `firestore:"readingMinutes"`
	Published      bool      `firestore:"published"`
	UpdatedAt      time.Time `firestore:"updatedAt"`
}

// Limits of article fields, in characters unless stated.
const (
	maxTitleLength     = 200
	maxSummaryLength   = 1000
	MaxBodyLength      = 100_000
	maxURLLength       = 2000
	maxReadingMinutes  = 600
	MaxArticleSlugs    = 10
	wordsPerMinute     = 200
	DefaultArticlePage = 10
	MaxArticlePage     = 50
	maxTextLength      = 100
	// maxScanned bounds the articles one text search reads. When it is
	// reached, the page may hold fewer matches than asked for and its page
	// token continues the scan.
	maxScanned = 500
	scanChunk  = 100
)

// normalizeArticle trims a's text, checks every field and fills the reading
// time from the body when it is zero. active lists the condition slugs an
// article may name.
func normalizeArticle(a *Article, active []string) error {
	a.Title = strings.TrimSpace(a.Title)
	a.Summary = strings.TrimSpace(a.Summary)
	a.Body = strings.TrimSpace(a.Body)
	a.SourceURL = strings.TrimSpace(a.SourceURL)
	switch {
	case a.Title == "" || utf8.RuneCountInString(a.Title) > maxTitleLength:
		return invalid("invalid_title", "The title must be 1 to %d characters long.", maxTitleLength)
	case a.Summary == "" || utf8.RuneCountInString(a.Summary) > maxSummaryLength:
		return invalid("invalid_summary", "The summary must be 1 to %d characters long.", maxSummaryLength)
	case a.Body == "" && a.SourceURL == "":
		return invalid("missing_content", "An article needs a body, a sourceUrl or both.")
	case utf8.RuneCountInString(a.Body) > MaxBodyLength:
		return invalid("invalid_body", "The body must be at most %d characters long.", MaxBodyLength)
	case a.SourceURL != "" && !validSourceURL(a.SourceURL):
		return invalid("invalid_source_url", "The sourceUrl must be an absolute https URL of at most %d characters.", maxURLLength)
	case len(a.Conditions) == 0 || len(a.Conditions) > MaxArticleSlugs:
		return invalid("invalid_conditions", "An article must name 1 to %d condition slugs.", MaxArticleSlugs)
	case a.ReadingMinutes < 0 || a.ReadingMinutes > maxReadingMinutes:
		return invalid("invalid_reading_minutes", "readingMinutes must be between 1 and %d.", maxReadingMinutes)
	case a.ReadingMinutes == 0 && a.Body == "":
		return invalid("invalid_reading_minutes", "readingMinutes is required for an article without a body.")
	case a.PublishedAt.IsZero():
		return invalid("invalid_published_at", "publishedAt is required.")
	}
	var slugs []string
	for _, slug := range a.Conditions {
		if !slices.Contains(active, slug) {
			return invalid("unknown_condition", "Condition %q is not in the catalog: use one of %s.", truncate(slug, 64), strings.Join(active, ", "))
		}
		if !slices.Contains(slugs, slug) {
			slugs = append(slugs, slug)
		}
	}
	a.Conditions = slugs
	if a.ReadingMinutes == 0 {
		a.ReadingMinutes = max(1, int(math.Ceil(float64(len(strings.Fields(a.Body)))/wordsPerMinute)))
	}
	return nil
}

func validSourceURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && len(raw) <= maxURLLength && u.Scheme == "https" && u.Host != "" && u.User == nil
}

func (s *Store) articles() *firestore.CollectionRef {
	return s.firestore.Collection(ArticlesCollection)
}

// Article returns one article, published or not, or ErrNotFound.
func (s *Store) Article(ctx context.Context, id string) (*Article, error) {
	if !validArticleID(id) {
		return nil, ErrNotFound
	}
	snap, err := s.articles().Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get article: %w", err)
	}
	return decodeArticle(snap)
}

// PutArticle validates a and stores it under id, replacing any earlier
// version, so loading a fixed set of articles twice stores each once. An
// empty id stores it under a new id. It returns the id.
func (s *Store) PutArticle(ctx context.Context, id string, a *Article) (string, error) {
	active, err := s.ActiveSlugs(ctx)
	if err != nil {
		return "", err
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = s.now().UTC()
	}
	if err := normalizeArticle(a, active); err != nil {
		return "", err
	}
	ref := s.articles().NewDoc()
	if id != "" {
		if !validArticleID(id) {
			return "", invalid("invalid_article_id", "Article id %q is invalid: use 1 to 128 letters, digits, - or _.", truncate(id, 40))
		}
		ref = s.articles().Doc(id)
	}
	a.ID = ref.ID
	a.UpdatedAt = s.now().UTC()
	if _, err := ref.Set(ctx, a); err != nil {
		return "", fmt.Errorf("store article: %w", err)
	}
	return ref.ID, nil
}

// UpdateArticle applies change to a stored article in a transaction and
// returns the result, or ErrNotFound.
func (s *Store) UpdateArticle(ctx context.Context, id string, change func(*Article) error) (*Article, error) {
	if !validArticleID(id) {
		return nil, ErrNotFound
	}
	active, err := s.ActiveSlugs(ctx)
	if err != nil {
		return nil, err
	}
	ref := s.articles().Doc(id)
	var updated *Article
	err = s.firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if status.Code(err) == codes.NotFound {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		a, err := decodeArticle(snap)
		if err != nil {
			return err
		}
		if err := change(a); err != nil {
			return err
		}
		if err := normalizeArticle(a, active); err != nil {
			return err
		}
		a.UpdatedAt = s.now().UTC()
		updated = a
		return tx.Set(ref, a)
	})
	if err != nil {
		return nil, wrapUnlessKnown("update article", err)
	}
	return updated, nil
}

// ArticleQuery selects published articles, newest first. With Conditions
// set, an article matches when it names any of them. With Text set, every
// word of it must occur in the title or summary, ignoring case.
type ArticleQuery struct {
	Conditions []string
	Text       string
	PageSize   int
	PageToken  string
}

// ArticlePage is one page of articles and the token of the next page.
type ArticlePage struct {
	Articles      []*Article
	NextPageToken string
}

// ErrInvalidPageToken rejects a page token that is malformed or belongs to
// another query.
var ErrInvalidPageToken = invalid("invalid_page_token", "The page token is invalid or belongs to another query: start again without it.")

// articleShape is the query ListArticles runs, for the index check.
func articleShape(q ArticleQuery) fsindex.Query {
	shape := fsindex.Query{Collection: ArticlesCollection, Equality: []string{"published"}, OrderBy: "publishedAt", Descending: true}
	if len(q.Conditions) > 0 {
		shape.ArrayContains = "conditions"
	}
	return shape
}

// ListArticles returns one page of published articles. Without a text
// search it takes one query. A text search scans articles in date order in
// chunks and filters them here, because Firestore has no text search.
// TODO: a text search reads up to 500 articles per page. A search index,
// such as tokens of title and summary stored with each article, would bound
// the reads once the catalog grows past a few hundred articles.
func (s *Store) ListArticles(ctx context.Context, q ArticleQuery) (*ArticlePage, error) {
	q, err := normalizeArticleQuery(q)
	if err != nil {
		return nil, err
	}
	cursor, err := decodeArticleToken(q)
	if err != nil {
		return nil, err
	}
	shape := articleShape(q)
	base := s.articles().Where("published", "==", true)
	if shape.ArrayContains != "" {
		base = base.Where(shape.ArrayContains, "array-contains-any", q.Conditions)
	}
	base = base.OrderBy(shape.OrderBy, firestore.Desc).OrderBy(firestore.DocumentID, firestore.Desc)
	words := strings.Fields(q.Text)
	chunk := q.PageSize + 1
	if len(words) > 0 {
		chunk = scanChunk
	}

	page := &ArticlePage{}
	scanned := 0
	for {
		query := base.Limit(chunk)
		if cursor.ID != "" {
			query = query.StartAfter(cursor.PublishedAt, cursor.ID)
		}
		snaps, err := query.Documents(ctx).GetAll()
		if err != nil {
			return nil, fmt.Errorf("list articles: %w", err)
		}
		for _, snap := range snaps {
			a, err := decodeArticle(snap)
			if err != nil {
				return nil, err
			}
			if !matchesText(a, words) {
				cursor = articleCursor{PublishedAt: a.PublishedAt, ID: a.ID}
				continue
			}
			if len(page.Articles) == q.PageSize {
				last := page.Articles[len(page.Articles)-1]
				page.NextPageToken = articleCursor{PublishedAt: last.PublishedAt, ID: last.ID}.encode(q)
				return page, nil
			}
			page.Articles = append(page.Articles, a)
			cursor = articleCursor{PublishedAt: a.PublishedAt, ID: a.ID}
		}
		scanned += len(snaps)
		if len(snaps) < chunk {
			return page, nil
		}
		if scanned >= maxScanned {
			page.NextPageToken = cursor.encode(q)
			return page, nil
		}
	}
}

func matchesText(a *Article, words []string) bool {
	if len(words) == 0 {
		return true
	}
	text := strings.ToLower(a.Title + "\n" + a.Summary)
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

func normalizeArticleQuery(q ArticleQuery) (ArticleQuery, error) {
	q.Text = strings.ToLower(strings.TrimSpace(q.Text))
	switch {
	case utf8.RuneCountInString(q.Text) > maxTextLength:
		return q, invalid("invalid_query", "The search text must be at most %d characters long.", maxTextLength)
	case len(q.Conditions) > MaxArticleSlugs:
		return q, invalid("too_many_conditions", "At most %d conditions can be combined.", MaxArticleSlugs)
	case q.PageSize == 0:
		q.PageSize = DefaultArticlePage
	case q.PageSize < 1 || q.PageSize > MaxArticlePage:
		return q, invalid("invalid_page_size", "The page size must be between 1 and %d.", MaxArticlePage)
	}
	q.Conditions = slices.Clone(q.Conditions)
	slices.Sort(q.Conditions)
	q.Conditions = slices.Compact(q.Conditions)
	return q, nil
}

// articleCursor is the last article a page read; the next page starts
// after it.
type articleCursor struct {
	PublishedAt time.Time `json:"p"`
	ID          string    `json:"i"`
	Fingerprint string    `json:"f"`
}

func (c articleCursor) encode(q ArticleQuery) string {
	c.Fingerprint = articleFingerprint(q)
	data, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeArticleToken(q ArticleQuery) (articleCursor, error) {
	var c articleCursor
	if q.PageToken == "" {
		return c, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(q.PageToken)
	if err != nil || len(data) > 1024 || json.Unmarshal(data, &c) != nil {
		return c, ErrInvalidPageToken
	}
	if c.Fingerprint != articleFingerprint(q) || !validArticleID(c.ID) {
		return c, ErrInvalidPageToken
	}
	return c, nil
}

func articleFingerprint(q ArticleQuery) string {
	key := strings.Join(q.Conditions, ",") + "\x00" + q.Text + "\x00" + fmt.Sprint(q.PageSize)
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

func decodeArticle(snap *firestore.DocumentSnapshot) (*Article, error) {
	var a Article
	if err := snap.DataTo(&a); err != nil {
		return nil, fmt.Errorf("decode article: %w", err)
	}
	a.ID = snap.Ref.ID
	return &a, nil
}

var validArticleID = validation.DocumentID

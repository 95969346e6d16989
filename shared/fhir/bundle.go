package fhir

import (
	"encoding/json"
	"net/url"
)

// Bundle is the part of a FHIR Bundle the functions read: entries as raw
// JSON, links for paging, and per-entry responses of a transaction.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Total        *int          `json:"total,omitempty"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleLink is a paging link such as "self" or "next".
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleEntry is one entry of a search result or a transaction response.
type BundleEntry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Response *EntryResponse  `json:"response,omitempty"`
}

// EntryResponse is the outcome of one transaction entry.
type EntryResponse struct {
	Status   string          `json:"status"`
	Location string          `json:"location,omitempty"`
	ETag     string          `json:"etag,omitempty"`
	Outcome  json.RawMessage `json:"outcome,omitempty"`
}

// NextPageParams returns the query of the bundle's "next" link, to pass to
// Search for the following page, or nil on the last page.
func (b *Bundle) NextPageParams() url.Values {
	for _, link := range b.Link {
		if link.Relation != "next" {
			continue
		}
		u, err := url.Parse(link.URL)
		if err != nil {
			return nil
		}
		return u.Query()
	}
	return nil
}

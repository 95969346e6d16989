// Package fhir is the FHIR R4 client every function uses to reach PHI in the
// Cloud Healthcare API's FHIR store, over google.golang.org/api/healthcare/v1.
// The same code talks to the local FHIR engine when an endpoint is set.
package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"google.golang.org/api/googleapi"
	healthcare "google.golang.org/api/healthcare/v1"
	"google.golang.org/api/option"
)

const (
	contentTypeFHIR  = "application/fhir+json;charset=utf-8"
	contentTypePatch = "application/json-patch+json"
	maxResponseBytes = 32 << 20
)

// Client reads and writes resources in one FHIR store.
type Client struct {
	fhir  *healthcare.ProjectsLocationsDatasetsFhirStoresFhirService
	store string
}

// New returns a client for store (projects/P/locations/L/datasets/D/fhirStores/S).
// A non-empty endpoint points it at the local FHIR engine without
// credentials; otherwise it uses Application Default Credentials.
func New(ctx context.Context, store, endpoint string) (*Client, error) {
	var opts []option.ClientOption
	if endpoint != "" {
		opts = append(opts, option.WithEndpoint(endpoint), option.WithoutAuthentication())
	}
	svc, err := healthcare.NewService(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("create healthcare client: %w", err)
	}
	return &Client{fhir: svc.Projects.Locations.Datasets.FhirStores.Fhir, store: store}, nil
}

// Store returns the store name the client writes to.
func (c *Client) Store() string { return c.store }

// Meta is what a write returns about the stored resource.
type Meta struct {
	ID        string
	VersionID string
	ETag      string
	// Created is false when a conditional create found an existing match.
	Created bool
}

// Create stores resource. With ifNoneExist (a search query such as
// "identifier=system|value") it creates only when nothing matches and
// returns the match otherwise. The real store accepts only identifier
// queries there.
func (c *Client) Create(ctx context.Context, resourceType string, resource any, ifNoneExist string) (Meta, json.RawMessage, error) {
	body, err := json.Marshal(resource)
	if err != nil {
		return Meta{}, nil, fmt.Errorf("encode %s: %w", resourceType, err)
	}
	call := c.fhir.Create(c.store, resourceType, bytes.NewReader(body))
	call.Header().Set("Content-Type", contentTypeFHIR)
	if ifNoneExist != "" {
		call.Header().Set("If-None-Exist", ifNoneExist)
	}
	resp, err := call.Context(ctx).Do()
	data, err := readResponse(resp, err, "create "+resourceType)
	if err != nil {
		return Meta{}, nil, err
	}
	meta, err := metaOf(data, resp)
	meta.Created = resp.StatusCode == http.StatusCreated
	return meta, data, err
}

// Read returns the current version of a resource and its metadata.
func (c *Client) Read(ctx context.Context, resourceType, id string) (Meta, json.RawMessage, error) {
	if !ValidID(id) {
		return Meta{}, nil, invalidID("read " + resourceType)
	}
	resp, err := c.fhir.Read(c.resourceName(resourceType, id)).Context(ctx).Do()
	data, err := readResponse(resp, err, "read "+resourceType)
	if err != nil {
		return Meta{}, nil, err
	}
	meta, err := metaOf(data, resp)
	return meta, data, err
}

// Update replaces a resource. A non-empty ifMatch (the ETag from a read)
// makes the write fail with ErrPreconditionFailed when someone else changed
// the resource in between.
func (c *Client) Update(ctx context.Context, resourceType, id string, resource any, ifMatch string) (Meta, error) {
	if !ValidID(id) {
		return Meta{}, invalidID("update " + resourceType)
	}
	body, err := json.Marshal(resource)
	if err != nil {
		return Meta{}, fmt.Errorf("encode %s: %w", resourceType, err)
	}
	call := c.fhir.Update(c.resourceName(resourceType, id), bytes.NewReader(body))
	call.Header().Set("Content-Type", contentTypeFHIR)
	if ifMatch != "" {
		call.Header().Set("If-Match", ifMatch)
	}
	resp, err := call.Context(ctx).Do()
	data, err := readResponse(resp, err, "update "+resourceType)
	if err != nil {
		return Meta{}, err
	}
	return metaOf(data, resp)
}

// Delete removes a resource. Deleting a missing resource, or one whose id
// is not a valid FHIR id, is not an error.
func (c *Client) Delete(ctx context.Context, resourceType, id string) error {
	if !ValidID(id) {
		return nil
	}
	resp, err := c.fhir.Delete(c.resourceName(resourceType, id)).Context(ctx).Do()
	_, err = readResponse(resp, err, "delete "+resourceType)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// Search runs a type-level search and returns one page as a Bundle. Pass
// several values of one key in one slice: the API client keeps only the
// last QueryParameter call per key.
func (c *Client) Search(ctx context.Context, resourceType string, params url.Values) (*Bundle, error) {
	call := c.fhir.SearchType(c.store, resourceType, strings.NewReader(""))
	opts := make([]googleapi.CallOption, 0, len(params))
	for key, values := range params {
		opts = append(opts, googleapi.QueryParameter(key, values...))
	}
	resp, err := call.Context(ctx).Do(opts...)
	data, err := readResponse(resp, err, "search "+resourceType)
	if err != nil {
		return nil, err
	}
	var bundle Bundle
	if err := json.Unmarshal(data, &bundle); err != nil {
		return nil, fmt.Errorf("decode %s search bundle: %w", resourceType, err)
	}
	return &bundle, nil
}

// ExecuteBundle runs a transaction or batch Bundle and returns the response
// Bundle. A transaction either succeeds as a whole or returns an error.
func (c *Client) ExecuteBundle(ctx context.Context, bundle any) (*Bundle, error) {
	body, err := json.Marshal(bundle)
	if err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	call := c.fhir.ExecuteBundle(c.store, bytes.NewReader(body))
	call.Header().Set("Content-Type", contentTypeFHIR)
	resp, err := call.Context(ctx).Do()
	data, err := readResponse(resp, err, "execute bundle")
	if err != nil {
		return nil, err
	}
	var out Bundle
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("decode bundle response: %w", err)
	}
	return &out, nil
}

// ResourceName returns the full name of a resource in this store, as the
// store's change notifications carry it.
func (c *Client) resourceName(resourceType, id string) string {
	return c.store + "/fhir/" + resourceType + "/" + url.PathEscape(id)
}

// readResponse turns an API response into its body or a *Error. The body of
// a failed call is read before anything else consumes it, and only the
// OperationOutcome's issue codes are kept: its text may quote values.
func readResponse(resp *http.Response, err error, op string) (json.RawMessage, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, scrub(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: read response: %w", op, err)
	}
	if resp.StatusCode >= 300 {
		return nil, &Error{Op: op, Status: resp.StatusCode, IssueCodes: issueCodes(data)}
	}
	return data, nil
}

func metaOf(data json.RawMessage, resp *http.Response) (Meta, error) {
	var head struct {
		ID   string `json:"id"`
		Meta struct {
			VersionID string `json:"versionId"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Meta{}, fmt.Errorf("decode resource metadata: %w", err)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" && head.Meta.VersionID != "" {
		etag = `W/"` + head.Meta.VersionID + `"`
	}
	return Meta{ID: head.ID, VersionID: head.Meta.VersionID, ETag: etag}, nil
}

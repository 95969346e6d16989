// Package fsindex describes the Firestore composite indexes that queries
// need and checks them against firestore.indexes.json. The Firestore
// emulator serves every query without indexes, so only this check catches a
// query that production would reject with FAILED_PRECONDITION.
package fsindex

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Field orders and array configs as firestore.indexes.json spells them.
const (
	Ascending  = "ASCENDING"
	Descending = "DESCENDING"
	Contains   = "CONTAINS"
)

// Field is one field of a composite index.
type Field struct {
	FieldPath   string `json:"fieldPath"`
	Order       string `json:"order,omitempty"`
	ArrayConfig string `json:"arrayConfig,omitempty"`
}

// Index is one entry of firestore.indexes.json.
type Index struct {
	CollectionGroup string  `json:"collectionGroup"`
	QueryScope      string  `json:"queryScope"`
	Fields          []Field `json:"fields"`
}

// File is the content of firestore.indexes.json.
type File struct {
	Indexes        []Index           `json:"indexes"`
	FieldOverrides []json.RawMessage `json:"fieldOverrides"`
}

// Load reads an index file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read index file: %w", err)
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode index file %s: %w", path, err)
	}
	return &f, nil
}

// Query is the shape of one collection query: the fields it filters by
// equality, the field of its array-contains or array-contains-any filter,
// and the field it filters by range or orders by (at most one, and then the
// query orders by it first).
type Query struct {
	Collection    string
	Equality      []string
	ArrayContains string
	OrderBy       string
	// Descending orders OrderBy from high to low.
	Descending bool
}

// NeedsComposite reports whether Firestore needs a composite index for q.
// Single-field indexes, which Firestore creates for every field, serve a
// query on one field and a query of equality filters alone (by merging).
func (q Query) NeedsComposite() bool {
	fields := slices.Clone(q.Equality)
	if q.ArrayContains != "" {
		fields = append(fields, q.ArrayContains)
	}
	if q.OrderBy != "" {
		fields = append(fields, q.OrderBy)
	}
	slices.Sort(fields)
	fields = slices.Compact(fields)
	if len(fields) <= 1 {
		return false
	}
	return q.ArrayContains != "" || q.OrderBy != ""
}

// Index returns the composite index that serves q: equality fields first,
// then the array field, then the order field.
func (q Query) Index() Index {
	idx := Index{CollectionGroup: q.Collection, QueryScope: "COLLECTION"}
	for _, f := range q.Equality {
		idx.Fields = append(idx.Fields, Field{FieldPath: f, Order: Ascending})
	}
	if q.ArrayContains != "" {
		idx.Fields = append(idx.Fields, Field{FieldPath: q.ArrayContains, ArrayConfig: Contains})
	}
	if q.OrderBy != "" {
		order := Ascending
		if q.Descending {
			order = Descending
		}
		idx.Fields = append(idx.Fields, Field{FieldPath: q.OrderBy, Order: order})
	}
	return idx
}

func (q Query) String() string {
	var parts []string
	for _, f := range q.Equality {
		parts = append(parts, f+" ==")
	}
	if q.ArrayContains != "" {
		parts = append(parts, q.ArrayContains+" array-contains")
	}
	if q.OrderBy != "" {
		dir := "asc"
		if q.Descending {
			dir = "desc"
		}
		parts = append(parts, "order by "+q.OrderBy+" "+dir)
	}
	return q.Collection + ": " + strings.Join(parts, ", ")
}

// Covers reports whether the file has an index that serves q. Equality
// fields may appear in any order at the start of the index; the array field
// and the order field must follow in that order. A trailing __name__ field
// in the same direction is implied and ignored.
func (f *File) Covers(q Query) bool {
	if !q.NeedsComposite() {
		return true
	}
	want := q.Index()
	for _, idx := range f.Indexes {
		if matches(idx, want, len(q.Equality)) {
			return true
		}
	}
	return false
}

func matches(have, want Index, equalities int) bool {
	if have.CollectionGroup != want.CollectionGroup || have.QueryScope != want.QueryScope {
		return false
	}
	fields := have.Fields
	if n := len(fields); n > 0 && fields[n-1].FieldPath == "__name__" {
		fields = fields[:n-1]
	}
	if len(fields) != len(want.Fields) {
		return false
	}
	for _, w := range want.Fields[:equalities] {
		if !slices.Contains(fields[:equalities], w) {
			return false
		}
	}
	return slices.Equal(fields[equalities:], want.Fields[equalities:])
}

// Package survey stores a patient's answers to the condition survey as FHIR
// Condition resources on their Patient, and reads them back. The answers are
// PHI, so they live only in the FHIR store.
package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/ihep/backend/shared/fhir"
)

// FHIR systems of a survey answer.
const (
	// CodeSystem holds the catalog's condition slugs as codes.
	CodeSystem = "https://ihep.app/fhir/CodeSystem/condition"
	// IdentifierSystem identifies the answer of one patient for one slug
	// (value "<patientId>.<slug>"), so a conditional create stores each
	// answer once.
	IdentifierSystem = "https://ihep.app/fhir/sid/condition-survey-answer"

	clinicalStatusSystem = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	verificationSystem   = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	categorySystem       = "http://terminology.hl7.org/CodeSystem/condition-category"
	// maxAnswers bounds the Conditions one search page returns; the
	// catalog has far fewer entries.
	maxAnswers = 200
)

// Answer is one stored survey answer.
type Answer struct {
	ConditionID string
	Slug        string
	RecordedAt  time.Time
}

type coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

type concept struct {
	Coding []coding `json:"coding"`
	Text   string   `json:"text,omitempty"`
}

type identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type reference struct {
	Reference string `json:"reference"`
}

// condition is the part of a FHIR Condition that the survey writes and reads.
type condition struct {
	ResourceType       string       `json:"resourceType"`
	ID                 string       `json:"id,omitempty"`
	Identifier         []identifier `json:"identifier"`
	ClinicalStatus     concept      `json:"clinicalStatus"`
	VerificationStatus *concept     `json:"verificationStatus,omitempty"`
	Category           []concept    `json:"category"`
	Code               concept      `json:"code"`
	Subject            reference    `json:"subject"`
	RecordedDate       string       `json:"recordedDate,omitempty"`
}

// newCondition builds the Condition of one answer. The patient reported it
// and no clinician confirmed it, so its verification status is unconfirmed.
func newCondition(patientID, slug, name string, now time.Time) condition {
	return condition{
		ResourceType:       "Condition",
		Identifier:         []identifier{{System: IdentifierSystem, Value: answerKey(patientID, slug)}},
		ClinicalStatus:     concept{Coding: []coding{{System: clinicalStatusSystem, Code: "active"}}},
		VerificationStatus: &concept{Coding: []coding{{System: verificationSystem, Code: "unconfirmed"}}},
		Category:           []concept{{Coding: []coding{{System: categorySystem, Code: "problem-list-item"}}}},
		Code:               concept{Coding: []coding{{System: CodeSystem, Code: slug, Display: name}}, Text: name},
		Subject:            reference{Reference: "Patient/" + patientID},
		RecordedDate:       now.UTC().Format(time.RFC3339),
	}
}

func answerKey(patientID, slug string) string {
	return patientID + "." + slug
}

// Answers returns the patient's stored answers, one per slug, sorted by
// slug. Conditions with other codings, such as diagnoses a clinic recorded,
// are left out.
func Answers(ctx context.Context, client *fhir.Client, patientID string) ([]Answer, error) {
	all, err := searchAnswers(ctx, client, patientID)
	if err != nil {
		return nil, err
	}
	var out []Answer
	for _, a := range all {
		if !slices.ContainsFunc(out, func(b Answer) bool { return b.Slug == a.Slug }) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Slugs returns the slugs of the patient's answers, sorted.
func Slugs(ctx context.Context, client *fhir.Client, patientID string) ([]string, error) {
	answers, err := Answers(ctx, client, patientID)
	if err != nil {
		return nil, err
	}
	slugs := make([]string, len(answers))
	for i, a := range answers {
		slugs[i] = a.Slug
	}
	return slugs, nil
}

// searchAnswers returns every active survey Condition of the patient,
// duplicates included, sorted by slug and then by id.
func searchAnswers(ctx context.Context, client *fhir.Client, patientID string) ([]Answer, error) {
	params := url.Values{
		"subject": {"Patient/" + patientID},
		"code":    {CodeSystem + "|"},
		"_count":  {fmt.Sprint(maxAnswers)},
	}
	bundle, err := client.Search(ctx, "Condition", params)
	if err != nil {
		return nil, fmt.Errorf("search survey answers: %w", err)
	}
	var out []Answer
	for _, entry := range bundle.Entry {
		var c condition
		if err := json.Unmarshal(entry.Resource, &c); err != nil {
			return nil, fmt.Errorf("decode survey answer: %w", err)
		}
		if c.Subject.Reference != "Patient/"+patientID || !isActive(c) {
			continue
		}
		for _, code := range c.Code.Coding {
			if code.System == CodeSystem && code.Code != "" {
				recorded, _ := time.Parse(time.RFC3339, c.RecordedDate)
				out = append(out, Answer{ConditionID: c.ID, Slug: code.Code, RecordedAt: recorded})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Slug != out[j].Slug {
			return out[i].Slug < out[j].Slug
		}
		return out[i].ConditionID < out[j].ConditionID
	})
	return out, nil
}

func isActive(c condition) bool {
	for _, code := range c.ClinicalStatus.Coding {
		if code.System == clinicalStatusSystem && code.Code == "active" {
			return true
		}
	}
	return false
}

// Change counts what Replace created and deleted.
type Change struct {
	Created []string
	Deleted []string
}

// Replace makes the patient's answers exactly slugs, in one transaction.
// It creates a Condition for each new slug with a conditional create on the
// answer's identifier, so a retry or a concurrent call stores it once. It
// deletes the Conditions of slugs no longer answered, and any duplicate.
// names maps each slug to its display name.
func Replace(ctx context.Context, client *fhir.Client, patientID string, slugs []string, names map[string]string, now time.Time) (Change, error) {
	existing, err := searchAnswers(ctx, client, patientID)
	if err != nil {
		return Change{}, err
	}
	var (
		change  Change
		entries []map[string]any
		kept    = map[string]bool{}
	)
	for _, a := range existing {
		if slices.Contains(slugs, a.Slug) && !kept[a.Slug] {
			kept[a.Slug] = true
			continue
		}
		change.Deleted = append(change.Deleted, a.ConditionID)
		entries = append(entries, map[string]any{
			"request": map[string]string{"method": "DELETE", "url": "Condition/" + a.ConditionID},
		})
	}
	for _, slug := range slugs {
		if kept[slug] {
			continue
		}
		change.Created = append(change.Created, slug)
		entries = append(entries, map[string]any{
			"resource": newCondition(patientID, slug, names[slug], now),
			"request": map[string]string{
				"method":      "POST",
				"url":         "Condition",
				"ifNoneExist": "identifier=" + IdentifierSystem + "|" + answerKey(patientID, slug),
			},
		})
	}
	if len(entries) == 0 {
		return change, nil
	}
	bundle := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries}
	if _, err := client.ExecuteBundle(ctx, bundle); err != nil {
		return Change{}, fmt.Errorf("replace survey answers: %w", err)
	}
	return change, nil
}

package chat

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"

	"github.com/ihep/backend/shared/fhir"
)

// conditionSystem is the code system of the condition-survey answers; its
// codes are the slugs of the conditions catalog.
const conditionSystem = "https://ihep.app/fhir/CodeSystem/condition"

// fhirCondition is the part of a FHIR Condition that the assistant reads.
type fhirCondition struct {
	ClinicalStatus struct {
		Coding []struct {
			Code string `json:"code"`
		} `json:"coding"`
	} `json:"clinicalStatus"`
	Code struct {
		Coding []struct {
			System string `json:"system"`
			Code   string `json:"code"`
		} `json:"coding"`
	} `json:"code"`
}

// readConditionSlugs returns the catalog slugs of the patient's active
// problem-list Conditions from the condition survey, sorted.
func readConditionSlugs(ctx context.Context, client *fhir.Client, patientID string) ([]string, error) {
	params := url.Values{
		"subject":         {"Patient/" + patientID},
		"clinical-status": {"active"},
		"category":        {"problem-list-item"},
		"_count":          {"50"},
	}
	bundle, err := client.Search(ctx, "Condition", params)
	if err != nil {
		return nil, err
	}
	var slugs []string
	for _, entry := range bundle.Entry {
		var c fhirCondition
		if err := json.Unmarshal(entry.Resource, &c); err != nil || !c.active() {
			continue
		}
		for _, coding := range c.Code.Coding {
			if coding.System == conditionSystem && coding.Code != "" && !slices.Contains(slugs, coding.Code) {
				slugs = append(slugs, coding.Code)
			}
		}
	}
	slices.Sort(slugs)
	return slugs, nil
}

func (c fhirCondition) active() bool {
	for _, coding := range c.ClinicalStatus.Coding {
		if coding.Code == "active" {
			return true
		}
	}
	return false
}

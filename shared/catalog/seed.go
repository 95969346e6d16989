package catalog

import (
	"context"
	"fmt"
)

// DefaultConditions is the catalog IHEP starts with: the five conditions the
// product serves.
var DefaultConditions = []Condition{
	{Slug: "hiv-aids", Name: "HIV/AIDS", Order: 10, Active: true,
		Description: "Living with HIV: staying on treatment, keeping the viral load undetectable, and looking after the rest of your health."},
	{Slug: "diabetes", Name: "Diabetes", Order: 20, Active: true,
		Description: "Type 1 and type 2 diabetes: blood sugar, medication, food, movement and the checks that prevent complications."},
	{Slug: "cancer", Name: "Cancer", Order: 30, Active: true,
		Description: "Life during and after cancer treatment: side effects, follow-up visits, energy and emotional recovery."},
	{Slug: "heart-disease", Name: "Heart Disease", Order: 40, Active: true,
		Description: "Coronary artery disease, heart failure and high blood pressure: medicines, warning signs and heart-healthy habits."},
	{Slug: "mental-health", Name: "Mental Health", Order: 50, Active: true,
		Description: "Depression, anxiety and stress: therapy, medication, sleep and the people who can help."},
}

// SeedConditions stores DefaultConditions. It replaces the five entries, so
// running it again changes nothing, and leaves other conditions alone.
func (s *Store) SeedConditions(ctx context.Context) error {
	for _, c := range DefaultConditions {
		c.UpdatedAt = s.now().UTC()
		if _, err := s.firestore.Collection(ConditionsCollection).Doc(c.Slug).Set(ctx, c); err != nil {
			return fmt.Errorf("seed condition %s: %w", c.Slug, err)
		}
	}
	return nil
}

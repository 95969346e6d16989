package enrollment

import "time"

// View is an enrollment as the API returns it: the status, the consent
// version and the dates, without the Consent id or the signing counter.
type View struct {
	Status         Status  `json:"status"`
	ConsentVersion string  `json:"consentVersion"`
	SignedAt       string  `json:"signedAt"`
	ApprovedAt     *string `json:"approvedAt"`
	ActivatedAt    *string `json:"activatedAt"`
	WithdrawnAt    *string `json:"withdrawnAt"`
}

// View returns the API form of r, or nil for a nil record.
func (r *Record) View() *View {
	if r == nil {
		return nil
	}
	return &View{
		Status:         r.Status,
		ConsentVersion: r.ConsentVersion,
		SignedAt:       r.SignedAt.UTC().Format(time.RFC3339),
		ApprovedAt:     optionalTime(r.ApprovedAt),
		ActivatedAt:    optionalTime(r.ActivatedAt),
		WithdrawnAt:    optionalTime(r.WithdrawnAt),
	}
}

func optionalTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

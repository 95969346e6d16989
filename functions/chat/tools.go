package chat

import (
	"context"
	"slices"
	"time"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/twinscore"
	"github.com/ihep/backend/shared/vitalobs"
	"github.com/ihep/backend/shared/vitalsign"
)

// Tool names, as declared to the model and written to the logs.
const (
	toolAppointments = "get_upcoming_appointments"
	toolVitals       = "get_latest_vitals"
	toolCareTeam     = "get_care_team"
	toolResources    = "find_resources"
)

// catalogSlugs are the condition slugs of the conditions catalog.
var catalogSlugs = []string{"hiv-aids", "diabetes", "cancer", "heart-disease", "mental-health"}

// Bounds of what one tool call returns.
const (
	defaultAppointments = 3
	maxAppointments     = 10
	maxArticles         = 5
)

// TODO: appointments.go, directory.go, articles.go and survey.go read the
// appointment, directory, articles and condition-survey data from their
// fixed contracts with code of their own. Replace them with those
// features' shared packages once they exist, or the two copies can drift.

// toolbox runs the assistant's tools for one caller. The caller's identity
// is fixed when the toolbox is built from the verified token. No tool takes
// a user or patient id as an argument, so no prompt can point a tool at
// another person's records.
type toolbox struct {
	s        *Server
	uid      string
	profile  *account.Profile
	now      time.Time
	location *time.Location
	// used lists the tools run, in order, for the log and the audit trail.
	used []string
	// readPHI is set once a tool has read the caller's FHIR records.
	readPHI   bool
	citations []citation
}

func (s *Server) newToolbox(uid string, profile *account.Profile) *toolbox {
	location, err := time.LoadLocation(profile.TimeZone)
	if err != nil {
		location = time.UTC
	}
	return &toolbox{s: s, uid: uid, profile: profile, now: s.now(), location: location}
}

func (b *toolbox) record(tool string, phi bool) {
	b.used = append(b.used, tool)
	b.readPHI = b.readPHI || phi
}

// appointmentsResult is the result of get_upcoming_appointments.
type appointmentsResult struct {
	TimeZone     string            `json:"timeZone"`
	Appointments []appointmentView `json:"appointments"`
}

type appointmentView struct {
	Start    string        `json:"start"`
	End      string        `json:"end,omitempty"`
	Type     string        `json:"type,omitempty"`
	Provider *providerView `json:"provider,omitempty"`
}

type providerView struct {
	Name       string   `json:"name"`
	Specialty  string   `json:"specialty,omitempty"`
	Primary    bool     `json:"primary,omitempty"`
	Telehealth bool     `json:"telehealth,omitempty"`
	Languages  []string `json:"languages,omitempty"`
	Address    string   `json:"address,omitempty"`
	Phone      string   `json:"phone,omitempty"`
	Email      string   `json:"email,omitempty"`
}

// appointments returns the caller's next booked appointments with their
// providers, times in the caller's time zone.
func (b *toolbox) appointments(ctx context.Context, limit int) (appointmentsResult, error) {
	b.record(toolAppointments, true)
	found, err := readUpcomingAppointments(ctx, b.s.FHIR, b.profile.PatientID, b.now, limit)
	if err != nil {
		return appointmentsResult{}, err
	}
	var ids []string
	for _, a := range found {
		if a.ProviderID != "" && !slices.Contains(ids, a.ProviderID) {
			ids = append(ids, a.ProviderID)
		}
	}
	providers, err := readProviders(ctx, b.s.Firestore, ids)
	if err != nil {
		return appointmentsResult{}, err
	}
	out := appointmentsResult{TimeZone: b.location.String(), Appointments: []appointmentView{}}
	for _, a := range found {
		v := appointmentView{Start: b.localTime(a.Start), Type: a.Type}
		if !a.End.IsZero() {
			v.End = b.localTime(a.End)
		}
		if p, ok := providers[a.ProviderID]; ok {
			v.Provider = &providerView{Name: p.Name, Specialty: p.Specialty, Address: p.addressText(), Phone: p.Phone}
		}
		out.Appointments = append(out.Appointments, v)
	}
	return out, nil
}

// vitalsResult is the result of get_latest_vitals.
type vitalsResult struct {
	// Band is the health score's band: good, moderate, poor or unknown.
	Band        twinscore.Band `json:"band"`
	HealthScore *int           `json:"healthScore,omitempty"`
	Vitals      []vitalView    `json:"vitals"`
}

type vitalView struct {
	Vital       vitalsign.Series    `json:"vital"`
	Label       string              `json:"label"`
	Value       float64             `json:"value"`
	Unit        string              `json:"unit"`
	ReadingTime string              `json:"readingTime"`
	Freshness   twinscore.Freshness `json:"freshness"`
}

// vitals returns the caller's latest smoothed vital signs and the digital
// twin's band, computed as the twin function computes them.
func (b *toolbox) vitals(ctx context.Context) (vitalsResult, error) {
	b.record(toolVitals, true)
	latest, err := vitalobs.LatestSmoothed(ctx, b.s.FHIR, b.profile.PatientID, time.Time{})
	if err != nil {
		return vitalsResult{}, err
	}
	in := twinscore.Input{Now: b.now, Latest: map[vitalsign.Series]twinscore.Latest{}}
	for series, est := range latest {
		in.Latest[series] = twinscore.Latest{Value: est.Value, ReadingTime: est.ReadingTime}
	}
	score, err := twinscore.Compute(in)
	if err != nil {
		return vitalsResult{}, err
	}
	out := vitalsResult{Band: score.Band, Vitals: []vitalView{}}
	if score.Band != twinscore.BandUnknown {
		out.HealthScore = &score.HealthScore
	}
	for _, v := range score.Vitals {
		est, ok := latest[v.Series]
		if !ok {
			continue
		}
		value, unit := b.displayValue(v.Series, est.Value)
		out.Vitals = append(out.Vitals, vitalView{
			Vital: v.Series, Label: v.Series.Info().Label, Value: value, Unit: unit,
			ReadingTime: b.localTime(est.ReadingTime), Freshness: v.Freshness,
		})
	}
	return out, nil
}

// displayValue rounds a smoothed value to one decimal in the unit the
// caller prefers: temperature in °F unless the profile sets °C.
func (b *toolbox) displayValue(series vitalsign.Series, value float64) (float64, string) {
	unit := series.Unit().Display
	if series == vitalsign.SeriesBodyTemperature {
		if b.profile.TemperatureUnit == "C" {
			unit = "°C"
		} else {
			value, unit = value*9/5+32, "°F"
		}
	}
	return roundTenth(value), unit
}

// careTeamResult is the result of get_care_team.
type careTeamResult struct {
	CareTeam []providerView `json:"careTeam"`
}

// careTeam returns the active providers on the caller's care team, the
// primary one first.
func (b *toolbox) careTeam(ctx context.Context) (careTeamResult, error) {
	b.record(toolCareTeam, false)
	members, err := readCareTeam(ctx, b.s.Firestore, b.uid)
	if err != nil {
		return careTeamResult{}, err
	}
	ids := make([]string, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.ProviderID)
	}
	providers, err := readProviders(ctx, b.s.Firestore, ids)
	if err != nil {
		return careTeamResult{}, err
	}
	slices.SortStableFunc(members, func(x, y careTeamMember) int {
		if x.Primary != y.Primary {
			if x.Primary {
				return -1
			}
			return 1
		}
		return x.LinkedAt.Compare(y.LinkedAt)
	})
	out := careTeamResult{CareTeam: []providerView{}}
	for _, m := range members {
		p, ok := providers[m.ProviderID]
		if !ok || !p.Active {
			continue
		}
		out.CareTeam = append(out.CareTeam, providerView{
			Name: p.Name, Specialty: p.Specialty, Primary: m.Primary, Telehealth: p.Telehealth,
			Languages: p.Languages, Address: p.addressText(), Phone: p.Phone, Email: p.Email,
		})
	}
	return out, nil
}

// resourcesResult is the result of find_resources.
type resourcesResult struct {
	// Conditions names the conditions the articles were chosen for.
	Conditions []string      `json:"conditions"`
	Articles   []articleView `json:"articles"`
}

type articleView struct {
	Title          string `json:"title"`
	Summary        string `json:"summary,omitempty"`
	URL            string `json:"url,omitempty"`
	ReadingMinutes int    `json:"readingMinutes,omitempty"`
	PublishedAt    string `json:"publishedAt"`
}

// resources returns the newest articles for one catalog condition, or for
// the caller's own conditions from the condition survey when condition is
// empty, or the newest articles overall when the caller has none on file.
func (b *toolbox) resources(ctx context.Context, condition string) (resourcesResult, error) {
	slugs := []string{condition}
	b.record(toolResources, condition == "")
	if condition == "" {
		var err error
		if slugs, err = readConditionSlugs(ctx, b.s.FHIR, b.profile.PatientID); err != nil {
			return resourcesResult{}, err
		}
	}
	names, err := readConditionNames(ctx, b.s.Firestore, slugs)
	if err != nil {
		return resourcesResult{}, err
	}
	articles, err := readArticles(ctx, b.s.Firestore, slugs, maxArticles)
	if err != nil {
		return resourcesResult{}, err
	}
	out := resourcesResult{Conditions: []string{}, Articles: []articleView{}}
	for _, slug := range slugs {
		if name, ok := names[slug]; ok {
			out.Conditions = append(out.Conditions, name)
		} else {
			out.Conditions = append(out.Conditions, slug)
		}
	}
	for _, a := range articles {
		out.Articles = append(out.Articles, articleView{
			Title: a.Title, Summary: a.Summary, URL: a.SourceURL, ReadingMinutes: a.ReadingMinutes,
			PublishedAt: a.PublishedAt.In(b.location).Format(time.DateOnly),
		})
		b.cite(citation{ArticleID: a.ID, Title: a.Title, URL: a.SourceURL})
	}
	return out, nil
}

func (b *toolbox) cite(c citation) {
	for _, existing := range b.citations {
		if existing.ArticleID == c.ArticleID {
			return
		}
	}
	b.citations = append(b.citations, c)
}

// localTime formats t in the caller's time zone, RFC 3339 with its offset.
func (b *toolbox) localTime(t time.Time) string {
	return t.In(b.location).Format(time.RFC3339)
}

func roundTenth(v float64) float64 {
	if v < 0 {
		return -float64(int64(-v*10+0.5)) / 10
	}
	return float64(int64(v*10+0.5)) / 10
}

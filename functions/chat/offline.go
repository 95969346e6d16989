package chat

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ihep/backend/shared/httpapi"
	"github.com/ihep/backend/shared/twinscore"
)

// offlineNotice starts every offline answer, so the user knows why the
// assistant understands so little.
const offlineNotice = "I'm running without the language model right now, so I can only answer simple questions about your appointments, vital signs, care team and learning resources."

// intent is a question the offline assistant can answer from one tool.
type intent struct {
	pattern *regexp.Regexp
	answer  func(ctx context.Context, b *toolbox) (string, error)
}

// intents are matched against the lower-cased message in this order, and
// every match is answered.
var intents = []intent{
	{regexp.MustCompile(`\b(appointments?|visits?|schedul\w*|booked|booking|check-?ups?)\b`), answerAppointments},
	{regexp.MustCompile(`\b(vitals?|heart ?rate|pulse|blood pressure|oxygen|spo2|temperature|fever|respirat\w*|breathing|health score|twin|readings?|how am i doing)\b`), answerVitals},
	{regexp.MustCompile(`\b(care ?team|doctors?|providers?|nurses?|physicians?|therapists?|counsel+ors?|specialists?|who is my|who are my)\b`), answerCareTeam},
	{regexp.MustCompile(`\b(resources?|articles?|reading|learn\w*|information|materials?|education\w*|tips?)\b`), answerResources},
}

// answerOffline answers by intent matching from the same tools the model
// uses, or with help when no intent matches.
func (s *Server) answerOffline(ctx context.Context, box *toolbox, message string) (chatResponse, error) {
	text := strings.ToLower(message)
	sections := []string{offlineNotice}
	for _, in := range intents {
		if !in.pattern.MatchString(text) {
			continue
		}
		section, err := in.answer(ctx, box)
		if err != nil {
			return chatResponse{}, httpapi.Unavailable(err)
		}
		sections = append(sections, section)
	}
	if len(sections) == 1 {
		sections = append(sections, offlineHelp)
	}
	return chatResponse{Message: strings.Join(sections, "\n\n"), Citations: box.citations}, nil
}

const offlineHelp = "You can ask me:\n" +
	"- \"When is my next appointment?\"\n" +
	"- \"How are my vitals?\"\n" +
	"- \"Who is on my care team?\"\n" +
	"- \"Show me resources for my conditions.\"\n" +
	"For anything about your health or treatment, please contact your care team. In an emergency, call 911."

func answerAppointments(ctx context.Context, b *toolbox) (string, error) {
	result, err := b.appointments(ctx, defaultAppointments)
	if err != nil {
		return "", err
	}
	if len(result.Appointments) == 0 {
		return "You have no upcoming appointments booked.", nil
	}
	lines := []string{"Your upcoming appointments:"}
	for _, a := range result.Appointments {
		line := "- " + b.humanTime(a.Start)
		if a.Type != "" {
			line += " (" + a.Type + ")"
		}
		if a.Provider != nil {
			line += " with " + a.Provider.Name
			if a.Provider.Specialty != "" {
				line += ", " + a.Provider.Specialty
			}
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), nil
}

func answerVitals(ctx context.Context, b *toolbox) (string, error) {
	result, err := b.vitals(ctx)
	if err != nil {
		return "", err
	}
	if len(result.Vitals) == 0 {
		return "There are no vital sign readings yet. Once your devices upload readings, I can show your latest values.", nil
	}
	lines := []string{"Your latest vital signs:"}
	for _, v := range result.Vitals {
		line := fmt.Sprintf("- %s: %s %s (%s)", v.Label, strconv.FormatFloat(v.Value, 'f', -1, 64), v.Unit, b.humanTime(v.ReadingTime))
		if v.Freshness == twinscore.Stale {
			line += ", an older reading"
		}
		lines = append(lines, line)
	}
	if result.HealthScore != nil {
		lines = append(lines, fmt.Sprintf("Your health score is %d, in the %s band.", *result.HealthScore, result.Band))
	}
	return strings.Join(lines, "\n"), nil
}

func answerCareTeam(ctx context.Context, b *toolbox) (string, error) {
	result, err := b.careTeam(ctx)
	if err != nil {
		return "", err
	}
	if len(result.CareTeam) == 0 {
		return "No providers are linked to your care team yet.", nil
	}
	lines := []string{"Your care team:"}
	for _, p := range result.CareTeam {
		line := "- " + p.Name
		if p.Primary {
			line += " (primary)"
		}
		if p.Specialty != "" {
			line += ", " + p.Specialty
		}
		if p.Phone != "" {
			line += ", phone " + p.Phone
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), nil
}

func answerResources(ctx context.Context, b *toolbox) (string, error) {
	result, err := b.resources(ctx, "")
	if err != nil {
		return "", err
	}
	if len(result.Articles) == 0 {
		return "I found no articles for your conditions yet.", nil
	}
	heading := "Recent articles:"
	if len(result.Conditions) > 0 {
		heading = "Articles about " + strings.Join(result.Conditions, ", ") + ":"
	}
	lines := []string{heading}
	for _, a := range result.Articles {
		line := "- " + a.Title
		if a.ReadingMinutes > 0 {
			line += fmt.Sprintf(" (%d min read)", a.ReadingMinutes)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), nil
}

// humanTime formats an RFC 3339 time of a tool result for reading, such as
// "Tue 3 Mar 2026, 14:30 EST".
func (b *toolbox) humanTime(value string) string {
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return value
	}
	return t.In(b.location).Format("Mon 2 Jan 2006, 15:04 MST")
}

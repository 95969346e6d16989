package profile

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones for time.LoadLocation wherever the runtime lacks them
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/httpapi"
)

// Defaults the API reports for fields the user never set.
const (
	defaultLanguage        = "en"
	defaultTemperatureUnit = "F"
	maxFullNameLength      = 200
)

// patchRequest is a PATCH body: every field is optional and only the fields
// present change.
type patchRequest struct {
	FullName          *string             `json:"fullName"`
	PreferredLanguage *string             `json:"preferredLanguage"`
	TimeZone          *string             `json:"timeZone"`
	TemperatureUnit   *string             `json:"temperatureUnit"`
	Notifications     *notificationsPatch `json:"notifications"`
	ProfileCompleted  *bool               `json:"profileCompleted"`
	// Email is decoded only to reject it with its own code.
	Email *string `json:"email"`
}

type notificationsPatch struct {
	Push                 *bool `json:"push"`
	Email                *bool `json:"email"`
	AppointmentReminders *bool `json:"appointmentReminders"`
	NewResources         *bool `json:"newResources"`
}

func badRequest(code, format string, args ...any) *httpapi.Error {
	return httpapi.NewError(http.StatusBadRequest, code, fmt.Sprintf(format, args...))
}

// validate checks every present field and brings it to its stored form.
func (p *patchRequest) validate() error {
	if p.Email != nil {
		return badRequest("email_read_only", "The e-mail address cannot be changed here: change it through the sign-in provider.")
	}
	if p.FullName != nil {
		name := strings.TrimSpace(*p.FullName)
		if name == "" || utf8.RuneCountInString(name) > maxFullNameLength || strings.IndexFunc(name, unicode.IsControl) >= 0 {
			return badRequest("invalid_full_name", "The full name must be 1 to %d characters long, without control characters.", maxFullNameLength)
		}
		p.FullName = &name
	}
	if p.PreferredLanguage != nil {
		tag, err := language.Parse(strings.TrimSpace(*p.PreferredLanguage))
		if err != nil || tag == language.Und {
			return badRequest("invalid_language", "The preferred language must be a BCP 47 tag such as en or es-MX.")
		}
		canonical := tag.String()
		p.PreferredLanguage = &canonical
	}
	if p.TimeZone != nil {
		zone := strings.TrimSpace(*p.TimeZone)
		if !validTimeZone(zone) {
			return badRequest("invalid_time_zone", "The time zone must be an IANA name such as America/New_York or UTC.")
		}
		p.TimeZone = &zone
	}
	if p.TemperatureUnit != nil && *p.TemperatureUnit != "F" && *p.TemperatureUnit != "C" {
		return badRequest("invalid_temperature_unit", "The temperature unit must be F or C.")
	}
	return nil
}

// validTimeZone accepts IANA zone names. time.LoadLocation also accepts ""
// and "Local", which name no zone.
func validTimeZone(zone string) bool {
	if zone == "" || zone == "Local" || len(zone) > 64 {
		return false
	}
	_, err := time.LoadLocation(zone)
	return err == nil
}

// apply copies the present fields onto the stored profile.
func (p *patchRequest) apply(profile *account.Profile) {
	if p.PreferredLanguage != nil {
		profile.PreferredLanguage = *p.PreferredLanguage
	}
	if p.TimeZone != nil {
		profile.TimeZone = *p.TimeZone
	}
	if p.TemperatureUnit != nil {
		profile.TemperatureUnit = *p.TemperatureUnit
	}
	if p.ProfileCompleted != nil {
		profile.ProfileCompleted = *p.ProfileCompleted
	}
	if n := p.Notifications; n != nil {
		choices := profile.NotificationChoices()
		setIf(&choices.Push, n.Push)
		setIf(&choices.Email, n.Email)
		setIf(&choices.AppointmentReminders, n.AppointmentReminders)
		setIf(&choices.NewResources, n.NewResources)
		profile.Notifications = &choices
	}
}

func setIf(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

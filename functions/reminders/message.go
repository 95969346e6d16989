package reminders

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/notification"
)

// reminderTitle is the title of every reminder.
const reminderTitle = "Appointment reminder"

// message builds the reminder's notification. Its text names the day and
// the time in the user's zone, with the zone's abbreviation so that the
// repeated hour of a fall-back night is unambiguous, and nothing else: no
// provider, type, place or note.
func message(d *due, zone *time.Location, now time.Time) notification.Message {
	body := fmt.Sprintf("You have an appointment %s at %s.", dayPhrase(d.start, now, zone), d.start.In(zone).Format("15:04 MST"))
	return notification.Message{
		ID: d.markerID, UID: d.uid, Kind: notification.KindAppointmentReminder,
		Title: reminderTitle, Body: body, CreatedAt: now.UTC(),
		Data: map[string]string{"appointmentId": d.appointment.ID, "window": d.window.Name},
	}
}

// dayPhrase names the start's calendar day relative to now's, both in the
// user's zone: "today", "tomorrow" or "on Monday, March 15".
func dayPhrase(start, now time.Time, zone *time.Location) string {
	local, today := start.In(zone), now.In(zone)
	startDate := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	todayDate := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	switch startDate.Sub(todayDate) / (24 * time.Hour) {
	case 0:
		return "today"
	case 1:
		return "tomorrow"
	}
	return "on " + local.Format("Monday, January 2")
}

// timeZones loads the time zone of each user in one read. A missing
// profile, an empty setting or an unknown zone name means UTC.
func (r *Reminder) timeZones(ctx context.Context, reminders []*due) (map[string]*time.Location, error) {
	zones := map[string]*time.Location{}
	var refs []*firestore.DocumentRef
	for _, d := range reminders {
		if _, ok := zones[d.uid]; !ok {
			zones[d.uid] = time.UTC
			refs = append(refs, r.firestore.Collection(account.ProfilesCollection).Doc(d.uid))
		}
	}
	snaps, err := r.firestore.GetAll(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	for _, snap := range snaps {
		var p account.Profile
		if !snap.Exists() || snap.DataTo(&p) != nil || p.TimeZone == "" {
			continue
		}
		zone, err := time.LoadLocation(p.TimeZone)
		if err != nil {
			r.logger.Warn("unknown time zone in profile, using UTC", logging.KeyUserID, snap.Ref.ID)
			continue
		}
		zones[snap.Ref.ID] = zone
	}
	return zones, nil
}

package reminders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ihep/backend/shared/account"
	"github.com/ihep/backend/shared/appointment"
	"github.com/ihep/backend/shared/audit"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/logging"
)

// Window is how long before an appointment's start a reminder is due.
type Window struct {
	Name string
	Lead time.Duration
}

// Windows are the reminder windows, longest first. Leads are durations, so
// a reminder is due at an instant, unaffected by daylight-saving changes.
var Windows = []Window{{Name: "24h", Lead: 24 * time.Hour}, {Name: "1h", Lead: time.Hour}}

const (
	// MarkersCollection holds one document per sent reminder, keyed by a
	// hash of appointment id, window and start. They hold no appointment
	// data, only claim and send times and expireAt for a TTL policy.
	MarkersCollection = "appointmentReminders"
	// claimTimeout is how long a run's claim on a reminder is valid before
	// another run may send it. It is longer than one publish takes and
	// short enough that a crashed run delays a reminder by minutes only.
	claimTimeout = 2 * time.Minute
	// pageSize is the number of appointments fetched per search page, the
	// Healthcare API's maximum _count.
	pageSize = 1000
	// publishConcurrency bounds the reminders of one page sent at once.
	publishConcurrency = 32
)

// Stats counts what one run did, and the backend calls it made.
type Stats struct {
	Appointments   int
	Sent           int
	FHIRCalls      int
	FirestoreCalls int
}

// due is one reminder to send.
type due struct {
	appointment *appointment.Resource
	start       time.Time
	window      Window
	uid         string
	markerID    string
}

// Run sends every reminder due at now that no run has sent: for each booked
// appointment that starts within the next 24 hours, the reminder of the
// shortest window whose lead has been reached. An appointment 3 hours ahead
// gets its 24-hour reminder, and one 40 minutes ahead its 1-hour reminder
// (the 24-hour one is not sent late). A reminder is keyed by appointment,
// window and start, so a rescheduled appointment is reminded again and a
// cancelled one, no longer booked, is not.
func (r *Reminder) Run(ctx context.Context, now time.Time) (Stats, error) {
	var stats Stats
	params := url.Values{
		"status":   {appointment.StatusScheduled.FHIR()},
		"date":     {"gt" + appointment.FormatInstant(now), "le" + appointment.FormatInstant(now.Add(Windows[0].Lead))},
		"_include": {"Appointment:patient"},
		"_count":   {strconv.Itoa(pageSize)},
	}
	for params != nil {
		bundle, err := r.fhir.Search(ctx, "Appointment", params)
		stats.FHIRCalls++
		if err != nil {
			return stats, fmt.Errorf("search appointments: %w", err)
		}
		reminders, count := dueReminders(bundle.Entry, now)
		stats.Appointments += count
		if err := r.sendPage(ctx, now, reminders, &stats); err != nil {
			return stats, err
		}
		params = bundle.NextPageParams()
	}
	r.logger.Info("reminder run finished", "appointments", stats.Appointments, "sent", stats.Sent,
		"fhir_calls", stats.FHIRCalls, "firestore_calls", stats.FirestoreCalls)
	return stats, nil
}

// dueReminders picks the reminder due for each appointment of one search
// page, with the user id from the included Patient.
func dueReminders(entries []fhir.BundleEntry, now time.Time) ([]*due, int) {
	uids := map[string]string{}
	var appointments []*appointment.Resource
	for _, entry := range entries {
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
			Identifier   []appointment.Identifier
		}
		if json.Unmarshal(entry.Resource, &head) != nil {
			continue
		}
		switch head.ResourceType {
		case "Patient":
			for _, id := range head.Identifier {
				if id.System == account.PatientIdentifierSystem {
					uids[head.ID] = id.Value
				}
			}
		case "Appointment":
			if a, err := appointment.Decode(entry.Resource); err == nil {
				appointments = append(appointments, a)
			}
		}
	}
	var out []*due
	for _, a := range appointments {
		start, _, err := a.Period()
		uid := uids[a.PatientID()]
		if err != nil || uid == "" || !start.After(now) {
			continue
		}
		window := windowAt(start, now)
		out = append(out, &due{appointment: a, start: start, window: window, uid: uid, markerID: markerID(a.ID, window, start)})
	}
	return out, len(appointments)
}

// windowAt returns the shortest window whose lead has been reached.
func windowAt(start, now time.Time) Window {
	chosen := Windows[0]
	for _, w := range Windows {
		if !now.Before(start.Add(-w.Lead)) {
			chosen = w
		}
	}
	return chosen
}

// markerID is also the notification id, so that the notify function
// delivers a reminder published twice (after a crash) only once.
func markerID(appointmentID string, w Window, start time.Time) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{appointmentID, w.Name, strconv.FormatInt(start.Unix(), 10)}, "|")))
	return "appt-" + hex.EncodeToString(sum[:20])
}

// marker is one reminder's state.
type marker struct {
	ClaimedAt time.Time `firestore:"claimedAt"`
	SentAt    time.Time `firestore:"sentAt,omitempty"`
	ExpireAt  time.Time `firestore:"expireAt"`
}

// sendPage sends the reminders of one page that no run has sent or is
// sending. It reads all their markers in one call, then claims each unsent
// one with a create (or, after a stale claim, an update conditional on the
// claim it read), publishes it and marks it sent.
//
// TODO: each claim, audit entry and sent mark is its own Firestore write,
// so a run that sends 10,000 reminders makes 30,000 writes (about 14 s for
// the 20,000 without audit entries on the local emulator). Batching them
// with a BulkWriter would cut the calls about twentyfold. Runs with nothing
// due are not affected.
func (r *Reminder) sendPage(ctx context.Context, now time.Time, reminders []*due, stats *Stats) error {
	if len(reminders) == 0 {
		return nil
	}
	refs := make([]*firestore.DocumentRef, len(reminders))
	for i, d := range reminders {
		refs[i] = r.firestore.Collection(MarkersCollection).Doc(d.markerID)
	}
	snaps, err := r.firestore.GetAll(ctx, refs)
	stats.FirestoreCalls++
	if err != nil {
		return fmt.Errorf("read reminder markers: %w", err)
	}
	var todo []*due
	var prior []*firestore.DocumentSnapshot
	for i, snap := range snaps {
		if claimable(snap, now) {
			todo, prior = append(todo, reminders[i]), append(prior, snap)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	zones, err := r.timeZones(ctx, todo)
	stats.FirestoreCalls++
	if err != nil {
		return err
	}

	sent := make([]bool, len(todo))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(publishConcurrency)
	for i, d := range todo {
		g.Go(func() (err error) {
			sent[i], err = r.sendOne(gctx, now, d, prior[i], zones[d.uid])
			return err
		})
	}
	err = g.Wait()
	for _, ok := range sent {
		if ok {
			stats.Sent++
			stats.FirestoreCalls += 3 // claim, audit entry and mark sent
		}
	}
	return err
}

// claimable reports whether a marker lets this run send: none yet, or an
// unsent claim older than claimTimeout.
func claimable(snap *firestore.DocumentSnapshot, now time.Time) bool {
	if !snap.Exists() {
		return true
	}
	var m marker
	if snap.DataTo(&m) != nil {
		return false
	}
	return m.SentAt.IsZero() && now.Sub(m.ClaimedAt) > claimTimeout
}

// sendOne claims, publishes and marks one reminder. It returns false
// without an error when another run holds the claim.
func (r *Reminder) sendOne(ctx context.Context, now time.Time, d *due, prior *firestore.DocumentSnapshot, zone *time.Location) (bool, error) {
	ref := prior.Ref
	claim := marker{ClaimedAt: now.UTC(), ExpireAt: d.start.Add(7 * 24 * time.Hour).UTC()}
	var err error
	if prior.Exists() {
		_, err = ref.Update(ctx, []firestore.Update{{Path: "claimedAt", Value: claim.ClaimedAt}}, firestore.LastUpdateTime(prior.UpdateTime))
	} else {
		_, err = ref.Create(ctx, claim)
	}
	switch status.Code(err) {
	case codes.OK:
	case codes.AlreadyExists, codes.FailedPrecondition:
		return false, nil // another run claimed it first
	default:
		return false, fmt.Errorf("claim reminder: %w", err)
	}

	if err := r.recordReminder(ctx, d); err != nil {
		// The claim expires after claimTimeout and a later run sends it.
		return false, err
	}
	if _, err := r.publisher.Publish(ctx, message(d, zone, now)); err != nil {
		// The claim expires after claimTimeout and a later run sends it.
		return false, fmt.Errorf("publish reminder: %w", err)
	}
	if _, err := ref.Update(ctx, []firestore.Update{{Path: "sentAt", Value: now.UTC()}}); err != nil {
		// The reminder went out. A later run may publish it again after
		// claimTimeout, and notify drops the repeat by its id.
		r.logger.Warn("marking a reminder sent failed", "notification_id", d.markerID, logging.KeyError, err.Error())
	}
	return true, nil
}

// recordReminder appends the audit entry of one reminder: the job read the
// appointment to remind its patient. Runs that find nothing due read
// appointments too, but record nothing, so the trail grows with reminders
// sent rather than with runs. The entry is keyed by the reminder, so a
// reminder published again after a crash is recorded once.
func (r *Reminder) recordReminder(ctx context.Context, d *due) error {
	entry := audit.Entry{
		Actor: "service:" + FunctionName, SubjectUID: d.uid, Action: "appointment.remind",
		Outcome: audit.OutcomeSuccess, ResourceType: "Appointment", ResourceID: d.appointment.ID,
	}
	if err := audit.NewRecorder(r.firestore, FunctionName).RecordOnce(ctx, d.markerID, entry); err != nil {
		return fmt.Errorf("audit reminder: %w", err)
	}
	return nil
}

package manifest

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronParser accepts exactly the five unix-cron fields that Cloud Scheduler
// takes: minute, hour, day of month, month and day of week. Descriptors such
// as @daily are not accepted.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// ParseCron parses a five-field unix-cron expression such as "30 2 * * 1-5".
// The zone prefixes TZ= and CRON_TZ= are rejected because the manifest gives
// the time zone in its own field.
func ParseCron(spec string) (cron.Schedule, error) {
	fields := strings.Fields(spec)
	if len(fields) > 0 && (strings.HasPrefix(fields[0], "TZ=") || strings.HasPrefix(fields[0], "CRON_TZ=")) {
		return nil, fmt.Errorf("cron expression %q is invalid: set the time zone in trigger.timeZone, not in the expression", spec)
	}
	if len(fields) != 5 {
		return nil, fmt.Errorf("cron expression %q has %d fields, expected 5 (minute hour day-of-month month day-of-week)", spec, len(fields))
	}
	schedule, err := cronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("cron expression %q is invalid: %v", spec, err)
	}
	return schedule, nil
}

// CronSchedule returns the cron schedule of a schedule trigger, evaluated in the
// trigger's time zone. It fails for any other trigger kind.
func (t Trigger) CronSchedule() (cron.Schedule, error) {
	if t.Kind() != KindSchedule {
		return nil, fmt.Errorf("trigger has no schedule")
	}
	loc, err := LoadTimeZone(t.TimeZone)
	if err != nil {
		return nil, err
	}
	schedule, err := ParseCron(t.Schedule)
	if err != nil {
		return nil, err
	}
	return inZone{schedule: schedule, loc: loc}, nil
}

// inZone evaluates a schedule in a fixed time zone, so that "0 9 * * *" means
// 09:00 on the zone's wall clock across daylight-saving changes.
type inZone struct {
	schedule cron.Schedule
	loc      *time.Location
}

// Next returns the first tick strictly after t, in t's location.
func (z inZone) Next(t time.Time) time.Time {
	next := z.schedule.Next(t.In(z.loc))
	if next.IsZero() {
		return next
	}
	return next.In(t.Location())
}

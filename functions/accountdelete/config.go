package accountdelete

import (
	"errors"
	"fmt"
	"os"

	"github.com/ihep/backend/shared/config"
)

// Retention is the rule for a deleted account's PHI in the FHIR store.
type Retention string

const (
	// RetentionDelete deletes the Patient and every resource that points at
	// it. This is the default: the patient asked to leave.
	RetentionDelete Retention = "delete"
	// RetentionRetain keeps the clinical resources, for a deployment that
	// must hold medical records for a legal period, and de-links them. The
	// Patient loses the identifier that names the account and is marked
	// inactive. No Firestore document points at it any more.
	RetentionRetain Retention = "retain"
)

// Config is the function's configuration: the shared settings and the
// retention rule (PHI_RETENTION, delete or retain).
type Config struct {
	config.Base
	Retention Retention
}

// ConfigFromEnv reads and validates the configuration.
func ConfigFromEnv() (Config, error) {
	cfg := Config{Base: config.FromEnv(), Retention: Retention(os.Getenv("PHI_RETENTION"))}
	if cfg.Retention == "" {
		cfg.Retention = RetentionDelete
	}
	return cfg, cfg.Validate()
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{c.Base.Validate()}
	if c.Retention != RetentionDelete && c.Retention != RetentionRetain {
		errs = append(errs, fmt.Errorf("PHI_RETENTION %q is invalid: expected delete or retain", c.Retention))
	}
	return errors.Join(errs...)
}

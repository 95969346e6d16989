package smoothvitals

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/fhir"
	"github.com/ihep/backend/shared/logging"
	"github.com/ihep/backend/shared/platform"
)

// Smoother consumes FHIR change notifications. It is safe for concurrent
// use; work for one patient is serialised through a Firestore lease.
type Smoother struct {
	cfg       config.Base
	firestore *firestore.Client
	fhir      *fhir.Client
	logger    *slog.Logger
	holder    string
	now       func() time.Time
	pageSize  int

	mu     sync.Mutex
	active map[string]*patientWork // by patient id
	users  map[string]string       // user id by patient id, for audit entries
}

// NewSmoother validates cfg and builds the clients. A nil logger means the
// default JSON logger on stderr.
func NewSmoother(ctx context.Context, cfg config.Base, logger *slog.Logger) (*Smoother, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validate config: %w", err)
	}
	if err := cfg.RequireFHIR(); err != nil {
		return nil, err
	}
	fs, err := platform.NewFirestore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	fhirClient, err := fhir.New(ctx, cfg.FHIRStore, cfg.FHIREndpoint)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = logging.Default()
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	return &Smoother{
		cfg: cfg, firestore: fs, fhir: fhirClient,
		logger: logger.With(logging.KeyFunction, FunctionName),
		holder: hex.EncodeToString(id[:]), now: time.Now, pageSize: defaultPageSize, users: map[string]string{},
		active: map[string]*patientWork{},
	}, nil
}

package chat

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"time"

	"github.com/ihep/backend/shared/config"
)

// Config is the chat function's configuration.
type Config struct {
	config.Base
	// VertexLocation is the Vertex AI region of the model, such as
	// us-central1 (VERTEX_AI_LOCATION). Empty means no language model: the
	// assistant runs offline and answers by intent matching.
	VertexLocation string
	// VertexProject is the project billed for the model
	// (VERTEX_AI_PROJECT); empty means GOOGLE_CLOUD_PROJECT.
	VertexProject string
	// VertexEndpoint overrides the Vertex AI base URL (VERTEX_AI_ENDPOINT).
	// Requests to it carry no credentials, so it must be a loopback address:
	// it exists for local test servers that speak the Vertex AI wire format.
	VertexEndpoint string
	// Model is the Gemini model id (CHAT_MODEL).
	Model string
	// ModelBudget bounds the time one request spends on the model, retries
	// included (CHAT_MODEL_BUDGET). Keep it below the function's timeout.
	ModelBudget time.Duration
}

// DefaultModel is the model used when CHAT_MODEL is unset.
const DefaultModel = "gemini-2.5-flash"

// ConfigFromEnv reads Config from the environment, applying defaults. Call
// Validate on the result.
func ConfigFromEnv() Config {
	cfg := Config{
		Base:           config.FromEnv(),
		VertexLocation: os.Getenv("VERTEX_AI_LOCATION"),
		VertexProject:  os.Getenv("VERTEX_AI_PROJECT"),
		VertexEndpoint: os.Getenv("VERTEX_AI_ENDPOINT"),
		Model:          os.Getenv("CHAT_MODEL"),
		ModelBudget:    45 * time.Second,
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if budget := os.Getenv("CHAT_MODEL_BUDGET"); budget != "" {
		d, err := time.ParseDuration(budget)
		if err != nil {
			d = -1 // reported by Validate as out of range
		}
		cfg.ModelBudget = d
	}
	return cfg
}

var (
	locationPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,40}$`)
	modelPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9.@_-]{0,100}$`)
)

// Validate reports every problem at once, joined into one error.
func (c Config) Validate() error {
	errs := []error{c.Base.Validate()}
	if !c.Online() {
		return errors.Join(errs...)
	}
	if !locationPattern.MatchString(c.VertexLocation) {
		errs = append(errs, fmt.Errorf("VERTEX_AI_LOCATION %q is invalid: expected a region such as us-central1", c.VertexLocation))
	}
	if !modelPattern.MatchString(c.Model) {
		errs = append(errs, fmt.Errorf("CHAT_MODEL %q is invalid: expected a model id such as %s", c.Model, DefaultModel))
	}
	if c.ModelBudget < time.Second || c.ModelBudget > 5*time.Minute {
		errs = append(errs, fmt.Errorf("CHAT_MODEL_BUDGET %s is invalid: expected 1s to 5m", c.ModelBudget))
	}
	if c.VertexEndpoint != "" && !isLoopbackURL(c.VertexEndpoint) {
		errs = append(errs, fmt.Errorf("VERTEX_AI_ENDPOINT %q is invalid: expected an http URL on a loopback address", c.VertexEndpoint))
	}
	return errors.Join(errs...)
}

// Online reports whether a language model is configured.
func (c Config) Online() bool {
	return c.VertexLocation != ""
}

// project returns the project billed for the model.
func (c Config) project() string {
	if c.VertexProject != "" {
		return c.VertexProject
	}
	return c.ProjectID
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

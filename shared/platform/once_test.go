package platform

import (
	"context"
	"errors"
	"testing"

	"github.com/ihep/backend/shared/config"
)

func TestLazyRetriesAfterFailure(t *testing.T) {
	t.Parallel()
	calls := 0
	lazy := NewLazy(func(context.Context) (int, error) {
		calls++
		if calls == 1 {
			return 0, errors.New("transient")
		}
		return 42, nil
	})
	if _, err := lazy.Get(context.Background()); err == nil {
		t.Fatal("first Get() succeeded, want the build error")
	}
	for range 3 {
		got, err := lazy.Get(context.Background())
		if err != nil || got != 42 {
			t.Fatalf("Get() = %d, %v; want 42, nil", got, err)
		}
	}
	if calls != 2 {
		t.Errorf("build ran %d times, want 2", calls)
	}
}

func TestNewAuthRefusesEmulatorOutsideDemo(t *testing.T) {
	t.Parallel()
	for _, project := range []string{"ihep-prod", "dem", "demo"} {
		cfg := config.Base{ProjectID: project, AuthEmulatorHost: "127.0.0.1:9099"}
		if _, err := NewAuth(context.Background(), cfg); !errors.Is(err, config.ErrEmulatorInProduction) {
			t.Errorf("NewAuth(%q) = %v, want ErrEmulatorInProduction", project, err)
		}
	}
}

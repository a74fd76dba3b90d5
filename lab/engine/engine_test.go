package engine

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConnectNoEngine points DOCKER_HOST at a socket where nothing listens
// and checks that the error names it and explains how to start an engine.
func TestConnectNoEngine(t *testing.T) {
	sock := "unix://" + filepath.Join(t.TempDir(), "docker.sock")
	t.Setenv("DOCKER_HOST", sock)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	_, err := Connect(ctx, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err == nil {
		t.Fatal("expected an error with no engine at DOCKER_HOST, got none")
	}
	for _, want := range []string{"no Docker engine answered at " + sock, "set DOCKER_HOST", "systemctl start docker"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("expected the error to contain %q, got:\n%v", want, err)
		}
	}
}

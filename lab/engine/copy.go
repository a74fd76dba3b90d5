package engine

import (
	"context"
	"fmt"

	"github.com/moby/moby/client"
)

// CopyBetween copies the file or directory src of container from into
// directory dest of container to, like `docker cp FROM:SRC -` piped into
// `docker cp - TO:DEST`. dest must exist.
func (e *Engine) CopyBetween(ctx context.Context, from, src, to, dest string) error {
	res, err := e.Client.CopyFromContainer(ctx, from, client.CopyFromContainerOptions{SourcePath: src})
	if err != nil {
		return fmt.Errorf("copy %s out of container %s: %w", src, shortID(from), err)
	}
	defer res.Content.Close()
	return e.CopyTar(ctx, to, dest, res.Content)
}

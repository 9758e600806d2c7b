// Package consumer adapts the SLS SDK consumer library (consumer groups, shard assignment, checkpoints) to
// siemship's pipeline: each pulled batch goes to a BatchHandler, and the shard's checkpoint moves only after the
// handler returned nil (delivered, or deliberately filtered).
package consumer

import (
	"context"

	"github.com/siemship/siemship/internal/record"
)

// Batch is what one PullLogs call returned for one shard.
type Batch struct {
	Shard      int
	Cursor     string // where this batch was pulled from
	NextCursor string // the checkpoint saved once the batch is delivered
	Groups     []record.Group
}

// Records returns the number of logs in the batch.
func (b *Batch) Records() int { return record.Count(b.Groups) }

// BatchHandler delivers a batch. It returns nil only when every record of the batch is delivered (or filtered on
// purpose); the caller then checkpoints. After HandleBatch returns, the handler must not keep references into b.
type BatchHandler interface {
	HandleBatch(ctx context.Context, b *Batch) error
}

// BatchHandlerFunc adapts a function to BatchHandler.
type BatchHandlerFunc func(ctx context.Context, b *Batch) error

// HandleBatch calls f.
func (f BatchHandlerFunc) HandleBatch(ctx context.Context, b *Batch) error { return f(ctx, b) }

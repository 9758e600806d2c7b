// Package telemetry is how siemship shows what it does: the process logger, Prometheus metrics on a private
// registry, the per-shard lag of the consumer group, and the /metrics, /healthz and /readyz endpoints.
//
// The shipper's stages report through small observer interfaces (pipeline.Observer, consumer.Observer) that
// Telemetry implements, and through the cumulative counters they already keep (read when Prometheus scrapes).
// Nothing here is on the delivery path except those observer calls, which only touch atomics.
package telemetry

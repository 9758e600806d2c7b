// Package hec is the Splunk HTTP Event Collector sink: it posts the events of a batch (package hecenc's frames,
// concatenated) to /services/collector/event in requests bounded by size and count and, with indexer
// acknowledgement, confirms a batch only once Splunk reports every request of it indexed (/services/collector/ack).
// A batch that is not confirmed is an error: the pipeline sends it again whole, so a failure can duplicate events
// but never lose one.
//
// Errors by class: network errors, 5xx and 429 are transient; 401 and 403 (token), an index the token may not
// write (code 7), channel and acknowledgement errors (10, 11, 14) and 413 (request too large) are configuration
// errors that name the variable to fix, and are retried too, as nothing may be skipped; a 400 that names one
// invalid event (invalid-event-number) isolates it: the events before it are sent again in their own request, the
// invalid one goes to the dead-letter file, and the rest follow. Without a dead-letter file the batch is not
// confirmed (the shard waits, the error names HEC_DEAD_LETTER_FILE): an event is never dropped silently.
package hec

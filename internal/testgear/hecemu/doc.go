// Package hecemu is an in-process emulator of the Splunk HTTP Event Collector (HEC) for tests and benchmarks: the
// event endpoints (/services/collector, /services/collector/event, /services/collector/event/1.0) with batches of
// concatenated JSON events and gzip bodies, tokens with index allow-lists, request channels, indexer
// acknowledgement (/services/collector/ack) and the health endpoint, answering with Splunk's status codes and JSON
// bodies.
//
// Every event that Splunk would index goes into a ledger (Events, Count) once the emulated indexing delay has
// passed, so a test can check exactly what arrived, how often, and under which ackId. Fault knobs (FailNext, Busy,
// DelayAcks, LoseAcks, RestartIndexer, DropConnections, DropResponses) provoke what a HEC client has to survive.
//
// Nothing runs in the background: pending requests are indexed lazily, whenever the emulator is asked (a request,
// an ack poll, Events, Count, Stats), at the time they became due. Only Start adds goroutines (the HTTP server's),
// and Shutdown ends them.
//
// docs/hec-emulator.md lists what it emulates and every known difference from a real Splunk.
package hecemu

// Package groupstate is the server-side consumer-group state machine of the SLS emulator.
//
// A Group holds, per shard, one of the states of the SLS consumer-group model:
//
//	not_alloc      consumable, unowned
//	already_alloc  owned by one consumer
//	transfer       still owned by its consumer, which must give it up to a designated next consumer
//	wait           not consumable yet: order=true and a parent shard is not over
//	over           read-only shard whose checkpoint reached its end
//
// Consumers are known only through their heartbeats. Every call that receives the current time and shard list
// (Heartbeat, UpdateCheckpoint, Status) first brings the group up to date, in this order:
//
//  1. expiry: a consumer silent for longer than the timeout is removed; shards it owned in already_alloc become
//     not_alloc, shards it owned in transfer go to their designated next consumer (the hand-over completes) or to
//     not_alloc when there is none; transfers it was the designated next of are cancelled (the owner keeps them);
//  2. shard list: shards missing from the list are dropped with their checkpoints, new shards appear, and every
//     unowned shard is put in wait (order=true and a direct parent is in the list and not over) or not_alloc;
//  3. balance: the load of a live consumer is the number of shards it owns in already_alloc plus the transfers
//     designated to it. With n shards in not_alloc, already_alloc or transfer and k consumers, each consumer's
//     quota is n/k, plus one for the n%k consumers with the highest load (ties: name ascending), so a balanced
//     group keeps its quotas. Then a transfer whose next consumer is over quota while its owner is under quota is
//     cancelled; not_alloc shards, by ascending ID, go to the least-loaded consumer under quota (ties: name); and
//     each consumer over quota gives its surplus to the least-loaded consumer under quota, first by redirecting
//     its incoming transfers, then by putting its own already_alloc shards in transfer, highest IDs first.
//     Afterwards every load equals its quota: loads differ by at most one at all times.
//
// A heartbeat additionally registers or refreshes its consumer and completes the hand-over of every transfer shard
// the consumer owns but no longer lists; its answer is the sorted list of shards the consumer owns in already_alloc.
// Transfer shards are left out of the answer so that the consumer stops them, flushes their checkpoints and drops
// them from its next heartbeat, which is when the designated next consumer receives them.
//
// A checkpoint equal to the end of a read-only shard moves it to over; a forced checkpoint elsewhere on an over
// shard makes it consumable again. Checkpoints do not count as heartbeats.
//
// The package is pure: it performs no I/O, starts no goroutines and never reads the clock; all methods are safe for
// concurrent use and their results depend only on the sequence of calls.
package groupstate

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
//  2. shard list: shards missing from the list are dropped with their checkpoints, new shards appear as not_alloc,
//     and unowned shards are put in wait or not_alloc depending on order and their parents;
//  3. balance: not_alloc, already_alloc and transfer shards are shared so that the load of live consumers (owned
//     already_alloc shards plus incoming transfers) differs by at most one; see rebalance for the exact rules.
//
// A heartbeat additionally registers or refreshes its consumer and completes the hand-over of every transfer shard
// the consumer owns but no longer lists; its answer is the sorted list of shards the consumer owns in already_alloc.
// Transfer shards are left out of the answer so that the consumer stops them, flushes their checkpoints and drops
// them from its next heartbeat, which is when the designated next consumer receives them.
//
// The package is pure: it performs no I/O, starts no goroutines and never reads the clock; all methods are safe for
// concurrent use and their results depend only on the sequence of calls.
package groupstate

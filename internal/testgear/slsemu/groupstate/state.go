package groupstate

// state is the consumer-group state of one shard.
type state uint8

const (
	stateNotAlloc state = iota
	stateAlreadyAlloc
	stateTransfer
	stateWait
	stateOver
)

// Names of the states as reported by Status (the spelling of the SLS documentation).
const (
	StateNotAlloc     = "not_alloc"
	StateAlreadyAlloc = "already_alloc"
	StateTransfer     = "transfer"
	StateWait         = "wait"
	StateOver         = "over"
)

func (s state) String() string {
	switch s {
	case stateNotAlloc:
		return StateNotAlloc
	case stateAlreadyAlloc:
		return StateAlreadyAlloc
	case stateTransfer:
		return StateTransfer
	case stateWait:
		return StateWait
	case stateOver:
		return StateOver
	}
	return "unknown"
}

// shardState is the group's view of one shard. owner is set in already_alloc and transfer, next only in transfer.
type shardState struct {
	state state
	owner string
	next  string
}

// participates reports whether the shard takes part in balancing.
func (s *shardState) participates() bool {
	return s.state == stateNotAlloc || s.state == stateAlreadyAlloc || s.state == stateTransfer
}

// free makes the shard unowned and consumable; sync may turn it into wait afterwards.
func (s *shardState) free() {
	*s = shardState{state: stateNotAlloc}
}

// give makes c the owner of the shard in already_alloc.
func (s *shardState) give(c string) {
	*s = shardState{state: stateAlreadyAlloc, owner: c}
}

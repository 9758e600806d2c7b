// Package mapping is the pipeline stage between the source and the encoder that makes each record's message
// what the user's SIEM needs: header fields from constants or from the record (templates), a severity from a
// field through a value map or from a rule, renamed, kept, dropped and added fields, and the rules of a rules
// file (package rules), which may drop a record. It is pure: the Mapper does not change after New, and MapGroup
// writes only into the caller's Scratch.
//
// Every template and condition sees the record as SLS delivered it; renames, drops and added fields apply to what
// the encoder writes. A record dropped by a rule is not sent, is counted per rule, and its checkpoint moves as for a
// delivered one (filtered counts as delivered).
package mapping

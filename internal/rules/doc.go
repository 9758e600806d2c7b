// Package rules decides per record whether siemship drops it, sends it with another syslog severity or adds fields
// to it, from an ordered list of rules in a YAML file (SIEMSHIP_RULES_FILE; docs/rules.md is the user's page).
//
// A rule has conditions (match: a field equals one of some values; keyword: some field value contains a string;
// regex: a field value matches an RE2 expression), optional exclusions (except: condition sets that, when one holds,
// make the rule not match) and actions (severity, tag, drop). Rules are tried in file order and the first one that
// matches wins, as in a firewall, so a record gets the actions of at most one rule and the outcome never depends on
// how actions of several rules would combine.
//
// Field names are those of record.Group.Lookup, the SLS query language's: a content key, __topic__, __source__ and
// __tag__:<key>. With duplicate content keys a condition holds when any content with that key satisfies it.
//
// Parse validates strictly and reports every problem at once, each as "FILE:LINE: message", so that `siemship check`
// can show all of them before the rules are used. A Set is read-only after Parse; Match does not allocate, because
// it runs for every record.
package rules

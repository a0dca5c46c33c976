package external

// Alive is alive, for the tests of package external_test.
var Alive = alive

// Package agreement holds a test that needs application packages (methods,
// baselines, datasets): NMF fitted with the active BLAS and with gonum's
// pure-Go BLAS must agree. It lives apart from blasbackend so that the
// platform package's own tests build without them.
package agreement

// Package repocheck holds tests over the repository's own files.
package repocheck

package main

import (
	"context"
	"errors"
)

// runImport is a placeholder, filled in by the cadastre work.
func runImport(ctx context.Context, e *env, args []string) error {
	return errors.New("import: not implemented yet")
}

// runGen is a placeholder, filled in by the cadastre work.
func runGen(ctx context.Context, e *env, args []string) error {
	return errors.New("gen: not implemented yet")
}

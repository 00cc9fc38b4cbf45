package main

import (
	"context"
	"errors"
)

// runCadastreBench is a placeholder, filled in by the cadastre work.
func runCadastreBench(ctx context.Context, args []string) error {
	return errors.New("cadastre benchmark: not implemented yet")
}

package main

import (
	"context"
	"errors"
)

// runAPIBench is a placeholder, filled in by the API work.
func runAPIBench(ctx context.Context, args []string) error {
	return errors.New("api benchmark: not implemented yet")
}

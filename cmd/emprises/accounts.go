package main

import (
	"context"
	"errors"
)

// runUsers is a placeholder, filled in by the accounts work.
func runUsers(ctx context.Context, e *env, args []string) error {
	return errors.New("users: not implemented yet")
}

// runTokens is a placeholder, filled in by the accounts work.
func runTokens(ctx context.Context, e *env, args []string) error {
	return errors.New("tokens: not implemented yet")
}

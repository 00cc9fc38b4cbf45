package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
)

// runUsers manages accounts: users add|list|disable|reset-password.
func runUsers(ctx context.Context, e *env, args []string) error {
	const synopsis = "users add --name NAME --role viewer|editor|admin | users list | users disable NAME | users reset-password NAME"
	action, rest := subcommand(args)
	var d dbFlags
	fs := newFlagSet(e, "users "+action, synopsis)
	d.register(fs, e)
	name := fs.String("name", "", "account name (users add): a–z, 0–9, . _ @ -")
	role := fs.String("role", "", "role (users add): viewer reads confidential fields, editor edits, admin also restores")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	switch action {
	case "add":
		if fs.NArg() > 0 {
			return usageError{fmt.Sprintf("users add: unexpected argument %q", fs.Arg(0))}
		}
		return usersAdd(ctx, e, d, *name, *role)
	case "list":
		if fs.NArg() > 0 {
			return usageError{fmt.Sprintf("users list: unexpected argument %q", fs.Arg(0))}
		}
		return usersList(ctx, e, d)
	case "disable", "reset-password":
		if fs.NArg() != 1 {
			return usageError{"users " + action + ": give one account name"}
		}
		target := auth.NormalizeName(fs.Arg(0))
		db, err := openDatabase(ctx, e, d, false)
		if err != nil {
			return err
		}
		defer db.close(ctx)
		if action == "disable" {
			if err := db.store.DisableUser(ctx, cliActor(e), target); err != nil {
				return accountError(err)
			}
			fmt.Fprintf(e.stderr, "users: %s is disabled; its sessions and tokens no longer work\n", target)
			return nil
		}
		password := auth.NewPassword()
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		if err := db.store.SetPassword(ctx, cliActor(e), target, hash); err != nil {
			return accountError(err)
		}
		fmt.Fprintf(e.stderr, "users: new password of %s (shown once; its sessions are closed):\n", target)
		fmt.Fprintln(e.stdout, password)
		return nil
	case "":
		fs.Usage()
		return usageError{"users: give an action: add, list, disable or reset-password"}
	}
	fs.Usage()
	return usageError{fmt.Sprintf("users: unknown action %q", action)}
}

func usersAdd(ctx context.Context, e *env, d dbFlags, name, role string) error {
	name = auth.NormalizeName(name)
	if name == "" || role == "" {
		return usageError{"users add: give --name and --role"}
	}
	if err := auth.ValidateName(name); err != nil {
		return usageError{"users add: --name: " + err.(*site.InvalidError).Reason}
	}
	r, err := auth.ParseRole(role)
	if err != nil {
		return usageError{"users add: --role: " + err.(*site.InvalidError).Reason}
	}
	db, err := openDatabase(ctx, e, d, false)
	if err != nil {
		return err
	}
	defer db.close(ctx)
	password := auth.NewPassword()
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := db.store.CreateUser(ctx, cliActor(e), name, r, hash); err != nil {
		return accountError(err)
	}
	fmt.Fprintf(e.stderr, "users: %s (%s) created; password (shown once, keep it safe):\n", name, r)
	fmt.Fprintln(e.stdout, password)
	return nil
}

func usersList(ctx context.Context, e *env, d dbFlags) error {
	db, err := openDatabase(ctx, e, d, false)
	if err != nil {
		return err
	}
	defer db.close(ctx)
	users, err := db.store.ListUsers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tCREATED")
	for _, u := range users {
		state := "active"
		if u.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, state, u.CreatedAt.Format(time.DateOnly))
	}
	return tw.Flush()
}

// runTokens manages API tokens: tokens create|list|revoke.
func runTokens(ctx context.Context, e *env, args []string) error {
	const synopsis = "tokens create --user NAME | tokens list | tokens revoke --id N | tokens revoke PREFIX-OR-TOKEN"
	action, rest := subcommand(args)
	var d dbFlags
	fs := newFlagSet(e, "tokens "+action, synopsis)
	d.register(fs, e)
	user := fs.String("user", "", "account the token acts as (tokens create)")
	id := fs.Int64("id", 0, "id of the token to revoke, as tokens list shows it (tokens revoke)")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	switch action {
	case "create":
		if fs.NArg() > 0 || *user == "" {
			return usageError{"tokens create: give --user NAME and nothing else"}
		}
		db, err := openDatabase(ctx, e, d, false)
		if err != nil {
			return err
		}
		defer db.close(ctx)
		token := auth.Secret(auth.TokenMarker)
		t, err := db.store.CreateToken(ctx, cliActor(e), auth.NormalizeName(*user), token)
		if err != nil {
			return accountError(err)
		}
		fmt.Fprintf(e.stderr, "tokens: token %d (%s…) for %s; send it as Authorization: Bearer TOKEN. Shown once:\n",
			t.ID, t.Prefix, t.User)
		fmt.Fprintln(e.stdout, token) // the last line, for scripts
		return nil
	case "list":
		if fs.NArg() > 0 {
			return usageError{fmt.Sprintf("tokens list: unexpected argument %q", fs.Arg(0))}
		}
		db, err := openDatabase(ctx, e, d, false)
		if err != nil {
			return err
		}
		defer db.close(ctx)
		tokens, err := db.store.ListTokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tUSER\tCREATED\tLAST USED\tREVOKED")
		for _, t := range tokens {
			fmt.Fprintf(tw, "%d\t%s…\t%s\t%s\t%s\t%s\n", t.ID, t.Prefix, t.User, t.CreatedAt.Format(time.DateOnly),
				dayOrDash(t.LastUsed), dayOrDash(t.Revoked))
		}
		return tw.Flush()
	case "revoke":
		prefix := ""
		switch {
		case *id > 0 && fs.NArg() == 0:
		case *id == 0 && fs.NArg() == 1:
			prefix = strings.TrimSuffix(fs.Arg(0), "…")
		default:
			return usageError{"tokens revoke: give --id N or one token prefix (emp_…), not both"}
		}
		db, err := openDatabase(ctx, e, d, false)
		if err != nil {
			return err
		}
		defer db.close(ctx)
		t, err := db.store.RevokeToken(ctx, cliActor(e), *id, prefix)
		if err != nil {
			return accountError(err)
		}
		fmt.Fprintf(e.stderr, "tokens: token %d (%s…) of %s revoked\n", t.ID, t.Prefix, t.User)
		return nil
	case "":
		fs.Usage()
		return usageError{"tokens: give an action: create, list or revoke"}
	}
	fs.Usage()
	return usageError{fmt.Sprintf("tokens: unknown action %q", action)}
}

// subcommand splits "add --name x" into the action and its flags; "--help" alone has no
// action, and gets the usage.
func subcommand(args []string) (string, []string) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", args
	}
	return args[0], args[1:]
}

// accountError makes the store's refusals read as command-line mistakes (exit 2).
func accountError(err error) error {
	var inv *site.InvalidError
	switch {
	case errors.As(err, &inv):
		return usageError{fmt.Sprintf("--%s: %s", strings.ReplaceAll(inv.Field, "_", "-"), inv.Reason)}
	case errors.Is(err, site.ErrNotFound):
		msg := err.Error()
		if i := strings.Index(msg, "no "); i >= 0 {
			msg = msg[i:]
		}
		return usageError{strings.TrimSuffix(msg, ": "+site.ErrNotFound.Error())}
	}
	return err
}

func dayOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.DateOnly)
}
